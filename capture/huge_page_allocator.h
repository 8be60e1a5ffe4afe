// HugePageAllocator: a std::allocator for the flow table's large arrays (capture/flow_table.h).
// An array of at least 2 MiB is placed on 2 MiB boundaries and offered to the kernel's transparent
// huge pages (madvise MADV_HUGEPAGE): a packet touches one random Flow among thousands, and with
// 4 KiB pages nearly every such touch also misses the TLB. Where the kernel has no huge pages to
// give the advice changes nothing, and memory use is at most one 2 MiB page more per array.
// Smaller arrays come from operator new as usual. Stateless, so thread-safe.
// advise_huge_pages() offers the same to an array some other allocator gave (std::vector's).
// Errors: std::bad_alloc when memory runs out, as std::allocator.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace dais::capture {

// Advises the kernel to back the whole 2 MiB pages inside [data, data + bytes) with huge pages,
// before they are first written: a fresh array of tens of MiB otherwise costs a page fault per
// 4 KiB. Advice only: contents and ownership are untouched, and a failure changes nothing.
inline void advise_huge_pages(void* data, std::size_t bytes) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (begin < end) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failing it leaves ordinary pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p, std::align_val_t{alignof(T)});
    } else {
      std::free(p);
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace dais::capture

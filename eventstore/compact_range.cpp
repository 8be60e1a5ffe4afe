#include "eventstore/compact_range.h"

#include <bit>

namespace dais::eventstore::merkle {

CompactRange CompactRange::of(std::uint64_t size, const HashReader& read) {
  CompactRange range;
  std::uint64_t covered = 0;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) == 0) continue;
    range.hashes_.push_back(read(static_cast<unsigned>(level), covered >> level));
    covered += width;
  }
  range.size_ = size;
  return range;
}

void CompactRange::add(const Hash& leaf) {
  // Each trailing one bit of the size is a perfect subtree that the new leaf completes a level above.
  Hash carry = leaf;
  for (std::uint64_t bits = size_; (bits & 1) != 0; bits >>= 1) {
    carry = node_hash(hashes_.back(), carry);
    hashes_.pop_back();
  }
  hashes_.push_back(carry);
  ++size_;
}

Hash CompactRange::root() const {
  if (hashes_.empty()) return sha256(std::string_view{});
  Hash root = hashes_.back();
  for (std::size_t i = hashes_.size() - 1; i-- > 0;) root = node_hash(hashes_[i], root);
  return root;
}

}  // namespace dais::eventstore::merkle

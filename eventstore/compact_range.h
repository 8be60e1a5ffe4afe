// The right edge of an RFC 6962 tree kept in memory: the roots of its perfect
// subtrees, largest (leftmost) first, one per set bit of the size. Enough to
// add leaves one by one and to give the tree's root at any time, with O(log n)
// hashes, without the tiles. A replica checks the leaves it has received
// against a leader's signed root with it, before it stores them; dais-tail
// checks the streamed entries against each signed checkpoint.
// Thread safety: a plain value (one thread at a time). Errors: of() passes on
// what the HashReader throws.
#pragma once

#include <cstdint>
#include <vector>

#include "eventstore/merkle.h"

namespace dais::eventstore::merkle {

class CompactRange {
 public:
  CompactRange() = default;
  // The range of the tree of `size` leaves, from the hashes of its complete subtrees.
  static CompactRange of(std::uint64_t size, const HashReader& read);

  void add(const Hash& leaf);
  std::uint64_t size() const { return size_; }
  // MTH of the leaves so far (SHA-256 of nothing for none).
  Hash root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> hashes_;  // perfect subtrees, largest first
};

}  // namespace dais::eventstore::merkle

// Questions about a store's Merkle tree, answered from its tiles in one read
// snapshot each: the current tree head, the root at an earlier size, and
// inclusion and consistency proofs (RFC 9162 §2.1) for the API and the tools.
// Thread safety: as Store reads (any thread). Errors: TreeRangeError for sizes
// or seqs outside the stored tree (its message says which and why, for a
// 400/404 reply); StoreError for a damaged tree.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "eventstore/store.h"

namespace dais::eventstore {

class TreeRangeError : public std::invalid_argument {
 public:
  // beyond_tree: the arguments are well-formed but the tree is not that large (yet).
  TreeRangeError(const std::string& message, bool beyond_tree)
      : std::invalid_argument(message), beyond_tree_(beyond_tree) {}
  bool beyond_tree() const { return beyond_tree_; }

 private:
  bool beyond_tree_;
};

struct TreeHead {
  std::uint64_t size = 0;
  merkle::Hash root{};
};

// The stored tree's size and root, read together.
TreeHead tree_head(const Store& store);
// The root of the tree's first `size` leaves (size <= tree size).
merkle::Hash tree_root(const Store& store, std::uint64_t size);
// Proof that leaf `seq` is in the tree of `size` leaves (seq < size <= tree size).
std::vector<merkle::Hash> inclusion_proof(const Store& store, std::uint64_t seq, std::uint64_t size);
// Proof that the tree of `to` leaves extends the one of `from` (0 < from <= to <= tree size).
std::vector<merkle::Hash> consistency_proof(const Store& store, std::uint64_t from, std::uint64_t to);

}  // namespace dais::eventstore

#include "eventstore/tree_queries.h"

#include <string>

namespace dais::eventstore {

namespace {

void require_within(std::uint64_t size, std::uint64_t tree_size) {
  if (size > tree_size) {
    throw TreeRangeError("the tree has " + std::to_string(tree_size) + " leaves, fewer than the " +
                             std::to_string(size) + " asked for",
                         true);
  }
}

}  // namespace

TreeHead tree_head(const Store& store) {
  TreeHead head;
  store.read_tree([&](std::uint64_t size, const merkle::HashReader& read) {
    head.size = size;
    head.root = merkle::tree_hash(size, read);
  });
  return head;
}

merkle::Hash tree_root(const Store& store, std::uint64_t size) {
  merkle::Hash root{};
  store.read_tree([&](std::uint64_t tree_size, const merkle::HashReader& read) {
    require_within(size, tree_size);
    root = merkle::tree_hash(size, read);
  });
  return root;
}

std::vector<merkle::Hash> inclusion_proof(const Store& store, std::uint64_t seq, std::uint64_t size) {
  if (seq >= size) {
    throw TreeRangeError("seq " + std::to_string(seq) + " is not in a tree of " + std::to_string(size) +
                             " leaves (seq must be below size)",
                         false);
  }
  std::vector<merkle::Hash> proof;
  store.read_tree([&](std::uint64_t tree_size, const merkle::HashReader& read) {
    require_within(size, tree_size);
    proof = merkle::inclusion_proof(seq, size, read);
  });
  return proof;
}

std::vector<merkle::Hash> consistency_proof(const Store& store, std::uint64_t from, std::uint64_t to) {
  if (from == 0 || from > to) {
    throw TreeRangeError("no consistency proof from size " + std::to_string(from) + " to size " +
                             std::to_string(to) + " (needs 0 < from <= to)",
                         false);
  }
  std::vector<merkle::Hash> proof;
  store.read_tree([&](std::uint64_t tree_size, const merkle::HashReader& read) {
    require_within(to, tree_size);
    proof = merkle::consistency_proof(from, to, read);
  });
  return proof;
}

}  // namespace dais::eventstore

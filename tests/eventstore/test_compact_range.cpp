// Unit tests of merkle::CompactRange (eventstore/compact_range.h): the root after
// each added leaf equals RFC 9162's MTH computed naively from the leaves, and a
// range read from a tree's complete subtrees continues exactly like one built
// leaf by leaf.
#include <doctest/doctest.h>

#include "eventstore/compact_range.h"

using namespace dais::eventstore::merkle;

namespace {

std::vector<Hash> make_leaves(std::size_t n) {
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < n; ++i) leaves.push_back(leaf_hash("{\"leaf\":" + std::to_string(i) + "}"));
  return leaves;
}

// RFC 9162 §2.1.1, straight from its definition: split at the largest power of two below n.
Hash naive_mth(const std::vector<Hash>& d, std::size_t lo, std::size_t hi) {
  if (hi == lo) return dais::sha256(std::string_view{});
  if (hi - lo == 1) return d[lo];
  std::size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return node_hash(naive_mth(d, lo, lo + k), naive_mth(d, lo + k, hi));
}

}  // namespace

TEST_CASE("the root after each leaf is the tree hash of the leaves so far") {
  const auto leaves = make_leaves(600);
  CompactRange range;
  CHECK(range.root() == naive_mth(leaves, 0, 0));
  for (std::size_t n = 0; n < leaves.size(); ++n) {
    range.add(leaves[n]);
    REQUIRE(range.size() == n + 1);
    REQUIRE(range.root() == naive_mth(leaves, 0, n + 1));
  }
}

TEST_CASE("a range read from complete subtrees continues like one built leaf by leaf") {
  const auto leaves = make_leaves(300);
  const HashReader read = [&](unsigned level, std::uint64_t index) {
    const std::size_t width = std::size_t{1} << level;
    REQUIRE((index + 1) * width <= leaves.size());
    return naive_mth(leaves, index * width, (index + 1) * width);
  };
  for (std::size_t start : {0u, 1u, 2u, 7u, 64u, 129u, 255u, 256u, 257u}) {
    CAPTURE(start);
    auto range = CompactRange::of(start, read);
    CHECK(range.size() == start);
    CHECK(range.root() == naive_mth(leaves, 0, start));
    for (std::size_t n = start; n < leaves.size(); ++n) range.add(leaves[n]);
    CHECK(range.root() == naive_mth(leaves, 0, leaves.size()));
  }
}

TEST_CASE("a different leaf gives a different root") {
  auto leaves = make_leaves(10);
  CompactRange good, bad;
  for (const auto& leaf : leaves) good.add(leaf);
  leaves[3][0] ^= 1;
  for (const auto& leaf : leaves) bad.add(leaf);
  CHECK(good.root() != bad.root());
}

// Unit tests of the Merkle tree functions (eventstore/merkle.h) against a naive
// recursive implementation written straight from RFC 9162 §2.1 over a vector of
// leaves: tree hashes, inclusion and consistency proofs for many sizes (all pairs
// for small ones), tiles built by TileAppender, and tile paths.
#include <doctest/doctest.h>

#include <map>
#include <stdexcept>

#include "common/sha256.h"
#include "eventstore/merkle.h"

using namespace dais::eventstore::merkle;

namespace {

std::vector<Hash> make_leaves(std::size_t n) {
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < n; ++i) leaves.push_back(leaf_hash("{\"seq\":" + std::to_string(i) + "}"));
  return leaves;
}

std::size_t k_of(std::size_t n) {
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// RFC 9162 MTH over leaf hashes.
Hash naive_mth(const std::vector<Hash>& d, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return d[lo];
  const std::size_t k = k_of(hi - lo);
  return node_hash(naive_mth(d, lo, lo + k), naive_mth(d, lo + k, hi));
}

std::vector<Hash> naive_path(std::size_t m, const std::vector<Hash>& d, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return {};
  const std::size_t k = k_of(hi - lo);
  std::vector<Hash> out;
  if (m < k) {
    out = naive_path(m, d, lo, lo + k);
    out.push_back(naive_mth(d, lo + k, hi));
  } else {
    out = naive_path(m - k, d, lo + k, hi);
    out.push_back(naive_mth(d, lo, lo + k));
  }
  return out;
}

std::vector<Hash> naive_subproof(std::size_t m, const std::vector<Hash>& d, std::size_t lo, std::size_t hi, bool b) {
  const std::size_t n = hi - lo;
  if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{naive_mth(d, lo, hi)};
  const std::size_t k = k_of(n);
  std::vector<Hash> out;
  if (m <= k) {
    out = naive_subproof(m, d, lo, lo + k, b);
    out.push_back(naive_mth(d, lo + k, hi));
  } else {
    out = naive_subproof(m - k, d, lo + k, hi, false);
    out.push_back(naive_mth(d, lo, lo + k));
  }
  return out;
}

HashReader naive_reader(const std::vector<Hash>& d) {
  return [&d](unsigned level, std::uint64_t index) {
    const std::size_t lo = index << level, hi = (index + 1) << level;
    REQUIRE(hi <= d.size());
    return naive_mth(d, lo, hi);
  };
}

struct TileStore {
  std::map<std::pair<unsigned, std::uint64_t>, std::string> tiles;
  std::uint64_t size = 0;
  bool leaf_by_leaf = false;  // TileAppender::add(leaf) per leaf rather than add(span)
  void add(std::span<const Hash> leaves) {
    TileAppender app(size, [this](unsigned l, std::uint64_t i) {
      auto it = tiles.find({l, i});
      return it == tiles.end() ? std::string() : it->second;
    });
    if (leaf_by_leaf) {
      for (const Hash& h : leaves) app.add(h);
    } else {
      app.add(leaves);
    }
    for (const auto& [key, bytes] : app.dirty()) tiles[key] = bytes;
    size = app.size();
  }
  HashReader reader() const {
    return [this](unsigned level, std::uint64_t index) {
      return hash_from_tiles(level, index, [this](unsigned l, std::uint64_t i) {
        auto it = tiles.find({l, i});
        return it == tiles.end() ? std::string() : it->second;
      });
    };
  }
};

}  // namespace

TEST_CASE("hashes follow RFC 6962's domain separation") {
  CHECK(leaf_hash("") == dais::sha256(std::string_view("\0", 1)));
  const Hash a = leaf_hash("a"), b = leaf_hash("b");
  CHECK(node_hash(a, b) == dais::sha256("\x01" + std::string(a.begin(), a.end()) + std::string(b.begin(), b.end())));
  CHECK(tree_hash(0, naive_reader({})) == dais::sha256(""));
  // RFC 6962's published test vector: the empty leaf's hash.
  CHECK(dais::to_hex(leaf_hash("")) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST_CASE("the chain hash and the leaf hash taken together are the two hashes taken apart") {
  for (const std::string& entry : {std::string(), std::string("{}"), std::string(55, 'a'), std::string(63, 'b'),
                                  std::string(64, 'c'), std::string(316, 'd'), std::string(5000, 'e')}) {
    Hash entry_hash{}, leaf{};
    entry_and_leaf_hash(entry, entry_hash, leaf);
    CHECK(entry_hash == dais::sha256(entry));
    CHECK(leaf == leaf_hash(entry));
  }
}

TEST_CASE("subtree_root folds 1..256 contiguous hashes as the naive recursion does, and refuses other counts") {
  const auto leaves = make_leaves(256);
  std::string bytes;
  for (const Hash& h : leaves) bytes.append(reinterpret_cast<const char*>(h.data()), h.size());
  for (std::size_t count = 1; count <= 256; count *= 2) {
    CAPTURE(count);
    CHECK(subtree_root(bytes.data(), count) == naive_mth(leaves, 0, count));
    CHECK(subtree_root(bytes.data() + 32 * (256 - count), count) == naive_mth(leaves, 256 - count, 256));
  }
  CHECK_THROWS_AS(subtree_root(bytes.data(), 0), std::invalid_argument);
  CHECK_THROWS_AS(subtree_root(bytes.data(), 3), std::invalid_argument);
  CHECK_THROWS_AS(subtree_root(bytes.data(), 512), std::invalid_argument);
}

TEST_CASE("tree hash, inclusion and consistency proofs match the naive recursion for 1..300 leaves") {
  const auto leaves = make_leaves(300);
  const auto read = naive_reader(leaves);
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    const std::vector<Hash> d(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    const Hash root = naive_mth(d, 0, n);
    REQUIRE(tree_hash(n, read) == root);
    const std::size_t step = n <= 40 ? 1 : 7;  // every pair for small trees
    for (std::size_t m = 0; m < n; m += step) {
      const auto proof = inclusion_proof(m, n, read);
      REQUIRE(proof == naive_path(m, d, 0, n));
      REQUIRE(verify_inclusion(d[m], m, n, proof, root));
      auto other_root = root;
      other_root[31] ^= 1;
      CHECK_FALSE(verify_inclusion(d[m], m, n, proof, other_root));
      if (n > 1) CHECK_FALSE(verify_inclusion(d[m], (m + 1) % n, n, proof, root));
      if (!proof.empty()) {
        auto bad = proof;
        bad.back()[0] ^= 1;
        CHECK_FALSE(verify_inclusion(d[m], m, n, bad, root));
      }
    }
    for (std::size_t m = 1; m <= n; m += step) {
      const auto proof = consistency_proof(m, n, read);
      REQUIRE(proof == (m == n ? std::vector<Hash>{} : naive_subproof(m, d, 0, n, true)));
      const Hash old_root = naive_mth(d, 0, m);
      REQUIRE(verify_consistency(m, n, proof, old_root, root));
      auto wrong_old = old_root;
      wrong_old[5] ^= 0x40;
      CHECK_FALSE(verify_consistency(m, n, proof, wrong_old, root));
      if (m < n) CHECK_FALSE(verify_consistency(m, n, proof, old_root, old_root));
    }
  }
}

TEST_CASE("out-of-tree arguments are refused") {
  const auto leaves = make_leaves(4);
  const auto read = naive_reader(leaves);
  CHECK_THROWS_AS(inclusion_proof(4, 4, read), std::invalid_argument);
  CHECK_THROWS_AS(consistency_proof(0, 4, read), std::invalid_argument);
  CHECK_THROWS_AS(consistency_proof(5, 4, read), std::invalid_argument);
  CHECK_FALSE(verify_inclusion(leaves[0], 4, 4, {}, leaves[0]));
  CHECK_FALSE(verify_consistency(3, 2, {}, leaves[0], leaves[0]));
}

TEST_CASE("tiles built leaf by leaf or in batches give the naive tree for every size") {
  const auto leaves = make_leaves(600);
  TileStore one_by_one, batched;
  one_by_one.leaf_by_leaf = true;  // the other one takes each batch in runs (TileAppender::add(span))
  std::size_t batch = 1;
  for (std::size_t n = 1; n <= leaves.size(); ++n) {
    one_by_one.add(std::span(leaves).subspan(n - 1, 1));
    const std::vector<Hash> d(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    REQUIRE(tree_hash(n, one_by_one.reader()) == naive_mth(d, 0, n));
    if (n % 37 == 5) REQUIRE(inclusion_proof(n / 2, n, one_by_one.reader()) == naive_path(n / 2, d, 0, n));
  }
  while (batched.size < leaves.size()) {
    const std::size_t take = std::min<std::size_t>(batch, leaves.size() - batched.size);
    batched.add(std::span(leaves).subspan(batched.size, take));
    batch = batch * 3 + 1;
  }
  CHECK(batched.tiles == one_by_one.tiles);
  // Tile widths are as tlog-tiles defines them: level 0 has tiles 0, 1 (full) and 2 (88 wide); level 1 one of 2.
  CHECK(batched.tiles.size() == 4);
  CHECK(batched.tiles.at({0, 2}).size() == 88 * 32);
  CHECK(batched.tiles.at({1, 0}).size() == 2 * 32);
  CHECK(tile_width(0, 2, 600) == 88);
  CHECK(tile_width(0, 1, 600) == 256);
  CHECK(tile_width(0, 3, 600) == 0);
  CHECK(tile_width(1, 0, 600) == 2);
  CHECK(tile_width(2, 0, 600) == 0);
}

TEST_CASE("a tree past one level-1 tile (70000 leaves) has the naive root") {
  std::vector<Hash> leaves = make_leaves(70000);
  TileStore tiles;
  tiles.add(leaves);
  CHECK(tiles.tiles.count({2, 0}) == 1);  // 65536 leaves make the first level-2 hash
  CHECK(tree_hash(70000, tiles.reader()) == naive_mth(leaves, 0, 70000));
  const auto proof = inclusion_proof(65535, 70000, tiles.reader());
  CHECK(verify_inclusion(leaves[65535], 65535, 70000, proof, naive_mth(leaves, 0, 70000)));
  const auto cons = consistency_proof(65536, 70000, tiles.reader());
  CHECK(verify_consistency(65536, 70000, cons, naive_mth(leaves, 0, 65536), naive_mth(leaves, 0, 70000)));
}

TEST_CASE("a tile that is shorter than the tree needs is reported, not guessed") {
  TileStore tiles;
  tiles.add(make_leaves(10));
  tiles.tiles[{0, 0}].resize(5 * 32);
  CHECK_THROWS_AS(tree_hash(10, tiles.reader()), std::runtime_error);
  CHECK_THROWS_AS(tiles.add(make_leaves(1)), std::runtime_error);
}

TEST_CASE("tile paths are tlog-tiles' and parse back") {
  CHECK(tile_path({0, 5, 256}) == "tile/8/0/005");
  CHECK(tile_path({1, 1234067, 256}) == "tile/8/1/x001/x234/067");
  CHECK(tile_path({2, 1000, 17}) == "tile/8/2/x001/000.p/17");
  for (const TileId t : {TileId{0, 0, 1}, TileId{0, 999, 256}, TileId{3, 1000000, 255}, TileId{7, 123456789012, 9}}) {
    const auto parsed = parse_tile_path(tile_path(t));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == t);
  }
  for (const char* bad : {"tile/8/0/5", "tile/8/0/x000/005", "tile/8/0/005.p/0", "tile/8/0/005.p/256",
                          "tile/8/0/005.p/07", "tile/8/8/000", "tile/8/0/005/", "tile/4/0/005", "tile/8/0/x1/005",
                          "tile/8/01/005", "tile/8/0/005.p", "tile/8/0/abc", "tile/8//005"}) {
    CHECK_MESSAGE(!parse_tile_path(bad).has_value(), bad);
  }
}

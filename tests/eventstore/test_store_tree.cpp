// The store's Merkle tree (docs/MERKLE.md): kept with every append, equal to
// the RFC 9162 tree of the entries for every size, a proof for every seq of a
// small log, caught up for a log written without it, and a damaged tile
// reported rather than trusted.
#include <doctest/doctest.h>

#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "eventstore/tree_queries.h"
#include "tests/eventstore/test_support.h"

using namespace dais::eventstore;
using namespace dais::eventstore::testing;
using dais::TempDir;

TEST_CASE("the tree follows every append and matches the entries' RFC 9162 tree at every size") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");
  CHECK(store->tree_size() == 0);
  CHECK(tree_head(*store).root == dais::sha256(""));
  std::vector<merkle::Hash> roots;  // roots[n - 1] = root after n entries, as the store reported it
  std::size_t batch = 1;
  while (store->head().count < 600) {
    const auto r = store->append(drafts(batch, batch, static_cast<int>(store->head().count)));
    const TreeHead head = tree_head(*store);
    REQUIRE(head.size == r.head.count);
    REQUIRE(store->tree_size() == r.head.count);
    roots.resize(head.size);
    roots.back() = head.root;
    batch = batch % 50 + 7;
  }
  const std::uint64_t n = store->head().count;
  const auto leaves = leaves_of(*store, n);
  REQUIRE(leaves.size() == n);
  CHECK(tree_head(*store).root == naive_root(leaves, 0, n));
  for (std::uint64_t size = 1; size <= n; ++size) {
    const merkle::Hash expected = naive_root(leaves, 0, size);
    REQUIRE(tree_root(*store, size) == expected);
    if (roots[size - 1] != merkle::Hash{}) REQUIRE(roots[size - 1] == expected);
  }
  // Partial and full tiles as tlog-tiles lays them out.
  CHECK(store->read_tile(0, 0).size() == 256 * 32);
  CHECK(store->read_tile(0, 2).size() == merkle::tile_width(0, 2, n) * 32);
  CHECK(store->read_tile(1, 0).size() == 2 * 32);
  CHECK(store->read_tile(0, 3).empty());
}

TEST_CASE("a proof for every seq of a small log, and consistency between every pair of sizes") {
  TempDir tmp;
  write_log(tmp / "log", 70, 3);
  StoreOptions ro;
  ro.read_only = true;
  auto store = Store::open(tmp / "log", ro);
  const auto leaves = leaves_of(*store, 70);
  for (std::uint64_t size = 1; size <= 70; ++size) {
    const merkle::Hash root = naive_root(leaves, 0, size);
    for (std::uint64_t seq = 0; seq < size; ++seq) {
      REQUIRE(merkle::verify_inclusion(leaves[seq], seq, size, inclusion_proof(*store, seq, size), root));
    }
    for (std::uint64_t from = 1; from <= size; ++from) {
      REQUIRE(merkle::verify_consistency(from, size, consistency_proof(*store, from, size),
                                         naive_root(leaves, 0, from), root));
    }
  }
}

TEST_CASE("questions outside the tree are refused with the reason") {
  TempDir tmp;
  write_log(tmp / "log", 5);
  auto store = Store::open(tmp / "log");
  try {
    inclusion_proof(*store, 5, 5);
    FAIL("no throw");
  } catch (const TreeRangeError& e) {
    CHECK_FALSE(e.beyond_tree());
    CHECK(std::string(e.what()).find("seq 5 is not in a tree of 5") != std::string::npos);
  }
  try {
    consistency_proof(*store, 2, 9);
    FAIL("no throw");
  } catch (const TreeRangeError& e) {
    CHECK(e.beyond_tree());
    CHECK(std::string(e.what()).find("the tree has 5 leaves") != std::string::npos);
  }
  CHECK_THROWS_AS(consistency_proof(*store, 0, 3), TreeRangeError);
  CHECK_THROWS_AS(tree_root(*store, 6), TreeRangeError);
}

TEST_CASE("a log written without the tree gets it on the next writable open") {
  TempDir tmp;
  {
    StoreOptions off;
    off.merkle_tree = false;
    auto store = Store::open(tmp / "log", off);
    store->append(drafts(300));
    CHECK(store->tree_size() == 0);
  }
  auto store = Store::open(tmp / "log");
  CHECK(store->tree_size() == 300);
  store->append(drafts(5, 2));
  CHECK(tree_head(*store).root == naive_root(leaves_of(*store, 305), 0, 305));
}

TEST_CASE("a damaged tile gives a different root and a tile too short for the tree is an error") {
  TempDir tmp;
  write_log(tmp / "log", 40);
  merkle::Hash good;
  {
    auto store = Store::open(tmp / "log");
    good = tree_head(*store).root;
  }
  {
    RawLog raw(tmp / "log");
    std::string tile = raw.get_tile(0, 0);
    tile[3 * 32 + 1] ^= 0x10;
    raw.put_tile(0, 0, tile);
    raw.commit();
  }
  {
    auto store = Store::open(tmp / "log");
    CHECK(tree_head(*store).root != good);
    CHECK(tree_head(*store).root != naive_root(leaves_of(*store, 40), 0, 40));
  }
  {
    RawLog raw(tmp / "log");
    raw.put_tile(0, 0, raw.get_tile(0, 0).substr(0, 20 * 32));
    raw.commit();
  }
  auto store = Store::open(tmp / "log");
  CHECK_THROWS_AS(tree_head(*store), StoreError);
  CHECK_THROWS_AS(store->append(drafts(1)), StoreError);
  CHECK(store->head().count == 40);  // nothing of the refused batch was stored
}

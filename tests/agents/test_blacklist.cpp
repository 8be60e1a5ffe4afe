#include <doctest/doctest.h>

#include <stdexcept>

#include "agents/blacklist.h"

using dais::agents::Blacklist;

TEST_CASE("entries expire unless hit") {
  Blacklist bl(10);
  CHECK(bl.add(100, 5, 10, "sig-a"));
  CHECK(bl.contains(100));
  CHECK(bl.contains(100, 14));
  CHECK_FALSE(bl.contains(100, 15));
  CHECK_FALSE(bl.contains(200, 5));
  CHECK_FALSE(bl.check_and_hit(200, 6));

  CHECK(bl.check_and_hit(100, 12));  // hit refreshes: now listed until 22
  auto e = bl.find(100);
  REQUIRE(e.has_value());
  CHECK(e->hits == 1);
  CHECK(e->last_hit_step == 12);
  CHECK(e->expires_step == 22);
  CHECK(e->signature_id == "sig-a");
  CHECK(bl.contains(100, 21));
  CHECK_FALSE(bl.check_and_hit(100, 22));  // expired: not blocked, no hit counted
  CHECK(bl.find(100)->hits == 1);

  bl.expire(21);
  CHECK(bl.size() == 1);
  bl.expire(22);
  CHECK(bl.size() == 0);
  CHECK_FALSE(bl.contains(100));
}

TEST_CASE("re-adding refreshes without resetting hits") {
  Blacklist bl;
  CHECK(bl.add(7, 0, 5, "one"));
  CHECK(bl.check_and_hit(7, 1));
  CHECK(bl.check_and_hit(7, 2));
  CHECK_FALSE(bl.add(7, 3, 20, "two"));
  const auto e = *bl.find(7);
  CHECK(e.hits == 2);
  CHECK(e.added_step == 0);
  CHECK(e.expires_step == 23);
  CHECK(e.signature_id == "two");
  CHECK(bl.size() == 1);
}

TEST_CASE("when full, the least recently hit entry is evicted, ties deterministically") {
  Blacklist bl(3);
  bl.add(30, 0, 100, "a");
  bl.add(10, 0, 100, "b");
  bl.add(20, 1, 100, "c");
  // 10 and 30 tie on (last hit 0, added 0): the lower indicator goes first.
  CHECK(bl.add(40, 2, 100, "d"));
  CHECK(bl.evictions() == 1);
  CHECK_FALSE(bl.contains(10));
  CHECK(bl.contains(30));
  // A hit makes 30 recent; 20 (last touched at 1) is now the oldest.
  CHECK(bl.check_and_hit(30, 3));
  bl.add(50, 4, 100, "e");
  CHECK_FALSE(bl.contains(20));
  CHECK(bl.contains(30));
  CHECK(bl.contains(40));
  CHECK(bl.contains(50));
  CHECK(bl.size() == 3);

  const auto entries = bl.entries();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].indicator == 30);
  CHECK(entries[1].indicator == 40);
  CHECK(entries[2].indicator == 50);
  CHECK(entries[0].hits == 1);
}

TEST_CASE("same operations give the same blacklist") {
  auto run = [] {
    Blacklist bl(16);
    for (std::uint32_t i = 0; i < 100; ++i) {
      bl.add((i * 37) % 41, i, 5 + i % 7, "s" + std::to_string(i));
      bl.check_and_hit((i * 11) % 41, i);
      if (i % 10 == 0) bl.expire(i);
    }
    return bl.entries();
  };
  CHECK(run() == run());
}

TEST_CASE("bad arguments are refused") {
  CHECK_THROWS_AS(Blacklist(0), std::invalid_argument);
  Blacklist bl(2);
  CHECK_THROWS_AS(bl.add(1, 0, 0, "x"), std::invalid_argument);
  CHECK_FALSE(bl.remove(1));
  bl.add(1, 0, 3, "x");
  CHECK(bl.remove(1));
  CHECK(bl.size() == 0);
}

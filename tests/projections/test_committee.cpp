#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "projections/committee.h"

using dais::projections::select_committee;

namespace {

std::vector<std::uint32_t> range(std::uint32_t n) {
  std::vector<std::uint32_t> v(n);
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

}  // namespace

TEST_CASE("a committee has the requested size, is sorted, excludes the proposer and holds only candidates") {
  const std::vector<std::uint32_t> active = {1, 3, 4, 8, 9, 12, 15, 20, 21, 30};
  for (std::uint32_t size = 1; size < 9; ++size) {
    const auto c = select_committee("sig-a", 7, active, size, 4);
    CHECK(c.size() == size);
    CHECK(std::is_sorted(c.begin(), c.end()));
    CHECK(std::adjacent_find(c.begin(), c.end()) == c.end());
    CHECK(std::find(c.begin(), c.end(), 4u) == c.end());
    for (auto a : c) CHECK(std::binary_search(active.begin(), active.end(), a));
  }
}

TEST_CASE("size 0 or a size above the candidates selects every active agent but the proposer") {
  const auto active = range(10);
  std::vector<std::uint32_t> all_but_3 = {0, 1, 2, 4, 5, 6, 7, 8, 9};
  CHECK(select_committee("s", 1, active, 0, 3) == all_but_3);
  CHECK(select_committee("s", 1, active, 9, 3) == all_but_3);
  CHECK(select_committee("s", 1, active, 50, 3) == all_but_3);
  CHECK(select_committee("s", 1, {}, 5, 3).empty());
  // A proposer that is not active changes nothing.
  CHECK(select_committee("s", 1, active, 0, 99) == range(10));
}

TEST_CASE("the committee is a pure function of (signature, seed, candidate set, size)") {
  const auto active = range(100);
  const auto base = select_committee("sig-b", 11, active, 7, 0);
  CHECK(select_committee("sig-b", 11, active, 7, 0) == base);
  auto shuffled = active;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 37, shuffled.end());
  shuffled.push_back(5);  // duplicates are ignored
  shuffled.push_back(50);
  CHECK(select_committee("sig-b", 11, shuffled, 7, 0) == base);
}

TEST_CASE("seed and signature id change the committee") {
  const auto active = range(100);
  int seed_changes = 0, id_changes = 0;
  for (int i = 0; i < 50; ++i) {
    const auto id = "sig-" + std::to_string(i);
    const auto c = select_committee(id, 1, active, 5, 0);
    if (select_committee(id, 2, active, 5, 0) != c) ++seed_changes;
    if (select_committee(id + "x", 1, active, 5, 0) != c) ++id_changes;
  }
  CHECK(seed_changes >= 45);
  CHECK(id_changes >= 45);
}

TEST_CASE("removing an unselected agent leaves the committee unchanged (rendezvous hashing)") {
  const auto active = range(40);
  for (int i = 0; i < 20; ++i) {
    const auto id = "r-" + std::to_string(i);
    const auto c = select_committee(id, 3, active, 6, 0);
    std::uint32_t outsider = 1;
    while (std::binary_search(c.begin(), c.end(), outsider)) ++outsider;
    auto fewer = active;
    fewer.erase(std::find(fewer.begin(), fewer.end(), outsider));
    CHECK(select_committee(id, 3, fewer, 6, 0) == c);
  }
}

TEST_CASE("every agent is selected about equally often") {
  const auto active = range(20);
  std::vector<int> picked(20, 0);
  const int signatures = 2000;
  for (int i = 0; i < signatures; ++i) {
    for (auto a : select_committee("f-" + std::to_string(i), 9, active, 5, 99)) ++picked[a];
  }
  // Expected 2000 * 5 / 20 = 500 per agent, standard deviation ~19.4; allow 5 of them.
  for (int count : picked) {
    CHECK(count > 400);
    CHECK(count < 600);
  }
}

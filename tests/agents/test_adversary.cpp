#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "agents/adversary.h"
#include "agents/traffic.h"

using namespace dais::agents;

namespace {

Flow flow_from(std::uint32_t source, float level) {
  Flow f;
  f.features.fill(level);
  f.source = source;
  return f;
}

const std::array<double, kFeatureCount> kSd = [] {
  std::array<double, kFeatureCount> sd{};
  sd.fill(1.0);
  return sd;
}();

}  // namespace

TEST_CASE("the Byzantine agents are a seeded share of the network, rounded down") {
  const Adversary none(7, AdversaryParams{0.0, 0.25, 3});
  CHECK(none.byzantine_agents(30).empty());

  const Adversary fifth(7, AdversaryParams{0.2, 0.25, 3});
  const auto chosen = fifth.byzantine_agents(30);
  REQUIRE(chosen.size() == 6);
  CHECK(std::is_sorted(chosen.begin(), chosen.end()));
  CHECK(std::adjacent_find(chosen.begin(), chosen.end()) == chosen.end());
  CHECK(chosen.back() < 30);
  CHECK(fifth.byzantine_agents(30) == chosen);  // a function of the seed alone
  CHECK(fifth.byzantine_agents(9).size() == 1);  // 1.8 rounds down

  const Adversary all(7, AdversaryParams{1.0, 0.25, 3});
  CHECK(all.byzantine_agents(4) == std::vector<std::uint32_t>{0, 1, 2, 3});

  // Another seed picks another sample of the same size (for this pair of seeds).
  const auto other = Adversary(8, AdversaryParams{0.2, 0.25, 3}).byzantine_agents(30);
  CHECK(other.size() == 6);
  CHECK(other != chosen);
}

TEST_CASE("colluders back each other's proposals and sink honest ones, with full conviction") {
  const Adversary adversary(1, AdversaryParams{});
  const auto for_colluder = adversary.vote(true);
  CHECK(for_colluder.approve);
  CHECK(for_colluder.similarity == 1.0);
  CHECK(for_colluder.confidence == 1.0);
  const auto against_honest = adversary.vote(false);
  CHECK_FALSE(against_honest.approve);
  CHECK(against_honest.similarity == 0.0);
  CHECK(against_honest.confidence == 1.0);
}

TEST_CASE("a forged signature frames a benign address the agent saw often enough, never an attacker") {
  const std::set<std::uint32_t> attackers{100, 101};
  std::vector<Flow> observed;
  for (int i = 0; i < 5; ++i) observed.push_back(flow_from(100, 9.0f));  // attacker, often seen
  for (int i = 0; i < 4; ++i) observed.push_back(flow_from(20, 1.0f));   // benign, often enough
  observed.push_back(flow_from(21, 2.0f));                               // benign, seen once
  const Adversary always(11, AdversaryParams{0.2, 1.0, 3});
  for (std::uint64_t step = 0; step < 40; ++step) {
    const auto forged = always.forge(ForgeContext{3, step, observed, attackers, kSd});
    REQUIRE(forged.has_value());
    CHECK(forged->indicator == 20);
    CHECK(forged->confidence == 0.9);
    CHECK(forged->observations == 4);
  }
  // The same agent in the same step forges the same signature.
  const auto once = always.forge(ForgeContext{3, 5, observed, attackers, kSd});
  const auto again = always.forge(ForgeContext{3, 5, observed, attackers, kSd});
  REQUIRE(once.has_value());
  REQUIRE(again.has_value());
  CHECK(once->id == again->id);
  CHECK(once->centroid == again->centroid);
}

TEST_CASE("with no address seen often enough, any benign one may be framed") {
  const std::set<std::uint32_t> attackers{100};
  const std::vector<Flow> observed{flow_from(20, 1.0f), flow_from(21, 2.0f), flow_from(100, 9.0f)};
  const Adversary always(11, AdversaryParams{0.2, 1.0, 3});
  std::set<std::uint32_t> victims;
  for (std::uint64_t step = 0; step < 60; ++step) {
    const auto forged = always.forge(ForgeContext{3, step, observed, attackers, kSd});
    REQUIRE(forged.has_value());
    victims.insert(forged->indicator);
  }
  CHECK(victims == std::set<std::uint32_t>{20, 21});
}

TEST_CASE("an adversary forges at its poison rate, and not without a benign address") {
  const std::set<std::uint32_t> attackers{100};
  const std::vector<Flow> observed{flow_from(20, 1.0f), flow_from(20, 1.0f), flow_from(20, 1.0f)};
  const Adversary never(11, AdversaryParams{0.2, 0.0, 3});
  const Adversary sometimes(11, AdversaryParams{0.2, 0.25, 3});
  const Adversary always(11, AdversaryParams{0.2, 1.0, 3});
  int forged = 0;
  for (std::uint64_t step = 0; step < 400; ++step) {
    CHECK_FALSE(never.forge(ForgeContext{3, step, observed, attackers, kSd}).has_value());
    if (sometimes.forge(ForgeContext{3, step, observed, attackers, kSd})) ++forged;
  }
  CHECK(forged > 60);
  CHECK(forged < 140);

  const std::vector<Flow> only_attackers{flow_from(100, 9.0f), flow_from(100, 9.0f), flow_from(100, 9.0f)};
  CHECK_FALSE(always.forge(ForgeContext{3, 1, only_attackers, attackers, kSd}).has_value());
  CHECK_FALSE(always.forge(ForgeContext{3, 1, {}, attackers, kSd}).has_value());
}

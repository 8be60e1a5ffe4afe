// Campaign infrastructure (attack.*): the classroom model is what it was, a pool
// overlaps the benign address space at its configured share, each target sees its
// own subset, addresses churn at the configured rate, fresh addresses are seen by
// one target only, and every attack flow comes from its target's current subset.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "agents/campaigns.h"
#include "agents/traffic.h"
#include "common/random.h"

using namespace dais;
using namespace dais::agents;

namespace {

CampaignPlan plan_with(AttackInfrastructure infra, std::uint32_t count = 5) {
  CampaignPlan plan{count, 5, 10, 2};
  plan.infrastructure = infra;
  return plan;
}

}  // namespace

TEST_CASE("classroom model (pool_size 0): 1-4 fixed external addresses, flows drawn as before") {
  const auto campaigns = plan_campaigns(7, 6, plan_with({}));
  for (const auto& c : campaigns) {
    REQUIRE(c.pool.empty());
    REQUIRE(c.sources.size() == default_source_count(c.kind));
    for (std::uint32_t s = 0; s < c.sources.size(); ++s) CHECK(c.sources[s] == attacker_address(7, c.id, s));
    CHECK(slot_count(c) == c.sources.size());
    // campaign_source draws one below() from the caller's stream, as traffic.cpp always did.
    Stream a(7, {1, 2, 3}), b(7, {1, 2, 3});
    for (int k = 0; k < 20; ++k) CHECK(campaign_source(c, 0, c.start_step + 1, a) == c.sources[b.below(c.sources.size())]);
    for (std::size_t t = 0; t < c.targets.size(); ++t) {
      auto expected = c.sources;
      std::sort(expected.begin(), expected.end());
      CHECK(sources_at(c, t, c.arrival_step(t) + 3) == expected);
    }
  }
}

TEST_CASE("pool overlap: the share of pool addresses inside the network's own space is the configured share") {
  for (const double share : {0.0, 0.3, 1.0}) {
    const auto campaigns = plan_campaigns(11, 20, plan_with({4000, share, 0, 0, false}, 2));
    for (const auto& c : campaigns) {
      REQUIRE(c.pool.size() == 4000);
      const auto inside = std::count_if(c.pool.begin(), c.pool.end(), in_network_pool);
      CHECK(std::abs(static_cast<double>(inside) / 4000.0 - share) < 0.03);
      for (auto address : c.pool) {
        if (!in_network_pool(address)) continue;
        // Inside means a host that really sends benign traffic: a shared server or one of clients 1..20.
        const bool shared = (address >> 8) == ((172u << 16) | (16u << 8));
        CHECK((shared || ((address >> 24) == 10u && (address & 0xFFu) >= 1 && (address & 0xFFu) <= 20 &&
                          ((address >> 8) & 0xFFFFu) < 20)));
      }
    }
  }
}

TEST_CASE("each target sees its own subset of the pool; with sources_per_target 0 every target sees it all") {
  const auto subset = plan_campaigns(3, 12, plan_with({50, 0, 4, 0, false}, 1)).front();
  std::set<std::vector<std::uint32_t>> distinct_subsets;
  for (std::size_t t = 0; t < subset.targets.size(); ++t) {
    const auto now = sources_at(subset, t, subset.arrival_step(t));
    CHECK(now.size() == 4);
    for (auto a : now) CHECK(std::find(subset.pool.begin(), subset.pool.end(), a) != subset.pool.end());
    distinct_subsets.insert(now);
  }
  CHECK(distinct_subsets.size() > 1);

  const auto whole = plan_campaigns(3, 12, plan_with({3, 0, 0, 0, false}, 1)).front();
  auto pool = whole.pool;
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  for (std::size_t t = 0; t < whole.targets.size(); ++t) CHECK(sources_at(whole, t, whole.arrival_step(t)) == pool);
}

TEST_CASE("churn replaces a target's addresses at the configured rate per address per step") {
  for (const double churn : {0.05, 0.25}) {
    CampaignPlan plan = plan_with({100000, 0, 4, churn, false}, 1);
    plan.duration_steps = 200;
    const auto c = plan_campaigns(5, 10, plan).front();
    std::uint64_t changes = 0, opportunities = 0;
    for (std::size_t t = 0; t < c.targets.size(); ++t) {
      const auto arrival = c.arrival_step(t);
      for (std::uint32_t slot = 0; slot < slot_count(c); ++slot) {
        for (std::uint64_t s = arrival + 1; s < arrival + c.duration_steps; ++s) {
          ++opportunities;
          if (slot_address(c, t, slot, s) != slot_address(c, t, slot, s - 1)) ++changes;
        }
      }
    }
    // ~8000 chances: a 15 % band is about three standard deviations at the lower rate.
    CHECK(std::abs(static_cast<double>(changes) / static_cast<double>(opportunities) - churn) < 0.15 * churn);
  }
  // No churn: a target keeps its addresses for the whole attack.
  const auto still = plan_campaigns(5, 4, plan_with({100, 0, 3, 0, false}, 1)).front();
  CHECK(sources_at(still, 1, still.arrival_step(1)) == sources_at(still, 1, still.arrival_step(1) + 9));
}

TEST_CASE("sources_at with a memo of slot generations answers as without it, step after step") {
  // The protection tracker asks about every unprotected target every step of a run: the memo
  // carries the churn forward (one draw per slot and step) instead of recounting from arrival.
  for (const bool fresh : {false, true}) {
    CAPTURE(fresh);
    CampaignPlan plan = plan_with({50, 0.2, 3, 0.25, fresh}, 2);
    plan.duration_steps = 40;
    for (const auto& c : plan_campaigns(9, 6, plan)) {
      for (std::size_t t = 0; t < c.targets.size(); ++t) {
        SlotGenerations known;
        const auto arrival = c.arrival_step(t);
        // Before the arrival, through it and well past the campaign's end; then a step back,
        // which recomputes from the arrival.
        for (std::uint64_t s = arrival > 3 ? arrival - 3 : 0; s < arrival + 120; s += 1 + s % 3) {
          CAPTURE(s);
          REQUIRE(sources_at(c, t, s, known) == sources_at(c, t, s));
          CHECK(known.step == s);
        }
        CHECK(sources_at(c, t, arrival + 5, known) == sources_at(c, t, arrival + 5));
      }
    }
  }
  // The classroom model has no slots to remember.
  const auto classroom = plan_campaigns(5, 4, plan_with({}, 1)).front();
  SlotGenerations known;
  CHECK(sources_at(classroom, 0, 7, known) == sources_at(classroom, 0, 7));
}

TEST_CASE("fresh_address_per_target: no address is seen by two targets") {
  CampaignPlan plan = plan_with({16, 0, 3, 0.2, true}, 5);
  const auto campaigns = plan_campaigns(9, 30, plan);
  for (const auto& c : campaigns) {
    CHECK(c.pool.empty());
    std::map<std::uint32_t, std::size_t> seen_by;
    for (std::size_t t = 0; t < c.targets.size(); ++t) {
      for (std::uint64_t s = c.arrival_step(t); s < c.arrival_step(t) + c.duration_steps; ++s) {
        for (auto a : sources_at(c, t, s)) {
          const auto [it, fresh] = seen_by.emplace(a, t);
          CHECK((fresh || it->second == t));
        }
      }
    }
    // `sources` is the ground truth: every address used anywhere.
    CHECK(c.sources.size() == seen_by.size());
  }
}

TEST_CASE("every attack flow comes from its target's current subset") {
  CampaignPlan plan = plan_with({40, 0.5, 3, 0.3, false}, 5);
  const auto campaigns = plan_campaigns(21, 6, plan);
  std::size_t attack_flows = 0;
  for (std::uint32_t agent = 0; agent < 6; ++agent) {
    for (std::uint64_t step = 0; step < 80; ++step) {
      for (const auto& f : generate_flows(21, agent, step, TrafficParams{10}, campaigns)) {
        if (f.label == 0) continue;
        ++attack_flows;
        const auto& c = campaigns[f.label - 1];
        const auto t = *c.target_index(agent);
        const auto now = sources_at(c, t, step);
        CHECK(std::binary_search(now.begin(), now.end(), f.source));
      }
    }
  }
  CHECK(attack_flows > 100);
}

TEST_CASE("plan_campaigns rejects an infrastructure share or churn outside [0, 1]") {
  CHECK_THROWS_AS(plan_campaigns(1, 3, plan_with({10, 1.5, 0, 0, false})), std::invalid_argument);
  CHECK_THROWS_AS(plan_campaigns(1, 3, plan_with({10, 0, 0, -0.1, false})), std::invalid_argument);
}

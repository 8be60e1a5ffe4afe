#include <doctest/doctest.h>

#include <stdexcept>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "agents/isolation_forest.h"
#include "agents/signature.h"
#include "agents/traffic.h"

using namespace dais::agents;

TEST_CASE("campaign kind names round trip") {
  for (std::size_t i = 0; i < kCampaignKindCount; ++i) {
    const auto kind = static_cast<CampaignKind>(i);
    CHECK(parse_campaign_kind(name(kind)) == kind);
  }
  CHECK(name(CampaignKind::low_and_slow) == "low_and_slow");
  CHECK_FALSE(parse_campaign_kind("portscan").has_value());
  CHECK_FALSE(parse_campaign_kind("").has_value());
  CHECK_FALSE(parse_campaign_kind("FLOOD").has_value());
}

TEST_CASE("plan_campaigns: schedule, kinds, external sources, propagation order") {
  const CampaignPlan plan{7, 10, 25, 3};
  const auto campaigns = plan_campaigns(42, 9, plan);
  REQUIRE(campaigns.size() == 7);
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    const Campaign& c = campaigns[i];
    CHECK(c.id == i + 1);
    CHECK(c.kind == static_cast<CampaignKind>(i % 5));
    CHECK(c.start_step == 10 + 25 * i);
    CHECK(c.delay_steps == 3);
    CHECK(c.duration_steps == default_duration_steps(c.kind));
    CHECK(c.intensity == default_intensity(c.kind));
    CHECK(!c.sources.empty());
    for (std::uint32_t s : c.sources) CHECK_FALSE(in_network_pool(s));
    std::vector<std::uint32_t> sorted = c.targets;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint32_t> all(9);
    std::iota(all.begin(), all.end(), 0u);
    CHECK(sorted == all);  // every agent, once
    for (std::size_t t = 0; t < c.targets.size(); ++t) {
      CHECK(c.arrival_step(t) == c.start_step + 3 * t);
      CHECK(c.target_index(c.targets[t]) == t);
      CHECK_FALSE(c.active(t, c.arrival_step(t) - 1));
      CHECK(c.active(t, c.arrival_step(t)));
      CHECK(c.active(t, c.arrival_step(t) + c.duration_steps - 1));
      CHECK_FALSE(c.active(t, c.arrival_step(t) + c.duration_steps));
    }
    CHECK(c.last_step() == c.arrival_step(8) + c.duration_steps - 1);
  }
  // Orders are seeded: not all campaigns share one order, and the plan is reproducible.
  bool differs = false;
  for (const Campaign& c : campaigns) differs |= c.targets != campaigns[0].targets;
  CHECK(differs);
  const auto again = plan_campaigns(42, 9, plan);
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    CHECK(again[i].targets == campaigns[i].targets);
    CHECK(again[i].sources == campaigns[i].sources);
  }
  CHECK(plan_campaigns(43, 9, plan)[0].sources != campaigns[0].sources);

  CampaignPlan limited = plan;
  limited.max_targets = 4;
  limited.duration_steps = 6;
  for (const Campaign& c : plan_campaigns(42, 9, limited)) {
    CHECK(c.targets.size() == 4);
    CHECK(c.duration_steps == 6);
  }
  CHECK(plan_campaigns(1, 0, CampaignPlan{0, 0, 0, 0}).empty());
  CHECK_THROWS_AS(plan_campaigns(1, 0, plan), std::invalid_argument);
  CampaignPlan bad = plan;
  bad.intensity_scale = 0;
  CHECK_THROWS_AS(plan_campaigns(1, 3, bad), std::invalid_argument);
}

TEST_CASE("attack flows appear exactly while a campaign is active on an agent") {
  const auto campaigns = plan_campaigns(5, 6, CampaignPlan{5, 4, 50, 2});
  for (const Campaign& c : campaigns) {
    for (std::size_t t = 0; t < c.targets.size(); ++t) {
      const std::uint32_t agent = c.targets[t];
      for (std::uint64_t step : {c.arrival_step(t) - 1, c.arrival_step(t), c.arrival_step(t) + c.duration_steps - 1,
                                 c.arrival_step(t) + c.duration_steps}) {
        const auto flows = generate_flows(5, agent, step, {}, campaigns);
        std::size_t attack = 0;
        for (const Flow& f : flows) {
          if (f.label == c.id) {
            ++attack;
            CHECK(std::find(c.sources.begin(), c.sources.end(), f.source) != c.sources.end());
          }
        }
        const bool active = c.active(t, step);
        CHECK(flows.size() >= 40);
        if (active) {
          CHECK(attack >= static_cast<std::size_t>(std::floor(c.intensity)));
          CHECK(attack <= static_cast<std::size_t>(std::ceil(c.intensity)));
        } else {
          CHECK(attack == 0);
        }
      }
    }
  }
}

namespace {

// Attack flows of one kind on one agent, over several steps and seeds.
std::vector<Flow> attack_flows(CampaignKind kind, std::uint64_t seed, std::uint32_t agent, std::uint64_t steps) {
  Campaign c;
  c.id = 9;
  c.kind = kind;
  c.sources = {attacker_address(seed, 9, 0)};
  c.targets = {agent};
  c.start_step = 0;
  c.duration_steps = 1000;
  c.intensity = 10;
  const std::vector<Campaign> cs{c};
  std::vector<Flow> out;
  for (std::uint64_t s = 0; s < steps; ++s)
    for (const Flow& f : generate_flows(seed, agent, s, TrafficParams{0}, cs)) out.push_back(f);
  return out;
}

double mean_of(const std::vector<Flow>& flows, Feature f) {
  double sum = 0;
  for (const Flow& x : flows) sum += x.features[f];
  return sum / static_cast<double>(flows.size());
}

}  // namespace

TEST_CASE("each campaign kind looks like its attack") {
  std::vector<Flow> benign;
  for (std::uint64_t s = 0; s < 30; ++s)
    for (const Flow& f : generate_flows(11, 2, s, {}, {})) benign.push_back(f);

  const auto scan = attack_flows(CampaignKind::port_scan, 11, 2, 20);
  CHECK(mean_of(scan, log_distinct_dst_ports) > std::log1p(50.0));
  CHECK(mean_of(benign, log_distinct_dst_ports) < std::log1p(2.0));
  CHECK(mean_of(scan, syn_ratio) > 0.8);
  CHECK(mean_of(scan, log_packets) < std::log1p(2.0));
  CHECK(mean_of(scan, log_bytes_in) < std::log1p(150.0));

  const auto flood = attack_flows(CampaignKind::flood, 11, 2, 20);
  CHECK(mean_of(flood, log_packets) > std::log1p(5000.0));
  CHECK(mean_of(flood, log_bytes_in) > mean_of(benign, log_bytes_in) + std::log(50.0));
  CHECK(mean_of(flood, log_inter_arrival_ms) < std::log1p(1.0));

  const auto brute = attack_flows(CampaignKind::brute_force, 11, 2, 20);
  for (const Flow& f : brute) {
    CHECK((f.dst_port == 22 || f.dst_port == 3389));
    CHECK(f.features[log_failed_logins] >= std::log1p(5.0f) - 1e-5f);
  }
  CHECK(mean_of(benign, log_failed_logins) < 0.1);

  const auto exfil = attack_flows(CampaignKind::exfiltration, 11, 2, 20);
  CHECK(mean_of(exfil, log_bytes_out) > std::log1p(5e7));
  CHECK(mean_of(exfil, log_duration_s) > std::log1p(600.0));
  CHECK(mean_of(exfil, log_bytes_out) > mean_of(exfil, log_bytes_in) + std::log(50.0));

  // The coarse profile used in signature ids recognises each loud kind flow by
  // flow (centroids, which ids use, are steadier still) and almost never a benign flow.
  const auto share_as = [](const std::vector<Flow>& flows, std::string_view profile) {
    std::size_t n = 0;
    for (const Flow& f : flows) n += coarse_profile(f.features) == profile;
    return static_cast<double>(n) / static_cast<double>(flows.size());
  };
  CHECK(share_as(scan, "port_scan") >= 0.99);
  CHECK(share_as(flood, "flood") >= 0.99);
  CHECK(share_as(brute, "brute_force") >= 0.99);
  CHECK(share_as(exfil, "exfiltration") >= 0.98);
  for (const Flow& f : benign)
    if (coarse_profile(f.features) != "anomaly") MESSAGE("benign flow profiled as " << coarse_profile(f.features));
  CHECK(share_as(benign, "anomaly") >= 0.99);
}

TEST_CASE("low-and-slow is hard to see; loud kinds are not") {
  // Forests trained on each agent's own benign traffic; flagged shares at the
  // forest's 5 % contamination threshold, pooled over seeds and agents.
  std::size_t benign_n = 0, benign_flagged = 0;
  std::array<std::size_t, kCampaignKindCount> n{}, flagged{};
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    for (std::uint32_t agent = 0; agent < 3; ++agent) {
      std::vector<float> rows;
      for (std::uint64_t s = 0; s < 12; ++s)
        for (const Flow& f : generate_flows(seed, agent, s, {}, {}))
          rows.insert(rows.end(), f.features.begin(), f.features.end());
      ForestParams fp;
      fp.seed = seed * 31 + agent;
      fp.contamination = 0.05;
      const auto forest = IsolationForest::fit(rows, kFeatureCount, fp);
      for (std::uint64_t s = 100; s < 110; ++s)
        for (const Flow& f : generate_flows(seed, agent, s, {}, {})) {
          ++benign_n;
          benign_flagged += forest.is_anomaly(forest.score_one(f.features.data()));
        }
      for (std::size_t k = 0; k < kClassroomKindCount; ++k)
        for (const Flow& f : attack_flows(static_cast<CampaignKind>(k), seed, agent, 5)) {
          ++n[k];
          flagged[k] += forest.is_anomaly(forest.score_one(f.features.data()));
        }
    }
  }
  const auto share = [](std::size_t a, std::size_t b) { return static_cast<double>(a) / static_cast<double>(b); };
  const double benign_rate = share(benign_flagged, benign_n);
  MESSAGE("benign flagged " << benign_rate);
  CHECK(benign_rate < 0.12);
  for (std::size_t k = 0; k < kClassroomKindCount; ++k) {
    const double rate = share(flagged[k], n[k]);
    MESSAGE(name(static_cast<CampaignKind>(k)) << " flagged " << rate);
    if (static_cast<CampaignKind>(k) == CampaignKind::low_and_slow) {
      CHECK(rate > benign_rate);  // visible at all
      CHECK(rate < 0.5);          // but only a modest share
    } else if (static_cast<CampaignKind>(k) == CampaignKind::brute_force) {
      CHECK(rate > 0.6);
    } else {
      CHECK(rate > 0.95);
    }
  }
}

#include <doctest/doctest.h>

#include <stdexcept>

#include <algorithm>
#include <cmath>
#include <set>

#include "agents/traffic.h"

using namespace dais::agents;

namespace {
bool same(const std::vector<Flow>& a, const std::vector<Flow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].features != b[i].features || a[i].source != b[i].source || a[i].dst_port != b[i].dst_port ||
        a[i].label != b[i].label)
      return false;
  }
  return true;
}
}  // namespace

TEST_CASE("ipv4 addresses format and parse strictly") {
  CHECK(format_ipv4(0x0a000102u) == "10.0.1.2");
  CHECK(format_ipv4(0xffffffffu) == "255.255.255.255");
  CHECK(format_ipv4(0) == "0.0.0.0");
  CHECK(parse_ipv4("10.0.1.2") == 0x0a000102u);
  CHECK(parse_ipv4("255.255.255.255") == 0xffffffffu);
  for (std::uint32_t a : {0u, 1u, 0x7f000001u, 0xc0a80a0bu, 0xdeadbeefu}) CHECK(parse_ipv4(format_ipv4(a)) == a);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..3.4", "a.b.c.d",
                          "1.2.3.-4", "1.2.3.4.", "1234.1.1.1", "+1.2.3.4"}) {
    CHECK_MESSAGE(!parse_ipv4(bad).has_value(), bad);
  }
}

TEST_CASE("generate_flows is a pure function of its inputs") {
  const auto campaigns = plan_campaigns(7, 4, CampaignPlan{5, 2, 3, 1});
  const auto fresh = generate_flows(7, 2, 9, {}, campaigns);
  // Other steps, agents and seeds in between change nothing; step 9 needs no earlier step.
  for (std::uint64_t s = 0; s < 9; ++s) (void)generate_flows(7, 2, s, {}, campaigns);
  (void)generate_flows(8, 2, 9, {}, campaigns);
  (void)generate_flows(7, 3, 9, {}, campaigns);
  CHECK(same(fresh, generate_flows(7, 2, 9, {}, campaigns)));
  CHECK_FALSE(same(fresh, generate_flows(7, 2, 10, {}, campaigns)));
  CHECK_FALSE(same(fresh, generate_flows(7, 1, 9, {}, campaigns)));
  CHECK_FALSE(same(fresh, generate_flows(8, 2, 9, {}, campaigns)));
}

TEST_CASE("benign traffic comes from the network's own pool with in-domain features") {
  for (std::uint32_t agent : {0u, 5u, 300u}) {
    const auto pool = benign_sources(3, agent);
    const std::set<std::uint32_t> pool_set(pool.begin(), pool.end());
    CHECK(std::is_sorted(pool.begin(), pool.end()));
    for (std::uint64_t step = 0; step < 20; ++step) {
      const auto flows = generate_flows(3, agent, step, TrafficParams{25}, {});
      REQUIRE(flows.size() == 25);
      for (const Flow& f : flows) {
        CHECK(f.label == 0);
        CHECK(in_network_pool(f.source));
        CHECK(pool_set.count(f.source) == 1);
        for (float v : f.features) CHECK(std::isfinite(v));
        CHECK(f.features[syn_ratio] >= 0.0f);
        CHECK(f.features[syn_ratio] <= 1.0f);
        CHECK(f.features[payload_entropy] <= 8.0f);
        CHECK(f.features[log_packets] >= std::log1p(1.0f) - 1e-6f);
      }
    }
  }
  CHECK(generate_flows(3, 0, 0, TrafficParams{0}, {}).empty());
}

TEST_CASE("each agent has its own baseline") {
  const auto a = segment_profile(1, 0);
  const auto b = segment_profile(1, 1);
  CHECK(a.weights != b.weights);
  double sum = 0;
  for (double w : a.weights) sum += w;
  CHECK(sum == doctest::Approx(1.0));
  CHECK(a.clients >= 20);
  CHECK(a.clients <= 120);
  // Deterministic per (seed, agent).
  CHECK(segment_profile(1, 0).weights == a.weights);
  CHECK(segment_profile(2, 0).weights != a.weights);
}

TEST_CASE("address plan") {
  CHECK(format_ipv4(segment_address(0, 1)) == "10.0.0.1");
  CHECK(format_ipv4(segment_address(258, 254)) == "10.1.2.254");
  CHECK(format_ipv4(shared_server_address(0)) == "172.16.0.1");
  CHECK(in_network_pool(*parse_ipv4("10.200.3.4")));
  CHECK(in_network_pool(*parse_ipv4("172.16.0.9")));
  CHECK_FALSE(in_network_pool(*parse_ipv4("172.16.1.9")));
  CHECK_FALSE(in_network_pool(*parse_ipv4("8.8.8.8")));
  CHECK_THROWS_AS(segment_address(0, 0), std::invalid_argument);
  CHECK_THROWS_AS(segment_address(0, 255), std::invalid_argument);
  CHECK_THROWS_AS(segment_address(kMaxAgents, 1), std::invalid_argument);
  CHECK_THROWS_AS(shared_server_address(kSharedServerCount), std::invalid_argument);
  CHECK_THROWS_AS(generate_flows(1, kMaxAgents, 0, {}, {}), std::invalid_argument);
}

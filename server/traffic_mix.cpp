#include "server/traffic_mix.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "agents/connection.h"
#include "agents/indicator.h"
#include "agents/traffic.h"
#include "server/recorded_input.h"
#include "server/run_errors.h"

namespace dais::server {

namespace {

// The synthetic network's own address space (agents/traffic.h): segment hosts and shared servers.
struct Range {
  std::uint32_t network;
  unsigned length;
};
constexpr Range kSegments{0x0a000000u, 8};       // 10.0.0.0/8
constexpr Range kSharedServers{0xac100000u, 24};  // 172.16.0.0/24

std::uint32_t mask(unsigned length) { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }

bool overlaps(std::uint32_t a, unsigned a_length, const Range& b) {
  const auto m = mask(std::min(a_length, b.length));
  return (a & m) == (b.network & m);
}

std::string mix_name(const RecordedSettings& r) { return "traffic.mix=" + r.mix; }

}  // namespace

std::span<const agents::Flow> segment_flows(const EngineSettings& settings, agents::SegmentTraffic& traffic,
                                            std::uint32_t agent, std::uint64_t step,
                                            std::span<const agents::Campaign> campaigns,
                                            std::vector<agents::Flow>& buffer) {
  const auto& mix = settings.recorded_traffic;
  if (!settings.recorded) {
    buffer = traffic.flows(step, campaigns);
    return buffer;
  }
  const auto recorded = settings.recorded->traffic.flows(agent, step);
  if (!mix.mix_attacks() && !mix.mix_benign()) return recorded;
  buffer = traffic.flows(step, campaigns);
  // recorded_benign: the synthetic side is its campaigns' flows; their sources are attacker
  // addresses of their own, so dropping the benign ones changes none of their features.
  if (mix.mix_benign()) std::erase_if(buffer, [](const agents::Flow& f) { return f.label == 0; });
  buffer.insert(buffer.end(), recorded.begin(), recorded.end());
  return buffer;
}

void check_mix_settings(const EngineSettings& settings) {
  const auto& r = settings.recorded_traffic;
  if (!r.mix_attacks() && !r.mix_benign()) return;
  if (!r.recorded()) {
    throw RunError(mix_name(r) + " mixes recorded traffic into synthetic traffic, but traffic.source is synthetic: "
                   "set traffic.source (flows or pcap) and traffic.path to the recording");
  }
  if (settings.traffic.scenario != agents::Scenario::realistic) {
    throw RunError(mix_name(r) + " needs simulation.scenario=realistic: classroom flows have no connection "
                   "records, so their features cannot sit beside a recording's");
  }
  const double synthetic_step = agents::step_seconds(settings.traffic);
  if (std::abs(r.step_seconds - synthetic_step) > 1e-9 * synthetic_step) {
    throw RunError(mix_name(r) + " needs one step length on both sides: traffic.step_seconds is " +
                   std::to_string(r.step_seconds) + " s of capture time, a synthetic step (86400 / "
                   "traffic.steps_per_day) is " + std::to_string(synthetic_step) + " s; make them equal, e.g. "
                   "traffic.steps_per_day=" + std::to_string(static_cast<long long>(std::llround(86400.0 / r.step_seconds))));
  }
}

void check_mix_input(const EngineSettings& settings) {
  const auto& r = settings.recorded_traffic;
  if (!settings.recorded || (!r.mix_attacks() && !r.mix_benign())) return;
  const auto& traffic = settings.recorded->traffic;
  if (!traffic.labelled()) {
    throw RunError(mix_name(r) + " needs labels to tell the recording's attacks from its benign flows: the data "
                   "have no label column and traffic.labels is empty");
  }
  const auto& c = traffic.counters();
  if (c.warmup_flows + c.run_flows == 0) {
    throw RunError(mix_name(r) + ": the recording holds no " + (r.mix_attacks() ? "attack" : "benign") +
                   " flow (IPv4, in a segment) to mix in");
  }
  const unsigned prefix = settings.signature.prefix_len;
  if (r.mix_attacks()) {
    // An attacker inside the synthetic network's space would share a window, a standing and a
    // benign history with synthetic hosts (the history veto would reject it as a known host).
    for (const auto address : traffic.attack_sources()) {
      const auto network = agents::indicator_of(address, prefix);
      if (overlaps(network, prefix, kSegments) || overlaps(network, prefix, kSharedServers)) {
        throw RunError(mix_name(r) + ": the recorded attacker " + agents::format_ipv4(address) +
                       (prefix == 32 ? "" : " (its /" + std::to_string(prefix) + " signature)") +
                       " lies in the synthetic network's own addresses (10.0.0.0/8, 172.16.0.0/24); rewrite "
                       "the recording's addresses or use traffic.mix=none");
      }
    }
    return;
  }
  const auto& sources = traffic.sources();
  for (const auto& campaign : agents::plan_campaigns(settings.seed, settings.agents, settings.campaigns)) {
    for (const auto address : campaign.sources) {
      if (sources.count(address) != 0) {
        throw RunError(mix_name(r) + ": synthetic campaign " + std::to_string(campaign.id) + "'s attacker " +
                       agents::format_ipv4(address) + " is also a benign host of the recording; choose another "
                       "simulation.seed");
      }
    }
  }
}

void check_injected_sources(const EngineSettings& settings, const events::AttackInjected& attack) {
  if (!settings.recorded) return;
  const auto& sources = settings.recorded->traffic.sources();
  for (const auto& text : attack.sources) {
    const auto address = agents::parse_ipv4(text);
    if (address && sources.count(*address) != 0) {
      throw std::invalid_argument("sources: " + text + " is a benign host of the recorded traffic (traffic.mix=" +
                                  settings.recorded_traffic.mix + "); choose an address the recording does not use");
    }
  }
}

}  // namespace dais::server

#include "agents/traffic.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/random.h"

namespace dais::agents {
namespace {

// Raw measurements of one flow before feature scaling.
struct RawFlow {
  double packets = 1;
  double bytes_in = 0;
  double bytes_out = 0;
  double duration_s = 0;
  double syn_packets = 0;
  double distinct_ports = 1;
  double failed_logins = 0;
  double entropy = 0;
};

FeatureVector to_features(const RawFlow& raw) {
  FeatureVector f{};
  const double packets = std::max(1.0, raw.packets);
  f[log_bytes_in] = static_cast<float>(std::log1p(raw.bytes_in));
  f[log_bytes_out] = static_cast<float>(std::log1p(raw.bytes_out));
  f[log_packets] = static_cast<float>(std::log1p(packets));
  f[log_duration_s] = static_cast<float>(std::log1p(raw.duration_s));
  f[log_mean_packet_size] = static_cast<float>(std::log1p((raw.bytes_in + raw.bytes_out) / packets));
  f[syn_ratio] = static_cast<float>(std::clamp(raw.syn_packets / packets, 0.0, 1.0));
  f[log_distinct_dst_ports] = static_cast<float>(std::log1p(raw.distinct_ports));
  f[log_inter_arrival_ms] = static_cast<float>(std::log1p(raw.duration_s * 1000.0 / std::max(1.0, packets - 1)));
  f[log_failed_logins] = static_cast<float>(std::log1p(raw.failed_logins));
  f[payload_entropy] = static_cast<float>(std::clamp(raw.entropy, 0.0, 8.0));
  return f;
}

// Typical shape of one service's flows; per-agent scales multiply packets and durations.
struct ServiceModel {
  double packets_median, packets_sigma;
  double packet_size_median;  // bytes
  double in_share;            // share of bytes entering the segment
  double duration_median, duration_sigma;
  double failed_login_chance;
  double entropy_mean, entropy_sd;
  bool tcp;
  std::array<std::uint16_t, 3> ports;  // ports[0] most of the time
};

constexpr std::array<ServiceModel, kServiceCount> kServices = {{
    /* web        */ {40, 0.9, 900, 0.90, 2.0, 1.0, 0.00, 7.6, 0.25, true, {443, 80, 8080}},
    /* dns        */ {2, 0.2, 120, 0.65, 0.03, 0.5, 0.00, 4.5, 0.40, false, {53, 53, 853}},
    /* ssh        */ {150, 1.0, 200, 0.60, 90, 1.2, 0.04, 7.8, 0.10, true, {22, 22, 2222}},
    /* database   */ {30, 0.9, 500, 0.80, 0.4, 1.0, 0.00, 5.5, 0.60, true, {5432, 3306, 1433}},
    /* mail       */ {50, 0.8, 700, 0.75, 4.0, 1.0, 0.03, 7.0, 0.50, true, {993, 587, 25}},
    /* file_share */ {400, 1.2, 1100, 0.70, 20, 1.2, 0.00, 6.5, 0.80, true, {445, 445, 2049}},
}};

constexpr std::uint64_t kProfileKey = 0x70726f66696c65ULL;  // "profile": keeps the profile stream apart from steps

std::uint16_t pick_port(Stream& rng, const std::array<std::uint16_t, 3>& ports) {
  const double u = rng.uniform();
  return ports[u < 0.8 ? 0 : (u < 0.95 ? 1 : 2)];
}

Flow benign_flow(Stream& rng, std::uint32_t agent, const SegmentProfile& profile) {
  double u = rng.uniform();
  std::size_t s = 0;
  while (s + 1 < kServiceCount && u >= profile.weights[s]) u -= profile.weights[s++];
  const ServiceModel& m = kServices[s];

  RawFlow raw;
  raw.packets = std::max(1.0, std::round(rng.lognormal(m.packets_median * profile.byte_scale[s], m.packets_sigma)));
  const double size = std::clamp(rng.lognormal(m.packet_size_median, 0.3), 40.0, 1500.0);
  const double total = raw.packets * size;
  const double in_share = std::clamp(rng.normal(m.in_share, 0.08), 0.02, 0.98);
  raw.bytes_in = total * in_share;
  raw.bytes_out = total - raw.bytes_in;
  raw.duration_s = rng.lognormal(m.duration_median * profile.time_scale[s], m.duration_sigma);
  raw.syn_packets = m.tcp ? (rng.chance(0.05) ? 2.0 : 1.0) : 0.0;
  raw.distinct_ports = rng.chance(0.1) ? 2.0 + static_cast<double>(rng.below(2)) : 1.0;
  raw.failed_logins = rng.chance(m.failed_login_chance) ? (rng.chance(0.2) ? 2.0 : 1.0) : 0.0;
  raw.entropy = rng.normal(m.entropy_mean, m.entropy_sd);

  Flow flow;
  flow.features = to_features(raw);
  flow.dst_port = pick_port(rng, m.ports);
  if (rng.chance(profile.shared_share)) {
    // Skewed toward the first servers: a few shared services carry most traffic.
    const double v = rng.uniform();
    flow.source = shared_server_address(static_cast<std::uint32_t>(v * v * kSharedServerCount));
  } else {
    const double v = rng.uniform();
    flow.source = segment_address(agent, 1 + static_cast<std::uint32_t>(v * v * profile.clients));
  }
  flow.label = 0;
  return flow;
}

// An attack flow of the campaign's kind. Numbers follow what these attacks look
// like in flow records: scans are one or two SYNs to many ports, floods are
// enormous bursts of small packets, brute force repeats failed logins,
// exfiltration pushes hundreds of MB out over a long session, and low-and-slow
// stays close to ordinary web traffic with a little more outbound data, time
// and the occasional failed login.
RawFlow attack_raw(Stream& rng, CampaignKind kind, std::uint16_t& dst_port) {
  RawFlow raw;
  switch (kind) {
    case CampaignKind::port_scan: {
      raw.packets = 1.0 + static_cast<double>(rng.below(2));
      const double total = raw.packets * rng.uniform(44, 60);
      raw.bytes_in = total * 0.9;
      raw.bytes_out = total - raw.bytes_in;
      raw.duration_s = rng.uniform(0.001, 0.05);
      raw.syn_packets = rng.chance(0.85) ? raw.packets : raw.packets - 0.5;
      raw.distinct_ports = std::max(20.0, std::round(rng.lognormal(120, 0.6)));
      raw.entropy = rng.uniform(0.0, 0.5);
      dst_port = static_cast<std::uint16_t>(1 + rng.below(1024));
      break;
    }
    case CampaignKind::flood: {
      raw.packets = std::round(rng.lognormal(20000, 0.6));
      const double total = raw.packets * rng.uniform(60, 100);
      raw.bytes_in = total * 0.97;
      raw.bytes_out = total - raw.bytes_in;
      raw.duration_s = rng.lognormal(5, 0.4);
      raw.syn_packets = raw.packets * rng.uniform(0.7, 1.0);
      raw.entropy = rng.uniform(0.5, 2.5);
      dst_port = rng.chance(0.5) ? 443 : 80;
      break;
    }
    case CampaignKind::brute_force: {
      raw.packets = std::max(6.0, std::round(rng.lognormal(24, 0.3)));
      const double total = raw.packets * rng.lognormal(150, 0.2);
      raw.bytes_in = total * 0.5;
      raw.bytes_out = total - raw.bytes_in;
      raw.duration_s = rng.lognormal(6, 0.4);
      raw.syn_packets = 1;
      raw.failed_logins = std::max(5.0, std::round(rng.lognormal(20, 0.5)));
      raw.entropy = rng.normal(7.7, 0.1);
      dst_port = rng.chance(0.7) ? 22 : 3389;
      break;
    }
    case CampaignKind::exfiltration: {
      const double out = rng.lognormal(3e8, 0.8);
      const double size = rng.uniform(1200, 1460);
      raw.packets = std::round(out * 1.01 / size);
      raw.bytes_out = out;
      raw.bytes_in = out * 0.01;
      raw.duration_s = rng.lognormal(1800, 0.5);
      raw.syn_packets = 1;
      raw.entropy = rng.normal(7.95, 0.02);
      dst_port = 443;
      break;
    }
    case CampaignKind::mimicry:  // the classroom has no mimicry of its own: shaped as low-and-slow
    case CampaignKind::low_and_slow: {
      raw.packets = std::max(2.0, std::round(rng.lognormal(60, 0.6)));
      const double total = raw.packets * std::clamp(rng.lognormal(900, 0.3), 40.0, 1500.0);
      raw.bytes_in = total * std::clamp(rng.normal(0.6, 0.1), 0.05, 0.95);
      raw.bytes_out = total - raw.bytes_in;
      raw.duration_s = rng.lognormal(6, 0.7);
      raw.syn_packets = 1;
      raw.distinct_ports = 1.0 + static_cast<double>(rng.below(2));
      raw.failed_logins = rng.chance(0.2) ? 1.0 : 0.0;
      raw.entropy = rng.normal(7.8, 0.1);
      dst_port = 443;
      break;
    }
  }
  return raw;
}

}  // namespace

std::string_view name(Service service) {
  static constexpr std::array<std::string_view, kServiceCount> names = {"web",      "dns",  "ssh",
                                                                        "database", "mail", "file_share"};
  return names.at(static_cast<std::size_t>(service));
}

SegmentProfile segment_profile(std::uint64_t seed, std::uint32_t agent) {
  Stream rng(seed, {static_cast<std::uint64_t>(Purpose::traffic), agent, kProfileKey});
  SegmentProfile p;
  double sum = 0;
  for (std::size_t s = 0; s < kServiceCount; ++s) {
    // Squared uniforms give every segment a few dominant services and some minor ones.
    const double u = rng.uniform(0.1, 1.0);
    p.weights[s] = u * u;
    sum += p.weights[s];
    p.byte_scale[s] = rng.lognormal(1.0, 0.3);
    p.time_scale[s] = rng.lognormal(1.0, 0.25);
  }
  for (double& w : p.weights) w /= sum;
  p.clients = 20 + static_cast<std::uint32_t>(rng.below(101));
  p.shared_share = rng.uniform(0.1, 0.3);
  return p;
}

std::uint32_t segment_address(std::uint32_t agent, std::uint32_t host) {
  if (agent >= kMaxAgents) throw std::invalid_argument("segment_address: agent out of range");
  if (host < 1 || host > 254) throw std::invalid_argument("segment_address: host must be 1..254");
  return (10u << 24) | (agent << 8) | host;
}

std::uint32_t shared_server_address(std::uint32_t index) {
  if (index >= kSharedServerCount) throw std::invalid_argument("shared_server_address: index out of range");
  return (172u << 24) | (16u << 16) | (index + 1);
}

bool in_network_pool(std::uint32_t address) {
  return (address >> 24) == 10u || (address >> 8) == ((172u << 16) | (16u << 8));
}

std::vector<std::uint32_t> benign_sources(std::uint64_t seed, std::uint32_t agent) {
  const SegmentProfile profile = segment_profile(seed, agent);
  std::vector<std::uint32_t> out;
  out.reserve(profile.clients + kSharedServerCount);
  for (std::uint32_t h = 1; h <= profile.clients; ++h) out.push_back(segment_address(agent, h));
  for (std::uint32_t i = 0; i < kSharedServerCount; ++i) out.push_back(shared_server_address(i));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Flow> generate_flows(std::uint64_t seed, std::uint32_t agent, std::uint64_t step,
                                 const TrafficParams& params, std::span<const Campaign> campaigns) {
  if (agent >= kMaxAgents) throw std::invalid_argument("generate_flows: agent out of range");
  const SegmentProfile profile = segment_profile(seed, agent);
  Stream rng(seed, Purpose::traffic, agent, step);
  std::vector<Flow> flows;
  flows.reserve(params.flows_per_step + 16);
  for (std::uint32_t i = 0; i < params.flows_per_step; ++i) flows.push_back(benign_flow(rng, agent, profile));

  for (const Campaign& campaign : campaigns) {
    const auto index = campaign.target_index(agent);
    if (!index || !campaign.active(*index, step) || campaign.sources.empty() || !(campaign.intensity > 0)) continue;
    Stream attack(seed, {static_cast<std::uint64_t>(Purpose::campaign), campaign.id, agent, step});
    const double whole = std::floor(campaign.intensity);
    const auto count = static_cast<std::uint64_t>(whole) + (attack.chance(campaign.intensity - whole) ? 1 : 0);
    for (std::uint64_t i = 0; i < count; ++i) {
      Flow flow;
      flow.features = to_features(attack_raw(attack, campaign.kind, flow.dst_port));
      flow.source = campaign_source(campaign, *index, step, attack);
      flow.label = campaign.id;
      flows.push_back(flow);
    }
  }

  // Interleave benign and attack flows so position carries no information.
  for (std::size_t k = flows.size(); k > 1; --k) std::swap(flows[k - 1], flows[rng.below(k)]);
  return flows;
}

}  // namespace dais::agents

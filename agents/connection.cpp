#include "agents/connection.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "common/random.h"

namespace dais::agents {
namespace {

constexpr std::uint64_t kRealisticKey = 0x7265616c6973ULL;  // "realis": apart from the classroom streams

// How one service's connections look. Lognormal medians and sigmas; shares in [0, 1].
struct Shape {
  double packets_median, packets_sigma;
  double size_median;       // bytes per packet
  double in_share;          // share of bytes entering the segment (sd 0.08 per connection)
  double duration_median, duration_sigma;
  double failed_chance;     // chance that a connection carries failed logins
  double syn_only_chance;   // chance of an unanswered attempt (one SYN, nothing else)
  std::uint32_t port_spread;  // > 1: destination port uniform in 1..port_spread
  std::uint32_t host_spread;  // > 1: destination host uniform among the segment's first host_spread hosts
  bool tcp;
  std::array<std::uint16_t, 3> ports;  // ports[0] most of the time
};

constexpr double kInShareSd = 0.08;

// web, dns, login, database, mail, file_share, backup, monitoring.
constexpr std::array<Shape, kRealisticServiceCount> kShapes = {{
    {40, 0.9, 900, 0.90, 2.0, 1.0, 0.00, 0.01, 1, 1, true, {443, 80, 8080}},
    {2, 0.2, 120, 0.65, 0.03, 0.5, 0.00, 0.00, 1, 1, false, {53, 53, 853}},
    {60, 1.0, 200, 0.60, 30, 1.2, 0.06, 0.01, 1, 1, true, {22, 22, 3389}},
    {30, 0.9, 500, 0.80, 0.4, 1.0, 0.00, 0.01, 1, 1, true, {5432, 3306, 1433}},
    {50, 0.8, 700, 0.75, 4.0, 1.0, 0.02, 0.01, 1, 1, true, {993, 587, 25}},
    {400, 1.2, 1100, 0.70, 20, 1.2, 0.00, 0.01, 1, 1, true, {445, 445, 2049}},
    {150000, 0.8, 1400, 0.03, 900, 0.5, 0.00, 0.00, 1, 254, true, {873, 873, 22}},
    {4, 0.3, 90, 0.50, 0.05, 0.5, 0.00, 0.20, 1, 254, true, {161, 9100, 22}},
}};
// Ports the monitoring host checks, one per probe.
constexpr std::array<std::uint16_t, 10> kMonitoredPorts = {22, 25, 53, 80, 161, 443, 3306, 5432, 8080, 9100};

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

std::uint32_t server_host(std::uint32_t agent, RealisticService s, Stream& rng) {
  // Two servers per service at the top of the segment (hosts 230.. and 240..).
  const auto index = static_cast<std::uint32_t>(s);
  return segment_address(agent, (rng.chance(0.8) ? 240u : 230u) + index);
}

Connection make(Stream& rng, const Shape& shape, std::uint32_t agent, RealisticService service, double start_s) {
  Connection c;
  c.service = service;
  c.start_s = start_s;
  if (shape.port_spread > 1) {
    c.dst_port = static_cast<std::uint16_t>(1 + rng.below(std::min<std::uint32_t>(shape.port_spread, 65535)));
  } else if (service == RealisticService::monitoring) {
    c.dst_port = kMonitoredPorts[rng.below(kMonitoredPorts.size())];
  } else {
    const double u = rng.uniform();
    c.dst_port = shape.ports[u < 0.8 ? 0 : (u < 0.95 ? 1 : 2)];
  }
  c.dst_host = shape.host_spread > 1
                   ? segment_address(agent, 1 + static_cast<std::uint32_t>(rng.below(std::min(shape.host_spread, 254u))))
                   : server_host(agent, service, rng);
  if (shape.tcp && rng.chance(shape.syn_only_chance)) {
    c.packets = 1;
    c.syn_packets = 1;
    c.bytes_in = 60;
    c.duration_s = 0;
    return c;
  }
  c.packets = static_cast<std::uint32_t>(std::clamp(std::round(rng.lognormal(shape.packets_median, shape.packets_sigma)),
                                                    1.0, 4e9));
  const double size = std::clamp(rng.lognormal(shape.size_median, 0.3), 40.0, 1500.0);
  const double total = c.packets * size;
  const double in_share = std::clamp(rng.normal(shape.in_share, kInShareSd), 0.01, 0.99);
  c.bytes_in = total * in_share;
  c.bytes_out = total - c.bytes_in;
  c.duration_s = rng.lognormal(shape.duration_median, shape.duration_sigma);
  c.syn_packets = shape.tcp ? (rng.chance(0.05) ? 2u : 1u) : 0u;
  c.syn_packets = std::min(c.syn_packets, c.packets);
  if (rng.chance(shape.failed_chance)) c.failed_logins = rng.chance(0.3) ? 2 : 1;
  return c;
}

// The segment's own version of a service: its byte and time scales.
Shape local_shape(const SegmentProfile& profile, RealisticService s) {
  Shape shape = kShapes[static_cast<std::size_t>(s)];
  const auto i = static_cast<std::size_t>(s);
  if (i < kServiceCount) {
    shape.packets_median *= profile.byte_scale[i];
    shape.duration_median *= profile.time_scale[i];
  }
  return shape;
}

// An attack of `kind`, shaped from a benign service of the segment and moved
// `d` benign standard deviations on the features the kind changes (log
// features: d x the service's sigma; shares: d x their sd or d on the logit).
// d = 0 is the service itself: nothing to find.
Shape attack_shape(CampaignKind kind, double d, const SegmentProfile& profile, RealisticService& from) {
  Shape s{};
  switch (kind) {
    case CampaignKind::port_scan:
      from = RealisticService::web;
      s = local_shape(profile, from);
      s.port_spread = static_cast<std::uint32_t>(std::round(std::exp(0.9 * d)));
      s.host_spread = static_cast<std::uint32_t>(std::round(std::exp(0.45 * d)));
      s.syn_only_chance = logistic(logit(s.syn_only_chance) + d);
      s.packets_median *= std::exp(-0.5 * d * s.packets_sigma);
      break;
    case CampaignKind::flood:
      from = RealisticService::web;
      s = local_shape(profile, from);
      s.packets_median *= std::exp(d * s.packets_sigma);
      s.size_median *= std::exp(-d * 0.3);
      s.in_share = std::min(0.99, s.in_share + 0.5 * d * kInShareSd);
      break;
    case CampaignKind::brute_force:
      from = RealisticService::login;
      s = local_shape(profile, from);
      s.failed_chance = logistic(logit(s.failed_chance) + d);
      s.packets_median *= std::exp(-0.5 * d * s.packets_sigma);
      s.duration_median *= std::exp(-0.5 * d * s.duration_sigma);
      break;
    case CampaignKind::exfiltration:
      from = RealisticService::file_share;
      s = local_shape(profile, from);
      s.packets_median *= std::exp(d * s.packets_sigma);
      s.in_share = std::max(0.01, s.in_share - d * kInShareSd);
      break;
    case CampaignKind::low_and_slow: {
      // A third of the distance on three features: hard at any setting.
      const double third = d / 3.0;
      from = RealisticService::web;
      s = local_shape(profile, from);
      s.duration_median *= std::exp(third * s.duration_sigma);
      s.in_share = std::max(0.01, s.in_share - third * kInShareSd);
      s.failed_chance = logistic(logit(0.005) + third);
      break;
    }
    case CampaignKind::mimicry: {
      // The segment's busiest service, with a little more data leaving: one feature, a third of d.
      std::size_t top = 0;
      for (std::size_t i = 1; i < kServiceCount; ++i)
        if (profile.weights[i] > profile.weights[top]) top = i;
      from = static_cast<RealisticService>(top);
      s = local_shape(profile, from);
      s.in_share = std::max(0.01, s.in_share - (d / 3.0) * kInShareSd);
      break;
    }
  }
  return s;
}

RealisticService pick_service(Stream& rng, const SegmentProfile& profile) {
  double u = rng.uniform();
  std::size_t s = 0;
  while (s + 1 < kServiceCount && u >= profile.weights[s]) u -= profile.weights[s++];
  return static_cast<RealisticService>(s);
}

std::uint32_t pick_client(Stream& rng, std::uint32_t agent, const SegmentProfile& profile) {
  if (rng.chance(profile.shared_share)) {
    // Skewed toward the first servers; 0 and 1 are the monitoring and backup hosts.
    const double v = rng.uniform();
    return shared_server_address(2 + static_cast<std::uint32_t>(v * v * (kSharedServerCount - 2)));
  }
  const double v = rng.uniform();
  return segment_address(agent, 1 + static_cast<std::uint32_t>(v * v * profile.clients));
}

}  // namespace

double step_seconds(const TrafficParams& params) {
  if (params.steps_per_day == 0) throw std::invalid_argument("traffic: steps_per_day must be >= 1");
  return 86400.0 / params.steps_per_day;
}

namespace {
double day_phase(const TrafficParams& params, std::int64_t step) {
  const auto day = static_cast<std::int64_t>(params.steps_per_day);
  return static_cast<double>(((step % day) + day) % day) / static_cast<double>(day);
}
}  // namespace

double daily_rate(const TrafficParams& params, std::int64_t step) {
  if (params.steps_per_day == 0) throw std::invalid_argument("traffic: steps_per_day must be >= 1");
  // Phase 0 is midnight; the peak is at 0.5 (midday) with sin shifted by a quarter.
  return 1.0 - 0.5 * std::cos(2.0 * std::numbers::pi * day_phase(params, step));
}

bool backup_hours(const TrafficParams& params, std::int64_t step) {
  if (params.steps_per_day == 0) throw std::invalid_argument("traffic: steps_per_day must be >= 1");
  return day_phase(params, step) < 0.25;
}

std::vector<Connection> generate_connections(std::uint64_t seed, std::uint32_t agent, std::int64_t step,
                                             const TrafficParams& params, std::span<const Campaign> campaigns) {
  if (agent >= kMaxAgents) throw std::invalid_argument("generate_connections: agent out of range");
  const double step_s = step_seconds(params);
  const double t0 = static_cast<double>(step) * step_s;
  const SegmentProfile profile = segment_profile(seed, agent);
  const auto ustep = static_cast<std::uint64_t>(step);
  Stream rng(seed, {static_cast<std::uint64_t>(Purpose::traffic), agent, ustep, kRealisticKey});
  std::vector<Connection> out;
  out.reserve(params.flows_per_step * 2 + 16);

  // Ordinary use: a rate that follows the day (Poisson-like rounding keeps the mean).
  const double mean = params.flows_per_step * daily_rate(params, step);
  const auto whole = static_cast<std::uint32_t>(mean);
  const std::uint32_t count = whole + (rng.chance(mean - whole) ? 1u : 0u);
  // One client per segment retries logins a lot (a misconfigured script), with 40 % failures.
  Stream fixed(seed, {static_cast<std::uint64_t>(Purpose::traffic), agent, kRealisticKey});
  const std::uint32_t noisy = segment_address(agent, 1 + static_cast<std::uint32_t>(fixed.below(profile.clients)));
  for (std::uint32_t i = 0; i < count; ++i) {
    const RealisticService service = pick_service(rng, profile);
    Shape shape = local_shape(profile, service);
    const std::uint32_t client = pick_client(rng, agent, profile);
    if (service == RealisticService::login && client == noisy) shape.failed_chance = 0.4;
    Connection c = make(rng, shape, agent, service, t0 + rng.uniform() * step_s);
    c.source = client;
    out.push_back(c);
  }
  // A burst: one client fetches many pages at once (5 % of steps).
  if (rng.chance(0.05)) {
    const std::uint32_t client = pick_client(rng, agent, profile);
    const auto burst = static_cast<std::uint32_t>(params.flows_per_step * rng.uniform(0.25, 0.75));
    const double at = t0 + rng.uniform() * step_s * 0.9;
    const Shape shape = local_shape(profile, RealisticService::web);
    for (std::uint32_t i = 0; i < burst; ++i) {
      Connection c = make(rng, shape, agent, RealisticService::web, at + rng.uniform() * step_s * 0.1);
      c.source = client;
      out.push_back(c);
    }
  }
  // Monitoring: shared server 0 checks a handful of hosts and ports every step.
  const std::uint32_t probes = 4 + static_cast<std::uint32_t>(rng.below(5));
  for (std::uint32_t i = 0; i < probes; ++i) {
    Connection c = make(rng, kShapes[7], agent, RealisticService::monitoring, t0 + rng.uniform() * step_s);
    c.source = shared_server_address(0);
    out.push_back(c);
  }
  // Backups: shared server 1 pulls large volumes out of the segment at night.
  if (backup_hours(params, step)) {
    const std::uint32_t jobs = 1 + static_cast<std::uint32_t>(rng.below(3));
    for (std::uint32_t i = 0; i < jobs; ++i) {
      Connection c = make(rng, kShapes[6], agent, RealisticService::backup, t0 + rng.uniform() * step_s);
      c.source = shared_server_address(1);
      out.push_back(c);
    }
  }

  const double d = params.attack_distance;
  for (const Campaign& campaign : campaigns) {
    const auto index = campaign.target_index(agent);
    if (!index || !campaign.active(*index, ustep) || campaign.sources.empty() || !(campaign.intensity > 0)) continue;
    Stream attack(seed, {static_cast<std::uint64_t>(Purpose::campaign), campaign.id, agent, ustep, kRealisticKey});
    RealisticService from = RealisticService::web;
    const Shape shape = attack_shape(campaign.kind, d, profile, from);
    // A stealthy attacker also slows down: a quarter of the rate at d = 0, full rate from d = 3.
    const double rate = campaign.intensity * std::min(1.0, 0.25 + d / 4.0);
    const double rate_whole = std::floor(rate);
    const auto flows = static_cast<std::uint64_t>(rate_whole) + (attack.chance(rate - rate_whole) ? 1 : 0);
    // Below d = 3 some of the source's connections are cover traffic, drawn from the segment's
    // own service mix as an ordinary client's would be: at d = 0 the source is an ordinary client.
    const double cover = std::max(0.0, 1.0 - d / 3.0);
    for (std::uint64_t i = 0; i < flows; ++i) {
      const double at = t0 + attack.uniform() * step_s;
      Connection c;
      if (attack.chance(cover)) {
        const RealisticService service = pick_service(attack, profile);
        c = make(attack, local_shape(profile, service), agent, service, at);
      } else {
        c = make(attack, shape, agent, from, at);
      }
      c.source = campaign_source(campaign, *index, ustep, attack);
      c.label = campaign.id;
      out.push_back(c);
    }
  }
  // Time order; ties (none in practice) keep generation order.
  std::stable_sort(out.begin(), out.end(), [](const Connection& a, const Connection& b) { return a.start_s < b.start_s; });
  return out;
}

}  // namespace dais::agents

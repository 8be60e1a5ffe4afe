#include "agents/campaigns.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <stdexcept>
#include <string>

#include "agents/traffic.h"
#include "common/random.h"

namespace dais::agents {
namespace {

constexpr std::array<std::string_view, kCampaignKindCount> kKindNames = {
    "port_scan", "flood", "brute_force", "exfiltration", "low_and_slow", "mimicry"};

// First octets of public space commonly seen in attack feeds; none is 10 or 172.
constexpr std::array<std::uint32_t, 10> kAttackerFirstOctets = {23, 45, 62, 77, 91, 103, 141, 185, 193, 212};

// Keys that keep the infrastructure's streams apart from every other campaign stream.
constexpr std::uint64_t kPoolKey = 0x706f6f6cULL;    // "pool"
constexpr std::uint64_t kChurnKey = 0x636875726eULL;  // "churn"
constexpr std::uint64_t kSlotKey = 0x736c6f74ULL;    // "slot"
constexpr std::uint64_t kFreshKey = 0x6672657368ULL;  // "fresh"
// Clients 1..20 exist in every segment (segment_profile draws 20..120), so a compromised
// client is always a host that also sends benign traffic.
constexpr std::uint32_t kCompromisedClientHosts = 20;

std::uint32_t public_address(Stream& stream) {
  const std::uint32_t first = kAttackerFirstOctets[stream.below(kAttackerFirstOctets.size())];
  const auto second = static_cast<std::uint32_t>(stream.below(256));
  const auto third = static_cast<std::uint32_t>(stream.below(256));
  const auto fourth = static_cast<std::uint32_t>(1 + stream.below(254));
  return (first << 24) | (second << 16) | (third << 8) | fourth;
}

// One infrastructure address: with probability benign_share a host of the network's own
// space (half shared servers - a cloud or NAT range many segments talk to - half a
// compromised client of some segment), otherwise a public address.
std::uint32_t infrastructure_address(Stream& stream, const Campaign& c) {
  if (stream.chance(c.infrastructure.benign_share)) {
    if (stream.chance(0.5)) return shared_server_address(static_cast<std::uint32_t>(stream.below(kSharedServerCount)));
    const auto segments = std::max<std::uint32_t>(1, std::min(c.network_agents, kMaxAgents));
    const auto agent = static_cast<std::uint32_t>(stream.below(segments));
    return segment_address(agent, 1 + static_cast<std::uint32_t>(stream.below(kCompromisedClientHosts)));
  }
  return public_address(stream);
}

}  // namespace

std::string_view name(CampaignKind kind) { return kKindNames.at(static_cast<std::size_t>(kind)); }

std::optional<CampaignKind> parse_campaign_kind(std::string_view text) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == text) return static_cast<CampaignKind>(i);
  }
  return std::nullopt;
}

std::uint32_t default_duration_steps(CampaignKind kind) {
  switch (kind) {
    case CampaignKind::port_scan: return 12;
    case CampaignKind::flood: return 10;
    case CampaignKind::brute_force: return 15;
    case CampaignKind::exfiltration: return 20;
    case CampaignKind::low_and_slow: return 30;
    case CampaignKind::mimicry: return 30;
  }
  return 10;
}

double default_intensity(CampaignKind kind) {
  switch (kind) {
    case CampaignKind::port_scan: return 8;
    case CampaignKind::flood: return 24;
    case CampaignKind::brute_force: return 10;
    case CampaignKind::exfiltration: return 4;
    case CampaignKind::low_and_slow: return 2;
    case CampaignKind::mimicry: return 3;
  }
  return 1;
}

std::uint32_t default_source_count(CampaignKind kind) {
  switch (kind) {
    case CampaignKind::flood: return 4;  // a small botnet
    case CampaignKind::brute_force: return 2;
    default: return 1;
  }
}

std::optional<std::size_t> Campaign::target_index(std::uint32_t agent) const {
  const auto it = std::find(targets.begin(), targets.end(), agent);
  if (it == targets.end()) return std::nullopt;
  return static_cast<std::size_t>(it - targets.begin());
}

std::uint64_t Campaign::last_step() const {
  if (targets.empty()) return start_step;
  const std::uint64_t last_arrival = arrival_step(targets.size() - 1);
  return duration_steps == 0 ? last_arrival : last_arrival + duration_steps - 1;
}

std::uint32_t attacker_address(std::uint64_t seed, std::uint32_t campaign_id, std::uint32_t index) {
  Stream stream(seed, {static_cast<std::uint64_t>(Purpose::campaign), campaign_id, index, 0xadd7e55ULL});
  return public_address(stream);
}

std::uint32_t slot_count(const Campaign& c) {
  const auto pool = c.infrastructure.pool_size;
  if (pool == 0) return static_cast<std::uint32_t>(c.sources.size());
  const auto wanted = c.infrastructure.sources_per_target;
  return wanted == 0 ? pool : std::min(wanted, pool);
}

namespace {

// Churn events of a slot in steps (after, until], counting only steps after the arrival: one
// draw per step, a pure function of the step, not of what was asked before.
std::uint32_t churn_events(const Campaign& c, std::size_t target_index, std::uint32_t slot, std::uint64_t after,
                           std::uint64_t until) {
  const double churn = c.infrastructure.churn;
  if (c.infrastructure.pool_size == 0 || !(churn > 0)) return 0;
  std::uint32_t events = 0;
  for (std::uint64_t s = std::max(after, c.arrival_step(target_index)) + 1; s <= until; ++s) {
    Stream draw(c.seed, {static_cast<std::uint64_t>(Purpose::campaign), c.id, target_index, slot, s, kChurnKey});
    if (draw.chance(churn)) ++events;
  }
  return events;
}

// The address in a slot of a pool campaign once it has been replaced `generation` times.
std::uint32_t generation_address(const Campaign& c, std::size_t target_index, std::uint32_t slot,
                                 std::uint64_t generation) {
  const auto campaign = static_cast<std::uint64_t>(Purpose::campaign);
  if (c.infrastructure.fresh_per_target) {
    Stream stream(c.seed, {campaign, c.id, target_index, slot, generation, kFreshKey});
    return infrastructure_address(stream, c);
  }
  const auto pool = static_cast<std::uint64_t>(c.pool.size());
  if (generation == 0) {
    // A target starts with a window of consecutive pool entries from its own offset: distinct
    // addresses, and with sources_per_target = pool_size every target sees the whole pool.
    Stream offset(c.seed, {campaign, c.id, target_index, kSlotKey});
    return c.pool[(offset.below(pool) + slot) % pool];
  }
  Stream replacement(c.seed, {campaign, c.id, target_index, slot, generation, kSlotKey});
  return c.pool[replacement.below(pool)];
}

std::vector<std::uint32_t> sorted_unique(std::vector<std::uint32_t> addresses) {
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  return addresses;
}

}  // namespace

std::uint32_t slot_generation(const Campaign& c, std::size_t target_index, std::uint32_t slot, std::uint64_t step) {
  return churn_events(c, target_index, slot, 0, step);
}

std::uint32_t slot_address(const Campaign& c, std::size_t target_index, std::uint32_t slot, std::uint64_t step) {
  if (c.infrastructure.pool_size == 0) return c.sources.at(slot);
  return generation_address(c, target_index, slot, slot_generation(c, target_index, slot, step));
}

std::vector<std::uint32_t> sources_at(const Campaign& c, std::size_t target_index, std::uint64_t step) {
  std::vector<std::uint32_t> out;
  const auto slots = slot_count(c);
  out.reserve(slots);
  for (std::uint32_t s = 0; s < slots; ++s) out.push_back(slot_address(c, target_index, s, step));
  return sorted_unique(std::move(out));
}

std::vector<std::uint32_t> sources_at(const Campaign& c, std::size_t target_index, std::uint64_t step,
                                      SlotGenerations& known) {
  if (c.infrastructure.pool_size == 0) return sources_at(c, target_index, step);
  const auto slots = slot_count(c);
  if (!known.step || *known.step > step || known.by_slot.size() != slots) {
    known = SlotGenerations{0, std::vector<std::uint32_t>(slots, 0)};
  }
  std::vector<std::uint32_t> out;
  out.reserve(slots);
  for (std::uint32_t s = 0; s < slots; ++s) {
    known.by_slot[s] += churn_events(c, target_index, s, *known.step, step);
    out.push_back(generation_address(c, target_index, s, known.by_slot[s]));
  }
  known.step = step;
  return sorted_unique(std::move(out));
}

std::uint32_t campaign_source(const Campaign& c, std::size_t target_index, std::uint64_t step, Stream& flow_rng) {
  if (c.infrastructure.pool_size == 0) return c.sources[flow_rng.below(c.sources.size())];
  const auto slot = static_cast<std::uint32_t>(flow_rng.below(slot_count(c)));
  return slot_address(c, target_index, slot, step);
}

std::vector<Campaign> plan_campaigns(std::uint64_t seed, std::uint32_t agents, const CampaignPlan& plan) {
  if (plan.count == 0) return {};
  if (agents == 0) throw std::invalid_argument("plan_campaigns: agents must be >= 1");
  if (!(plan.intensity_scale > 0)) throw std::invalid_argument("plan_campaigns: intensity_scale must be > 0");
  if (plan.kinds < 1 || plan.kinds > kCampaignKindCount)
    throw std::invalid_argument("plan_campaigns: kinds must be 1.." + std::to_string(kCampaignKindCount));
  const auto& infra = plan.infrastructure;
  if (!(infra.benign_share >= 0 && infra.benign_share <= 1) || !(infra.churn >= 0 && infra.churn <= 1)) {
    throw std::invalid_argument("plan_campaigns: benign_share and churn must be in [0, 1]");
  }
  std::vector<Campaign> campaigns;
  campaigns.reserve(plan.count);
  for (std::uint32_t i = 0; i < plan.count; ++i) {
    Campaign c;
    c.id = i + 1;
    c.kind = static_cast<CampaignKind>(i % plan.kinds);
    c.start_step = plan.first_step + static_cast<std::uint64_t>(i) * plan.interval;
    c.delay_steps = plan.propagation_delay;
    c.duration_steps = plan.duration_steps == 0 ? default_duration_steps(c.kind) : plan.duration_steps;
    c.intensity = default_intensity(c.kind) * plan.intensity_scale;
    if (infra.pool_size == 0) {
      const std::uint32_t source_count = default_source_count(c.kind);
      for (std::uint32_t s = 0; s < source_count; ++s) {
        const std::uint32_t address = attacker_address(seed, c.id, s);
        if (std::find(c.sources.begin(), c.sources.end(), address) == c.sources.end()) c.sources.push_back(address);
      }
    } else {
      c.infrastructure = infra;
      c.seed = seed;
      c.network_agents = agents;
      if (!infra.fresh_per_target) {
        c.pool.reserve(infra.pool_size);
        for (std::uint32_t k = 0; k < infra.pool_size; ++k) {
          Stream stream(seed, {static_cast<std::uint64_t>(Purpose::campaign), c.id, k, kPoolKey});
          c.pool.push_back(infrastructure_address(stream, c));
        }
      }
    }
    // Fisher-Yates with the campaign's own stream: the propagation order.
    c.targets.resize(agents);
    std::iota(c.targets.begin(), c.targets.end(), 0u);
    Stream order(seed, Purpose::campaign, c.id, 0);
    for (std::size_t k = agents; k > 1; --k) {
      std::swap(c.targets[k - 1], c.targets[order.below(k)]);
    }
    if (plan.max_targets > 0 && plan.max_targets < agents) c.targets.resize(plan.max_targets);
    if (infra.pool_size > 0) {
      // Ground truth: every address the campaign uses at any target while it is active there.
      std::vector<std::uint32_t> used;
      for (std::size_t t = 0; t < c.targets.size(); ++t) {
        const auto arrival = c.arrival_step(t);
        SlotGenerations known;
        for (std::uint64_t s = arrival; s < arrival + std::max<std::uint32_t>(1, c.duration_steps); ++s) {
          const auto now = sources_at(c, t, s, known);
          used.insert(used.end(), now.begin(), now.end());
        }
      }
      std::sort(used.begin(), used.end());
      used.erase(std::unique(used.begin(), used.end()), used.end());
      c.sources = std::move(used);
    }
    campaigns.push_back(std::move(c));
  }
  return campaigns;
}

}  // namespace dais::agents

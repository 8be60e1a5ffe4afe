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

std::uint32_t pick_attack_source(const Campaign& campaign, std::size_t /*target_index*/, std::uint64_t /*step*/,
                                 std::uint64_t /*flow_index*/, Stream& rng) {
  return campaign.sources[rng.below(campaign.sources.size())];
}

std::uint32_t attacker_address(std::uint64_t seed, std::uint32_t campaign_id, std::uint32_t index) {
  Stream stream(seed, {static_cast<std::uint64_t>(Purpose::campaign), campaign_id, index, 0xadd7e55ULL});
  const std::uint32_t first = kAttackerFirstOctets[stream.below(kAttackerFirstOctets.size())];
  const auto second = static_cast<std::uint32_t>(stream.below(256));
  const auto third = static_cast<std::uint32_t>(stream.below(256));
  const auto fourth = static_cast<std::uint32_t>(1 + stream.below(254));
  return (first << 24) | (second << 16) | (third << 8) | fourth;
}

std::vector<Campaign> plan_campaigns(std::uint64_t seed, std::uint32_t agents, const CampaignPlan& plan) {
  if (plan.count == 0) return {};
  if (agents == 0) throw std::invalid_argument("plan_campaigns: agents must be >= 1");
  if (!(plan.intensity_scale > 0)) throw std::invalid_argument("plan_campaigns: intensity_scale must be > 0");
  if (plan.kinds < 1 || plan.kinds > kCampaignKindCount)
    throw std::invalid_argument("plan_campaigns: kinds must be 1.." + std::to_string(kCampaignKindCount));
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
    const std::uint32_t source_count = default_source_count(c.kind);
    for (std::uint32_t s = 0; s < source_count; ++s) {
      const std::uint32_t address = attacker_address(seed, c.id, s);
      if (std::find(c.sources.begin(), c.sources.end(), address) == c.sources.end()) c.sources.push_back(address);
    }
    // Fisher-Yates with the campaign's own stream: the propagation order.
    c.targets.resize(agents);
    std::iota(c.targets.begin(), c.targets.end(), 0u);
    Stream order(seed, Purpose::campaign, c.id, 0);
    for (std::size_t k = agents; k > 1; --k) {
      std::swap(c.targets[k - 1], c.targets[order.below(k)]);
    }
    if (plan.max_targets > 0 && plan.max_targets < agents) c.targets.resize(plan.max_targets);
    campaigns.push_back(std::move(c));
  }
  return campaigns;
}

}  // namespace dais::agents

// Attack campaigns: what kind of attack, from which (external) addresses, and
// in which order and at which steps it reaches the agents, so that sharing a
// signature can protect an agent before the attack arrives there.
// plan_campaigns is a pure function of (seed, agents, plan): randomness only
// from dais::Stream(seed, Purpose::campaign, campaign id). Attacker addresses
// are never in the network's own address pool (see traffic.h).
// Value types; thread-safe; no I/O. Bad input throws std::invalid_argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/random.h"

namespace dais::agents {

// mimicry (an attack shaped like one of the segment's own services) exists
// for the realistic scenario; the classroom planner cycles the first five only.
enum class CampaignKind { port_scan, flood, brute_force, exfiltration, low_and_slow, mimicry };
inline constexpr std::size_t kCampaignKindCount = 6;
inline constexpr std::uint32_t kClassroomKindCount = 5;

// "port_scan", "flood", "brute_force", "exfiltration", "low_and_slow", "mimicry".
std::string_view name(CampaignKind kind);
// Exact names above; nullopt for anything else.
std::optional<CampaignKind> parse_campaign_kind(std::string_view text);

// Per kind defaults, used when a plan or an operator leaves them unset.
std::uint32_t default_duration_steps(CampaignKind kind);
double default_intensity(CampaignKind kind);  // attack flows per step per target
std::uint32_t default_source_count(CampaignKind kind);

struct Campaign {
  std::uint32_t id = 0;  // >= 1; the label of its flows
  CampaignKind kind = CampaignKind::port_scan;
  std::vector<std::uint32_t> sources;  // attacker addresses (IPv4, host order)
  std::vector<std::uint32_t> targets;  // agents reached, in order
  std::uint64_t start_step = 0;        // when targets[0] is reached
  std::uint32_t delay_steps = 1;       // between successive targets
  std::uint32_t duration_steps = 0;    // per target
  double intensity = 0;                // attack flows per step per target

  // Step at which targets[target_index] is first hit.
  std::uint64_t arrival_step(std::size_t target_index) const {
    return start_step + static_cast<std::uint64_t>(target_index) * delay_steps;
  }
  // True when targets[target_index] is under attack at `step`.
  bool active(std::size_t target_index, std::uint64_t step) const {
    const std::uint64_t arrival = arrival_step(target_index);
    return step >= arrival && step - arrival < duration_steps;
  }
  // Position of `agent` in targets (its first occurrence), if reached at all.
  std::optional<std::size_t> target_index(std::uint32_t agent) const;
  // Last step at which any target is under attack (start_step when there are no targets).
  std::uint64_t last_step() const;
};

struct CampaignPlan {
  std::uint32_t count = 5;               // campaigns in the run
  std::uint64_t first_step = 20;         // start of the first campaign
  std::uint64_t interval = 40;           // steps between campaign starts
  std::uint32_t propagation_delay = 3;   // steps between successive targets
  std::uint32_t max_targets = 0;         // agents reached per campaign; 0 = every agent
  std::uint32_t duration_steps = 0;      // per target; 0 = the kind's default
  double intensity_scale = 1.0;          // multiplies each kind's default intensity
  std::uint32_t kinds = kClassroomKindCount;  // campaign i has kind i % kinds (1..kCampaignKindCount)
};

// Campaign i (ids 1..count) has kind i % plan.kinds in enum order, starts at
// first_step + i * interval, and reaches a seeded permutation of the agents
// (truncated to max_targets) one every propagation_delay steps.
// Throws std::invalid_argument when agents == 0 and count > 0, intensity_scale <= 0,
// or kinds is not in 1..kCampaignKindCount.
std::vector<Campaign> plan_campaigns(std::uint64_t seed, std::uint32_t agents, const CampaignPlan& plan);

// The source address of one attack flow: flow `flow_index` of `campaign` at
// its target number `target_index`, at `step`. Every traffic generator picks
// attack sources through this one call, so the attacker-infrastructure model
// lives here. Today: one of campaign.sources, drawn from `rng` (one draw, the
// classroom generator's historical order). campaign.sources must not be empty.
std::uint32_t pick_attack_source(const Campaign& campaign, std::size_t target_index, std::uint64_t step,
                                 std::uint64_t flow_index, Stream& rng);

// A seeded public (non-pool) IPv4 address for attackers; pure function of its arguments.
std::uint32_t attacker_address(std::uint64_t seed, std::uint32_t campaign_id, std::uint32_t index);

}  // namespace dais::agents

// Attack campaigns: what kind of attack, from which (external) addresses, and
// in which order and at which steps it reaches the agents, so that sharing a
// signature can protect an agent before the attack arrives there.
// plan_campaigns is a pure function of (seed, agents, plan): randomness only
// from dais::Stream(seed, Purpose::campaign, campaign id). In the classroom
// model (AttackInfrastructure.pool_size 0) a campaign has 1-4 fixed addresses
// outside the network's own address pool (see traffic.h), the same at every
// target. With an infrastructure each campaign has a pool of addresses, part
// of it inside the network's own space; each target sees its own subset,
// whose addresses churn; campaign_source picks a flow's source. Every address
// is a pure function of (seed, campaign id, target index, slot, step): no
// shared mutable state, the same for any thread count.
// Value types; thread-safe; no I/O. Bad input throws std::invalid_argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

// Where a campaign's sources come from (the attack.* keys).
struct AttackInfrastructure {
  std::uint32_t pool_size = 0;           // addresses in each campaign's pool; 0 = the classroom model
  double benign_share = 0;               // share of pool addresses inside the network's own space
  std::uint32_t sources_per_target = 0;  // addresses a target sees at a time; 0 = the whole pool
  double churn = 0;                      // chance per step that one of a target's addresses is replaced
  bool fresh_per_target = false;         // every target gets addresses drawn for it alone
};

struct Campaign {
  std::uint32_t id = 0;  // >= 1; the label of its flows
  CampaignKind kind = CampaignKind::port_scan;
  std::vector<std::uint32_t> sources;  // attacker addresses (IPv4, host order)
  std::vector<std::uint32_t> targets;  // agents reached, in order
  std::uint64_t start_step = 0;        // when targets[0] is reached
  std::uint32_t delay_steps = 1;       // between successive targets
  std::uint32_t duration_steps = 0;    // per target
  double intensity = 0;                // attack flows per step per target
  // With an infrastructure (pool_size > 0): its pool (empty when fresh_per_target) and what
  // slot_address needs to draw addresses. `sources` then lists every address the campaign
  // uses at any target during its run (ground truth for scoring).
  AttackInfrastructure infrastructure;
  std::vector<std::uint32_t> pool;
  std::uint64_t seed = 0;
  std::uint32_t network_agents = 0;  // segments whose clients may be compromised hosts

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
  AttackInfrastructure infrastructure{};  // default: the classroom model
};

// Campaign i (ids 1..count) has kind i % plan.kinds in enum order, starts at
// first_step + i * interval, and reaches a seeded permutation of the agents
// (truncated to max_targets) one every propagation_delay steps.
// Throws std::invalid_argument when agents == 0 and count > 0, intensity_scale <= 0, kinds is not in
// 1..kCampaignKindCount, or an infrastructure share or churn outside [0, 1].
std::vector<Campaign> plan_campaigns(std::uint64_t seed, std::uint32_t agents, const CampaignPlan& plan);

// A seeded public (non-pool) IPv4 address for attackers; pure function of its arguments.
std::uint32_t attacker_address(std::uint64_t seed, std::uint32_t campaign_id, std::uint32_t index);

// Addresses a target sees at a time: sources.size() in the classroom model, else
// sources_per_target (0 = the pool size) capped by the pool size.
std::uint32_t slot_count(const Campaign& campaign);
// How often slot `slot` of targets[target_index] has been replaced by `step` (churn
// events in the steps after its arrival, up to and including `step`).
std::uint32_t slot_generation(const Campaign& campaign, std::size_t target_index, std::uint32_t slot,
                              std::uint64_t step);
// The address in that slot at `step`. Classroom: sources[slot].
std::uint32_t slot_address(const Campaign& campaign, std::size_t target_index, std::uint32_t slot,
                           std::uint64_t step);
// Every address targets[target_index] sees at `step`, ascending, without repeats.
std::vector<std::uint32_t> sources_at(const Campaign& campaign, std::size_t target_index, std::uint64_t step);
// The slot generations of one target as of one step. A slot's generation counts one draw per
// step since the arrival, so asking sources_at about the same target every step of a long run
// costs a draw per elapsed step each time (quadratic over the run); carried forward in this
// memo it costs one draw per slot and step.
struct SlotGenerations {
  std::optional<std::uint64_t> step;      // the step `by_slot` holds; nullopt: nothing yet
  std::vector<std::uint32_t> by_slot;
};
// The same as sources_at(campaign, target_index, step), advancing `known` (a memo of this
// campaign and target only) to `step`; a memo of a later step is recomputed from the arrival.
std::vector<std::uint32_t> sources_at(const Campaign& campaign, std::size_t target_index, std::uint64_t step,
                                      SlotGenerations& known);
// The source of one attack flow on targets[target_index] at `step`: a slot drawn from
// `flow_rng` (the caller's per-(campaign, agent, step) stream, so the classroom model
// draws exactly what it always drew).
std::uint32_t campaign_source(const Campaign& campaign, std::size_t target_index, std::uint64_t step,
                              Stream& flow_rng);

}  // namespace dais::agents

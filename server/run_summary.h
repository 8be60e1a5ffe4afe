// The figures a run reports when it ends (DESIGN.md "Run summary"): one struct,
// its JSON shape beside it (daisd --summary-json, dais-experiment), and the
// text lines daisd prints. Run::summary() fills it from the RunStats
// projection, the engine's ground truth and the protection tracker.
// Figures that are undefined (a mean over nothing) are absent: JSON null and
// "n/a" in the text, never a 0 that reads as a result (docs/SIMULATION.md
// "What the figures mean").
// Plain value type; thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/protection_tracker.h"

namespace dais::server {

struct RunSummary {
  std::uint64_t steps = 0;
  std::uint32_t agents = 0;
  std::uint64_t events = 0;
  // Signatures and votes.
  std::uint64_t proposed = 0, endorsed = 0, accepted = 0, rejected = 0, votes = 0;
  std::uint64_t retrained = 0, local_blocks = 0, crashes = 0;
  // Detection over every flow of the run.
  std::uint64_t flows = 0, attack_flows = 0;
  double precision = 0, recall = 0, f1 = 0;
  // False for recorded traffic without labels: precision, recall and F1 are unknown (JSON null,
  // "unknown" in the text), not zeros.
  bool labelled = true;
  double decision_latency_mean = 0;  // steps from proposal to decision
  // Protection: a campaign arrival is one attack reaching one agent, a (campaign, agent) pair.
  std::uint64_t campaign_arrivals = 0;
  std::optional<double> time_to_protect_mean;           // over protected arrivals; none protected: absent
  std::optional<double> time_to_protect_censored_mean;  // over all arrivals, unprotected ones to the run's end
  double protected_before_hit = 0;  // share of arrivals already blocked when they arrived
  double never_protected = 0;       // share of arrivals not protected by the run's end
  std::uint64_t protected_before_hit_count = 0, protected_after_hit_count = 0, never_protected_count = 0;
  // The same per attack kind, with the kind's recall over its attack flows, so a hard kind
  // cannot hide behind easy ones. Only kinds with arrivals or attack flows, in enum order.
  struct Kind {
    std::string kind;
    std::uint64_t attack_flows = 0, detected = 0;
    std::optional<double> recall;  // detected / attack_flows; absent without attack flows
    std::uint64_t campaign_arrivals = 0, protected_before_hit_count = 0, never_protected_count = 0;
    double protected_before_hit = 0, never_protected = 0;
    std::optional<double> time_to_protect_mean, time_to_protect_censored_mean;
  };
  std::vector<Kind> by_kind;
  // Ground truth only the simulator knows.
  std::uint64_t poisoned_proposed = 0, poisoned_accepted = 0;
  std::uint64_t benign_signatures_proposed = 0, benign_signatures_accepted = 0;
  std::uint64_t protected_rejections = 0;
  // Signatures of real attackers proposed and accepted; lost = proposed - accepted (rejected or
  // never decided): the honest signatures an adversary or a defence cost the network.
  std::uint64_t attack_signatures_proposed = 0, attack_signatures_accepted = 0, honest_signatures_lost = 0;
  // validation.defence evidence: judgements logged, accepted signatures revoked, and by truth
  // the poisoned, attack and benign ones among them. poisoned_kept = poisoned_accepted -
  // poisoned_revoked; honest_signatures_lost_or_revoked = honest_signatures_lost +
  // attack_signatures_revoked (both in the JSON): what the defence left and what it cost.
  std::uint64_t disputes = 0, corroborations = 0, revoked = 0;
  std::uint64_t poisoned_revoked = 0, attack_signatures_revoked = 0, benign_signatures_revoked = 0;
  // Recoveries and the mean steps from one to the agent's first ballot and first blocked flow
  // after it (over the recoveries that got there; absent when none did).
  std::uint64_t recoveries = 0, recoveries_voted = 0, recoveries_blocked = 0;
  std::optional<double> recovery_to_vote_mean, recovery_to_block_mean;
  std::uint64_t benign_blocked = 0, attack_blocked = 0;  // flows
  // The benign cost of sharing per agent-step (agents x steps): benign flows blocked and
  // signatures against benign addresses accepted.
  double benign_blocked_per_agent_step = 0, benign_signatures_accepted_per_agent_step = 0;
  // Flows that reached crashed agents (in flows) and the attack flows among them (misses).
  std::uint64_t flows_while_down = 0, missed_while_down = 0;
  // Speed of the steps run live (not re-executed on resume).
  std::uint64_t live_steps = 0;
  double agent_steps_per_s = 0;
  std::uint64_t head_seq = 0;
  std::string head_hash;
  // Recorded traffic (absent for synthetic): what was read and what was left out, and why.
  struct Recorded {
    std::uint64_t files = 0, rows_read = 0, rows_skipped = 0, flows = 0;
    std::uint64_t ipv6_skipped = 0, unassigned = 0, warmup_flows = 0, run_flows = 0;
    std::string mix = "none";     // traffic.mix
    std::uint64_t mixed_out = 0;  // recorded flows of the side the mix replaces, left out
  };
  std::optional<Recorded> recorded;

  // The lines daisd prints at the end of a run.
  std::string text() const;
};

void to_json(nlohmann::json& j, const RunSummary& s);

// Fills the protection figures and by_kind from the tracker (pairs arrived by `last_step`, the
// run's last step) and the per-kind detection tallies (indexed by CampaignKind).
void fill_protection(RunSummary& s, const ProtectionTracker& protection,
                     const std::array<KindDetection, agents::kCampaignKindCount>& detection, std::uint64_t last_step);

}  // namespace dais::server

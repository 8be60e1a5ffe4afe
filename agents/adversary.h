// How Byzantine agents behave (DESIGN.md "Faults", docs/SIMULATION.md "Adversaries"):
// which agents are Byzantine, whether one reports its real findings in a step, which
// signature it forges, and how it votes. Strategies (AdversaryParams::strategy):
//   forge    - never reports what it detects; with chance poison_rate per step proposes a
//              signature for an address its own model scores as normal, its centroid pushed
//              along a seeded direction just far enough that its own model calls it anomalous;
//   framing  - never reports what it detects; with chance poison_rate relabels a real attack
//              signature it saw lately (its own detection, or a proposal that reached it) onto the
//              most popular address its own view judges benign (e.g. a shared server);
//   sleeper  - an honest agent (reports, votes honestly) before sleeper_steps, then framing;
//   low_rate - reports and votes honestly, and frames with chance low_rate per step only.
// With collude, Byzantine voters back colluders' proposals and sink honest ones (forge,
// framing, an awake sleeper) or back colluders and vote honestly otherwise (low_rate).
// An adversary knows only what its agent observed, what reached it, the public protocol
// parameters and who its colluders are: never which addresses are attackers (ForgeContext
// has no such field; the engine's ground truth is for scoring only).
// Pure and deterministic: every draw comes from the run seed's streams, never from thread
// timing. An Adversary is an immutable value; its const members are safe to call
// concurrently. No I/O; nothing throws.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "agents/features.h"
#include "agents/isolation_forest.h"
#include "agents/signature.h"
#include "agents/validation.h"

namespace dais::agents {

enum class AdversaryStrategy { forge, framing, sleeper, low_rate };
std::string_view name(AdversaryStrategy strategy);
// The strategy named `text` (a faults.adversary value), if any.
std::optional<AdversaryStrategy> parse_adversary_strategy(std::string_view text);

struct AdversaryParams {
  double fraction = 0;                 // share of agents that are Byzantine, rounded down
  double poison_rate = 0.25;           // chance per step that a Byzantine agent forges (forge, framing, sleeper)
  std::uint32_t min_observations = 3;  // flows of a victim needed for a plausible centroid
  AdversaryStrategy strategy = AdversaryStrategy::forge;
  std::uint64_t sleeper_steps = 50;    // a sleeper is honest in steps < sleeper_steps
  double low_rate = 0.02;              // chance per step that a low-rate poisoner frames
  bool collude = true;                 // Byzantine voters vote as a bloc
  double target_score = 0.6;           // the public solo-approval score a forgery aims at
};

// What a Byzantine agent knows in a step when it may forge a signature: its own observations
// and model, and what reached it from the network. Deliberately nothing about who attacks.
struct ForgeContext {
  std::uint32_t agent = 0;
  std::uint64_t step = 0;
  std::span<const Flow> observed;     // the flows it saw and did not block this step
  std::span<const double> scores;     // its own model's scores of them (parallel to observed)
  double threshold = 0.5;             // its own detection threshold
  const IsolationForest* model = nullptr;  // its own model (nullptr: none)
  const ValidatorView* view = nullptr;     // its own history of sources (popularity), or nullptr
  // Real signatures it saw lately: its own detections and proposals that reached it.
  std::span<const Signature> seen;
  const std::array<double, kFeatureCount>& own_sd;  // per-feature sd of its own clean traffic
};

// A Byzantine voter's ballot, in the fields of an honest VoteDecision it replaces.
struct AdversaryBallot {
  bool approve = false;
  double similarity = 0;
  double confidence = 0;
};

class Adversary {
 public:
  Adversary(std::uint64_t seed, AdversaryParams params);

  const AdversaryParams& params() const { return params_; }

  // The Byzantine agents among agents 0..agent_count-1, ascending: a seeded sample, so the
  // same for every thread count.
  std::vector<std::uint32_t> byzantine_agents(std::uint32_t agent_count) const;

  // True when a Byzantine agent reports its real findings in `step` (a sleeper before it
  // wakes, a low-rate poisoner always).
  bool reports_findings(std::uint64_t step) const;

  // The signature a Byzantine agent proposes this step, if any (see the strategies above).
  std::optional<Signature> forge(const ForgeContext& context) const;

  // A Byzantine voter's ballot in `step` on a signature, by whether its proposer is a
  // colluder; nullopt when it votes as an honest validator would.
  std::optional<AdversaryBallot> vote(std::uint64_t step, bool proposer_is_byzantine) const;

 private:
  bool awake(std::uint64_t step) const;
  std::optional<Signature> forge_from_normal(const ForgeContext& context, Stream& pick) const;
  std::optional<Signature> frame(const ForgeContext& context, Stream& pick) const;

  std::uint64_t seed_;
  AdversaryParams params_;
};

}  // namespace dais::agents

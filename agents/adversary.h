// How Byzantine agents behave (DESIGN.md "Faults"): which agents are Byzantine,
// which signature one of them forges in a step, and how one of them votes.
// Today's one strategy: colluding poisoners. A Byzantine agent never reports
// what it really detects; now and then it forges a signature for a benign
// address its own segment uses, and colluders back each other's proposals and
// sink honest ones. Further strategies belong here, chosen through
// AdversaryParams, so the engine keeps asking the same three questions.
// Pure and deterministic: every draw comes from the run seed's streams, never
// from thread timing. An Adversary is an immutable value; its const members are
// safe to call concurrently. No I/O; nothing throws.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include "agents/features.h"
#include "agents/signature.h"

namespace dais::agents {

struct AdversaryParams {
  double fraction = 0;                 // share of agents that are Byzantine, rounded down
  double poison_rate = 0.25;           // chance per step that a Byzantine agent forges a signature
  std::uint32_t min_observations = 3;  // flows of a victim needed for a plausible centroid
};

// What a Byzantine agent knows in a step when it may forge a signature.
struct ForgeContext {
  std::uint32_t agent = 0;
  std::uint64_t step = 0;
  std::span<const Flow> observed;                 // the flows it saw and did not block this step
  const std::set<std::uint32_t>& attack_sources;  // colluders know their attackers and never frame them
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

  // The Byzantine agents among agents 0..agent_count-1, ascending: a seeded sample, so the
  // same for every thread count.
  std::vector<std::uint32_t> byzantine_agents(std::uint32_t agent_count) const;

  // The signature a Byzantine agent proposes this step, if any: with chance poison_rate, one
  // forged for a benign address it observed (one seen at least min_observations times when
  // there is one), its centroid nudged by up to half a standard deviation of the agent's own
  // traffic per feature. Nothing when it observed no benign address.
  std::optional<Signature> forge(const ForgeContext& context) const;

  // A Byzantine voter's ballot on a signature, by whether its proposer is a colluder.
  AdversaryBallot vote(bool proposer_is_byzantine) const;

 private:
  std::uint64_t seed_;
  AdversaryParams params_;
};

}  // namespace dais::agents

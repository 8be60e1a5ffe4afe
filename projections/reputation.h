// Reputation weights learned from past decisions (DESIGN.md "Consensus").
// Every agent starts at 1.0. After a decision that carries a verdict of the
// network (reason "majority" or "minority"; not "tie" or "no_quorum", where the
// network said nothing, nor "protected_address", where a rule did and an
// honest agent may have seen a spoofed protected source), weights change
// multiplicatively and are
// clamped to [kMinReputationWeight, kMaxReputationWeight]:
//   the proposer:            x1.10 when accepted, x0.80 when rejected;
//   every other supporter (endorser) and every voter, once each:
//                            x1.05 when its ballot agreed with the outcome,
//                            x0.90 when it disagreed.
// Penalties outweigh rewards, so an agent that is wrong half the time sinks.
// Every agent judged once per decision; the proposer as proposer only.
// A supporter's ballot is a yes; a voter's is its VoteCast.approve (supporters
// are applied first, so an agent that both endorsed and voted counts as a supporter).
// With reputation disabled every weight stays 1.0 and record() does nothing.
// Evidence mode (validation.defence evidence / evidence_abstain): weights follow the agents'
// later evidence instead of the vote, so a bloc cannot earn weight by agreeing with itself.
// record() then does nothing; record_evidence() applies one judgement of an accepted signature:
//   SignatureDisputed by agent J: the proposer x0.80, every other supporter and yes-voter
//                                 except J x0.90;
//   SignatureCorroborated by J, when J neither proposed, endorsed nor voted yes on it (an
//                                 agent cannot vouch for its own ballot): the proposer x1.10,
//                                 every other supporter and yes-voter x1.05.
// Each agent judged once per judgement; the proposer as proposer only.
// Decisions must be recorded in log order (the engine's ConsensusReached order):
// clamping makes the result order-sensitive. Deterministic; no I/O;
// thread-compatible (a const object may be read from many threads).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::projections {

inline constexpr double kInitialReputationWeight = 1.0;
inline constexpr double kMinReputationWeight = 0.1;
inline constexpr double kMaxReputationWeight = 2.0;

class Reputation {
 public:
  explicit Reputation(bool enabled = false, bool evidence = false) : enabled_(enabled), evidence_(evidence) {}

  bool enabled() const { return enabled_; }
  bool evidence() const { return evidence_; }
  // The agent's weight (1.0 for an agent never judged, or when disabled).
  double weight(std::uint32_t agent) const;

  // Applies one decision: `supporters` holds the proposer and the endorsers
  // (any order; duplicates ignored), `votes` the VoteCast ballots by voter.
  void record(const events::ConsensusReached& decision, std::uint32_t proposer,
              std::span<const std::uint32_t> supporters, const std::map<std::uint32_t, events::VoteCast>& votes);

  // Applies one judgement (evidence mode only): `dispute` for SignatureDisputed, else
  // SignatureCorroborated, by `judge`, of the accepted signature with these supporters and ballots.
  void record_evidence(bool dispute, std::uint32_t judge, std::uint32_t proposer,
                       std::span<const std::uint32_t> supporters,
                       const std::map<std::uint32_t, events::VoteCast>& votes);

  // True for reasons that change weights.
  static bool is_verdict(std::string_view reason);

  // Full state, for projection snapshots. from_json throws nlohmann::json errors on bad input.
  nlohmann::json to_json() const;
  static Reputation from_json(const nlohmann::json& json);

  bool operator==(const Reputation&) const = default;

 private:
  void scale(std::uint32_t agent, double factor);

  bool enabled_ = false;
  bool evidence_ = false;
  std::vector<double> weights_;  // by agent id; grows on demand
};

}  // namespace dais::projections

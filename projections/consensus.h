// The consensus rule (DESIGN.md "Consensus"): a pure function from a
// signature's tally to a decision, applied by the engine and documented here
// so that clients can check every ConsensusReached by hand.
// Also pulls in the other consensus pieces: committee.h (who votes),
// reputation.h (vote weights), protected_addresses.h (what may never be blocked).
// Pure value types and functions; thread-safe; no I/O. validate() throws
// std::invalid_argument; nothing else throws.
//
// Ballots and the electorate
//   The electorate of a signature is fixed when it is proposed: its proposer
//   plus its committee (select_committee, which leaves the proposer out; a
//   committee size of 0 means every other active agent). `eligible_voters` is
//   the size of that electorate and must not change until the decision.
//   A ballot is one agent's approve/reject with a weight: its reputation weight
//   when consensus.reputation is on (it may be read when the ballot is cast;
//   the rule only assumes no weight exceeds kMaxReputationWeight), else 1. The proposer and every endorser
//   in the electorate hold a yes ballot (an endorsement is a second, independent
//   finding of the same signature: the endorser has nothing left to validate);
//   every other electorate member may cast one VoteCast ballot. Endorsers
//   outside the electorate are recorded but hold no ballot. A crashed member
//   stays eligible and simply does not vote, so crashes weigh on the quorum.
//   An agent that has cast a VoteCast may not endorse the signature later: its
//   vote is its ballot. The Tally keeps one ballot per agent (the first one).
//
// The deadline rule, applied at current_step >= deadline_step (the last step
// in which ballots are taken):
//   1. cast = yes + no. If cast == 0 or cast < quorum * eligible_voters:
//      rejected, reason "no_quorum".
//   2. If yes_weight and no_weight are equal (within 1e-9 of their sum, so that
//      0.1 + 0.2 ties with 0.3): reason "tie", accepted iff tie == accept.
//   3. share = yes_weight / (yes_weight + no_weight). share >= majority:
//      accepted, reason "majority"; otherwise rejected, reason "minority".
//   So with majority 0.51 two of three pass and two of four tie; with 0.66 two
//   of three pass (0.667) and three of five do not (0.6); with 0.75 three of
//   four pass exactly. A tie is its own case, not a point on the share scale:
//   with tie = accept an exact split passes even though a share between 0.5
//   and the majority fails. (A proposal for a protected address never reaches
//   this rule: the engine rejects it at once with reason "protected_address".)
//
// Early decisions, before the deadline: evaluate() returns an outcome only
// when every possible rest of the vote gives the deadline rule the same
// outcome and reason, so deciding early never contradicts waiting:
//   - every eligible agent has a ballot (nothing can change), or
//   - the quorum is already met (more ballots cannot unmeet it), and with
//     R = eligible_voters - cast outstanding ballots of at most w_max weight
//     each (w_max = kMaxReputationWeight with reputation, else 1) every
//     reachable final share lies on one side of the majority:
//       all-no bound  Y / (Y + N + R*w_max) >= majority + 1e-8  -> "majority"
//       all-yes bound (Y + R*w_max) / (Y + R*w_max + N) < majority - 1e-8
//                                                              -> "minority"
//     and 0.5 (a tie) is not reachable within that interval (±1e-8).
//   Share is increasing in yes weight and decreasing in no weight, so the two
//   bounds enclose every completion; the 1e-8 margins absorb floating-point
//   rounding between this bound and the exactly summed final tally.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "projections/committee.h"
#include "projections/protected_addresses.h"
#include "projections/reputation.h"

namespace dais::projections {

struct ConsensusParams {
  double majority = 0.51;       // share of ballot weight that must approve, in (0.5, 1]
  double quorum = 0.5;          // share of eligible voters that must cast a ballot, in [0, 1]
  std::uint32_t window = 3;     // steps a signature takes ballots; deadline = proposed step + window - 1
  std::uint32_t committee = 0;  // validators drawn per signature; 0 = every active agent
  bool reputation = false;      // weight ballots by Reputation
  enum class Tie { reject, accept } tie = Tie::reject;
};

// Throws std::invalid_argument naming the field when a parameter is out of range.
void validate(const ConsensusParams& params);

namespace reason {
inline constexpr const char* majority = "majority";
inline constexpr const char* minority = "minority";
inline constexpr const char* tie = "tie";
inline constexpr const char* no_quorum = "no_quorum";
inline constexpr const char* protected_address = "protected_address";
}  // namespace reason

// Yes/no counts and weights of one signature's ballots, at most one per agent.
struct Tally {
  std::uint32_t yes = 0;
  std::uint32_t no = 0;
  double yes_weight = 0;
  double no_weight = 0;

  // The proposer's or an in-electorate endorser's yes ballot. False (and no
  // change) when the agent already holds a ballot.
  bool add_support(std::uint32_t agent, double weight) { return add_vote(agent, true, weight); }
  // A voter's ballot. False (and no change) when the agent already holds a ballot.
  bool add_vote(std::uint32_t agent, bool approve, double weight);
  std::uint32_t cast() const { return yes + no; }
  bool has_ballot(std::uint32_t agent) const { return agents_.count(agent) != 0; }

 private:
  std::set<std::uint32_t> agents_;
};

struct Outcome {
  bool accepted = false;
  std::string reason;  // one of the reason:: names
  bool operator==(const Outcome&) const = default;
};

// The deadline rule above, regardless of the step.
Outcome decide_at_deadline(const Tally& tally, std::uint32_t eligible_voters, const ConsensusParams& params);

// The decision for this step: the deadline rule when current_step >= deadline_step,
// an early decision when the outcome can no longer change, otherwise nullopt.
std::optional<Outcome> evaluate(const Tally& tally, std::uint32_t eligible_voters, const ConsensusParams& params,
                                std::uint64_t current_step, std::uint64_t deadline_step);

}  // namespace dais::projections

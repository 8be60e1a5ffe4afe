// The network's consensus on shared signatures as the engine runs it step by step
// (the rule itself is projections/consensus.h). It holds the signatures waiting for
// ballots in proposal order, the ones rejected lately (not proposed again within a
// consensus window), and the network blacklist: every accepted indicator until it
// expires. Per step the engine offers each agent's findings in agent order
// (propose), fills in the ballots owed (vote: computed in parallel, recorded here)
// and asks for decisions (decide). Events are appended in canonical order: by
// signature in proposal order, then by voter. Proposals, endorsements and ballots
// travel over the network (server/network.h): a member votes once the proposal has
// reached it, and the proposer decides from the ballots that have reached it.
// Also counts the ground truth of what was proposed and accepted, which only the
// simulator knows.
// Not thread-safe; owned by the engine. Nothing throws on valid settings.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "agents/evidence.h"
#include "agents/signature.h"
#include "projections/consensus.h"
#include "events/events.h"
#include "server/network.h"
#include "server/settings.h"
#include "server/step_output.h"

namespace dais::server {

// Ground-truth tallies that only the simulator knows (labels never reach detection).
struct GroundTruth {
  std::uint64_t poisoned_proposed = 0;  // by Byzantine agents
  std::uint64_t poisoned_accepted = 0;
  std::uint64_t benign_signatures_proposed = 0;  // any proposer; the indicator is not an attacker
  std::uint64_t benign_signatures_accepted = 0;
  std::uint64_t protected_rejections = 0;
  // Signatures whose indicator is an attacker (any proposer): the honest signatures the
  // network should accept; proposed minus accepted were lost (rejected or never decided).
  std::uint64_t attack_signatures_proposed = 0;
  std::uint64_t attack_signatures_accepted = 0;
  // validation.defence evidence: judgements logged and accepted signatures revoked, by truth.
  std::uint64_t disputes = 0;
  std::uint64_t corroborations = 0;
  std::uint64_t revoked = 0;
  std::uint64_t poisoned_revoked = 0;
  std::uint64_t attack_signatures_revoked = 0;
  std::uint64_t benign_signatures_revoked = 0;
};

// A signature taking ballots. Its electorate is fixed at proposal: the proposer and its committee.
struct PendingSignature {
  agents::Signature signature;
  std::uint32_t proposer = 0;
  bool poisoned = false;          // ground truth: fabricated by a Byzantine agent
  bool benign_indicator = false;  // ground truth: the indicator is not an attacker
  std::uint64_t proposed_step = 0;
  std::uint64_t deadline_step = 0;
  std::vector<std::uint32_t> supporters;           // proposer and endorsers
  std::vector<std::uint32_t> committee;            // eligible voters (sorted)
  std::map<std::uint32_t, events::VoteCast> votes;  // by voter: every ballot cast
  // The network (server/network.h): the step the proposal reaches each committee member
  // (parallel to committee), and the step each endorsement and ballot reaches the
  // proposer, who decides; kNever when the message was lost.
  std::uint64_t key = 0;  // fnv1a64 of the id, the message key
  std::vector<std::uint64_t> reaches;
  std::map<std::uint32_t, std::uint64_t> support_arrives;  // by endorser
  std::map<std::uint32_t, std::uint64_t> vote_arrives;     // by voter
};

// The arrival step of a message that never arrives.
inline constexpr std::uint64_t kNever = ~std::uint64_t{0};

// One finding an agent offers: a signature and the ground truth about it.
struct Finding {
  const agents::Signature& signature;
  std::uint32_t agent = 0;
  bool forged = false;            // an adversary forged it: the signature is poisoned
  bool benign_indicator = false;  // the indicator is not an attacker
};

// A ballot owed on open(signature) by `voter`; vote has signature_id, voter and weight
// filled in, the engine fills in approve, similarity and confidence.
struct Ballot {
  std::size_t signature = 0;
  std::uint32_t voter = 0;
  events::VoteCast vote;
  bool abstain = false;  // the voter casts no ballot now (it may be asked again next step)
};

// An indicator the network blocks, by the signature that was accepted for it.
struct NetworkBlock {
  std::string signature_id;
  std::uint64_t expires_step = 0;  // blocks while step < expires_step; renewed by hits
};

// validation.defence evidence: an accepted signature open to later evidence while its network
// entry is in force, with who backed it (for reputation) and the judgements so far.
struct JudgedSignature {
  std::string signature_id;
  std::uint32_t indicator = 0;
  unsigned prefix_len = 32;
  std::uint32_t proposer = 0;
  std::vector<std::uint32_t> supporters;
  std::map<std::uint32_t, events::VoteCast> votes;
  bool poisoned = false;          // ground truth, for scoring only
  bool benign_indicator = false;  // ground truth, for scoring only
  std::set<std::uint32_t> judges;  // agents that disputed or corroborated it
  std::uint32_t disputes = 0, corroborations = 0;
  double dispute_weight = 0, corroboration_weight = 0;
};

struct AcceptedSignature {
  std::string signature_id;
  std::uint32_t indicator = 0;
  std::uint32_t decider = 0;  // the proposer, who sends the entry to every agent
};

class ConsensusRound {
 public:
  explicit ConsensusRound(const EngineSettings& settings);

  // Propose. Ignored when the indicator is blocked network-wide, the agent already supports the
  // signature or has voted on it (its VoteCast stands), or the signature was rejected less than a consensus window ago. Otherwise the
  // finding endorses the pending signature (SignatureEndorsed) or opens it (SignatureProposed,
  // with a committee drawn from `active`, the sorted ids of the agents up); a protected indicator
  // is rejected at once (ConsensusReached, reason protected_address).
  void offer(std::uint64_t step, const Finding& finding, std::span<const std::uint32_t> active,
             std::vector<Produced>& out, events::StepCompleted& stats);

  // Vote. The open signatures in proposal order; ballots name them by index. The result of
  // ballots_owed() has one group per agent id below agent_count: a ballot for every open
  // signature on whose committee the agent sits and whose proposal has reached it by `step`,
  // while it is in `active`, has not voted and does not support the signature. record() keeps
  // the filled-in ballots, sends them to the proposer over the network and appends their
  // VoteCast events by signature, then voter; an abstaining ballot is dropped unlogged.
  std::size_t open_count() const { return order_.size(); }
  const PendingSignature& open(std::size_t index) const { return pending_.at(order_[index]); }
  std::vector<std::vector<Ballot>> ballots_owed(std::size_t agent_count, std::span<const std::uint32_t> active,
                                                std::uint64_t step) const;
  void record(std::uint64_t step, std::vector<std::vector<Ballot>> ballots, std::vector<Produced>& out,
              events::StepCompleted& stats);
  // The open signatures whose proposal has reached `agent` by `step` (it sits on their
  // committee), in proposal order: what an agent has received from the network.
  std::vector<agents::Signature> received_by(std::uint32_t agent, std::uint64_t step) const;

  // Decide. The proposer decides from the ballots that have reached it by `step` (its own,
  // the endorsements and votes that arrived; ballots still in flight or lost count as not
  // cast). Decides, in proposal order, every open signature whose outcome the consensus rule
  // knows now, appending ConsensusReached. Accepted indicators join the network blacklist; they
  // are returned in decision order for the engine to block on its agents.
  std::vector<AcceptedSignature> decide(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);

  // The network blacklist by indicator: what a recovering agent catches up on.
  const std::map<std::uint32_t, NetworkBlock>& network_blacklist() const { return network_blacklist_; }
  // A flow from `indicator` was blocked at `step` (by any agent): the network entry, when it is
  // still in force at `step`, lasts until at least step + blacklist expiry — the same rule each
  // agent applies to its own copy, so the network entry lasts as long as the latest copy.
  void renew(std::uint32_t indicator, std::uint64_t step);
  // An operator lifted the block on `indicator` (BlacklistRemoved): its network entry is gone,
  // so a later finding may propose it again. False when it had none.
  bool remove(std::uint32_t indicator) { return network_blacklist_.erase(indicator) > 0; }
  // Drops the network blacklist entries that expire at or before `step`.
  void expire(std::uint64_t step);

  // Later evidence (validation.defence evidence; agents/evidence.h). The accepted signature
  // `signature_id` while its network entry is in force, else null (also without the defence).
  const JudgedSignature* judged(const std::string& signature_id) const;
  // `agent` judges it (it must be judged(), by an agent that has not judged it yet): appends
  // SignatureDisputed or SignatureCorroborated with the agent's ballot weight and applies it to
  // reputation (reputation.h, evidence mode).
  void judge(std::uint64_t step, const std::string& signature_id, std::uint32_t agent, bool dispute,
             const agents::EvidenceCount& count, std::vector<Produced>& out);
  // Revokes, in signature id order, every judged signature whose disputes now outweigh its
  // corroborations (agents::should_revoke): SignatureRevoked, its network entry gone, not proposed
  // again for a consensus window. Returns them for the engine to lift from its agents' lists.
  std::vector<AcceptedSignature> revoke_due(std::uint64_t step, std::vector<Produced>& out);

  const GroundTruth& ground_truth() const { return truth_; }
  const Network& network() const { return network_; }

 private:
  friend class EngineSnapshot;  // server/engine_snapshot.h
  double ballot_weight(std::uint32_t agent) const;

  std::uint64_t seed_;
  Network network_;
  projections::ConsensusParams params_;
  projections::ProtectedAddresses protected_;
  std::uint64_t blacklist_expiry_;
  std::map<std::string, PendingSignature> pending_;      // by signature id
  std::vector<std::string> order_;                       // pending ids in proposal order
  std::map<std::string, std::uint64_t> rejected_until_;  // id -> first step it may be proposed again
  std::map<std::uint32_t, NetworkBlock> network_blacklist_;
  projections::Reputation reputation_;
  bool evidence_ = false;
  std::map<std::string, JudgedSignature> judged_;  // by signature id (evidence only)
  GroundTruth truth_;
};

}  // namespace dais::server

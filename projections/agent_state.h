// Projection: what is known about each agent, folded from RunStarted (the
// agent count and consensus.reputation), SignatureProposed/Endorsed, VoteCast,
// ConsensusReached, ModelRetrained and AgentCrashed/AgentRecovered.
// Serves GET /v1/agents and /v1/agents/{id}.
// The reputation weight is the same Reputation rule the engine applies
// (reputation.h), recorded at each ConsensusReached with the signature's
// proposer, endorsers and VoteCast ballots, so it equals the weight the engine
// used for the agent's next ballots. "Agreeing" votes are VoteCast ballots
// whose approve equals the decision's accepted, whatever the reason.
// With validation.defence evidence / evidence_abstain, reputation follows SignatureDisputed and
// SignatureCorroborated instead (reputation.h, evidence mode): accepted signatures keep their
// proposer, supporters and ballots for that.
// Errors: ProjectionError for malformed data, an agent id >= RunStarted.agents,
// a second RunStarted, or a vote/decision for a signature it has not seen.
// Not internally synchronised.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/events.h"
#include "projections/reputation.h"

namespace dais::projections {

struct AgentRecord {
  std::uint32_t id = 0;
  std::uint64_t model_version = 0;
  std::optional<std::uint64_t> last_retrain_step;
  std::string model_digest;
  std::uint64_t samples = 0;
  bool byzantine = false;  // a lying agent of a fault run (RunStarted.byzantine), or a Sybil identity
  bool crashed = false;
  std::optional<std::uint64_t> crashed_step;   // of the current or last crash
  std::optional<std::uint64_t> recover_step;   // planned recovery of the current crash
  std::uint64_t crashes = 0;
  std::uint64_t missed_steps = 0;              // summed over recoveries
  std::uint64_t proposals = 0;
  std::uint64_t endorsements = 0;
  std::uint64_t votes = 0;
  std::uint64_t votes_agreeing = 0;
  std::uint64_t accepted_proposals = 0;
  std::uint64_t rejected_proposals = 0;
  bool operator==(const AgentRecord&) const = default;
};

class AgentState {
 public:
  void apply(const events::Event& event);

  std::uint32_t agent_count() const { return static_cast<std::uint32_t>(agents_.size()); }
  // nullptr when out of range.
  const AgentRecord* find(std::uint32_t agent) const;
  const std::vector<AgentRecord>& agents() const { return agents_; }
  double reputation(std::uint32_t agent) const { return reputation_.weight(agent); }
  const Reputation& reputation_model() const { return reputation_; }
  std::uint32_t crashed_count() const;

  // API views.
  nlohmann::json view(std::uint32_t agent) const;  // throws std::out_of_range for an unknown agent
  nlohmann::json list_json() const;                // {"agents": [...], "crashed": n}

  nlohmann::json to_json() const;
  static AgentState from_json(const nlohmann::json& json);

 private:
  struct Open {  // a signature between proposal and decision
    std::uint32_t proposer = 0;
    std::vector<std::uint32_t> supporters;  // proposer, then endorsers
    std::map<std::uint32_t, events::VoteCast> votes;
  };
  AgentRecord& agent(const events::Event& event, std::uint32_t id);
  void on_decided(const events::Event& event);
  void on_judged(const events::Event& event, const std::string& signature_id, std::uint32_t judge, bool dispute);

  bool started_ = false;
  std::vector<AgentRecord> agents_;
  Reputation reputation_;
  std::map<std::string, Open> open_;
  std::map<std::string, Open> accepted_;  // evidence mode: accepted signatures, for their judgements
};

}  // namespace dais::projections

#include "projections/reputation.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "projections/consensus.h"

namespace dais::projections {

namespace {
constexpr double kProposerGain = 1.10;
constexpr double kProposerLoss = 0.80;
constexpr double kVoterGain = 1.05;
constexpr double kVoterLoss = 0.90;
}  // namespace

double Reputation::weight(std::uint32_t agent) const {
  if (!enabled_ || agent >= weights_.size()) return kInitialReputationWeight;
  return weights_[agent];
}

bool Reputation::is_verdict(std::string_view r) {
  return r == reason::majority || r == reason::minority;
}

void Reputation::scale(std::uint32_t agent, double factor) {
  if (agent >= weights_.size()) weights_.resize(std::size_t{agent} + 1, kInitialReputationWeight);
  weights_[agent] = std::clamp(weights_[agent] * factor, kMinReputationWeight, kMaxReputationWeight);
}

void Reputation::record(const events::ConsensusReached& decision, std::uint32_t proposer,
                        std::span<const std::uint32_t> supporters,
                        const std::map<std::uint32_t, events::VoteCast>& votes) {
  if (!enabled_ || evidence_ || !is_verdict(decision.reason)) return;
  const bool accepted = decision.accepted;
  std::set<std::uint32_t> judged{proposer};
  scale(proposer, accepted ? kProposerGain : kProposerLoss);
  for (auto agent : supporters) {
    if (!judged.insert(agent).second) continue;
    scale(agent, accepted ? kVoterGain : kVoterLoss);
  }
  for (const auto& [voter, vote] : votes) {
    if (!judged.insert(voter).second) continue;
    scale(voter, vote.approve == accepted ? kVoterGain : kVoterLoss);
  }
}

void Reputation::record_evidence(bool dispute, std::uint32_t judge, std::uint32_t proposer,
                                 std::span<const std::uint32_t> supporters,
                                 const std::map<std::uint32_t, events::VoteCast>& votes) {
  if (!enabled_ || !evidence_) return;
  std::set<std::uint32_t> backers(supporters.begin(), supporters.end());  // everyone who said yes
  backers.insert(proposer);
  for (const auto& [voter, vote] : votes) {
    if (vote.approve) backers.insert(voter);
  }
  if (!dispute && backers.count(judge)) return;  // vouching for its own ballot is no evidence
  scale(proposer, dispute ? kProposerLoss : kProposerGain);
  for (const auto agent : backers) {
    if (agent == proposer || agent == judge) continue;
    scale(agent, dispute ? kVoterLoss : kVoterGain);
  }
}

nlohmann::json Reputation::to_json() const {
  nlohmann::json j{{"enabled", enabled_}, {"weights", weights_}};
  if (evidence_) j["evidence"] = true;
  return j;
}

Reputation Reputation::from_json(const nlohmann::json& json) {
  Reputation r(json.at("enabled").get<bool>(), json.value("evidence", false));
  r.weights_ = json.at("weights").get<std::vector<double>>();
  return r;
}

}  // namespace dais::projections

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
  if (!enabled_ || !is_verdict(decision.reason)) return;
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

nlohmann::json Reputation::to_json() const { return {{"enabled", enabled_}, {"weights", weights_}}; }

Reputation Reputation::from_json(const nlohmann::json& json) {
  Reputation r(json.at("enabled").get<bool>());
  r.weights_ = json.at("weights").get<std::vector<double>>();
  return r;
}

}  // namespace dais::projections

#include "agents/adversary.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common/random.h"

namespace dais::agents {

Adversary::Adversary(std::uint64_t seed, AdversaryParams params) : seed_(seed), params_(params) {}

std::vector<std::uint32_t> Adversary::byzantine_agents(std::uint32_t agent_count) const {
  const auto count = static_cast<std::uint32_t>(params_.fraction * static_cast<double>(agent_count) + 1e-9);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
  order.reserve(agent_count);
  for (std::uint32_t a = 0; a < agent_count; ++a) {
    order.emplace_back(Stream(seed_, Purpose::byzantine, a).next_u64(), a);
  }
  std::sort(order.begin(), order.end());
  std::vector<std::uint32_t> chosen;
  for (std::uint32_t i = 0; i < count && i < agent_count; ++i) chosen.push_back(order[i].second);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::optional<Signature> Adversary::forge(const ForgeContext& context) const {
  if (!Stream(seed_, Purpose::poison, context.agent, context.step).chance(params_.poison_rate)) return std::nullopt;
  std::map<std::uint32_t, std::vector<Flow>> benign_by_source;
  for (const auto& f : context.observed) {
    if (!context.attack_sources.count(f.source)) benign_by_source[f.source].push_back(f);
  }
  if (benign_by_source.empty()) return std::nullopt;
  // A victim seen often enough gives a plausible centroid; any victim will do otherwise.
  std::vector<std::uint32_t> candidates;
  for (const auto& [source, flows] : benign_by_source) {
    if (flows.size() >= params_.min_observations) candidates.push_back(source);
  }
  if (candidates.empty()) {
    for (const auto& [source, flows] : benign_by_source) candidates.push_back(source);
  }
  // A second stream for the victim and its disguise, so they are drawn apart from the chance above.
  Stream pick(seed_, Purpose::poison, context.agent, context.step + (std::uint64_t{1} << 40));
  const auto victim = candidates[pick.below(candidates.size())];
  // Far enough from the victim's real behaviour to look unusual, close enough to pass for it.
  constexpr double kPerturbations[] = {0.0, 0.25, 0.5};
  const double perturbation = kPerturbations[pick.below(3)];
  std::array<double, kFeatureCount> shift{};
  for (std::size_t f = 0; f < kFeatureCount; ++f) shift[f] = perturbation * context.own_sd[f];
  return forge_signature(victim, benign_by_source[victim], shift, 0.9, pick);
}

AdversaryBallot Adversary::vote(bool proposer_is_byzantine) const {
  // Colluders back each other's proposals and sink honest ones, with full conviction.
  return proposer_is_byzantine ? AdversaryBallot{true, 1.0, 1.0} : AdversaryBallot{false, 0.0, 1.0};
}

}  // namespace dais::agents

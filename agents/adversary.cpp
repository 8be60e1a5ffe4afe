#include "agents/adversary.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common/random.h"

namespace dais::agents {

namespace {

// Framing spreads over this many of the most popular benign addresses, so one rejected or
// already blocked victim does not stall it.
constexpr std::size_t kPopularVictims = 8;
// Forgery strength tried in turn, in standard deviations of the agent's own clean traffic.
constexpr double kForgeShifts[] = {0.5, 1.0, 2.0, 4.0, 8.0};

}  // namespace

std::string_view name(AdversaryStrategy strategy) {
  switch (strategy) {
    case AdversaryStrategy::forge: return "forge";
    case AdversaryStrategy::framing: return "framing";
    case AdversaryStrategy::sleeper: return "sleeper";
    case AdversaryStrategy::low_rate: return "low_rate";
  }
  return "forge";
}

std::optional<AdversaryStrategy> parse_adversary_strategy(std::string_view text) {
  for (auto s : {AdversaryStrategy::forge, AdversaryStrategy::framing, AdversaryStrategy::sleeper,
                 AdversaryStrategy::low_rate}) {
    if (name(s) == text) return s;
  }
  return std::nullopt;
}

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

bool Adversary::awake(std::uint64_t step) const {
  return params_.strategy != AdversaryStrategy::sleeper || step >= params_.sleeper_steps;
}

bool Adversary::reports_findings(std::uint64_t step) const {
  return params_.strategy == AdversaryStrategy::low_rate || !awake(step);
}

std::optional<Signature> Adversary::forge(const ForgeContext& context) const {
  if (!awake(context.step)) return std::nullopt;
  const double rate = params_.strategy == AdversaryStrategy::low_rate ? params_.low_rate : params_.poison_rate;
  if (!Stream(seed_, Purpose::poison, context.agent, context.step).chance(rate)) return std::nullopt;
  // A second stream for the victim and its disguise, so they are drawn apart from the chance above.
  Stream pick(seed_, Purpose::poison, context.agent, context.step + (std::uint64_t{1} << 40));
  if (params_.strategy == AdversaryStrategy::forge) return forge_from_normal(context, pick);
  return frame(context, pick);
}

// The victim is an address whose flows the agent's own model scores as normal; the centroid of
// those flows is pushed along one seeded direction, by the smallest of kForgeShifts at which
// the agent's own model scores it at least target_score (the public solo-approval score), so
// it is as anomalous as it needs to be to pass an honest validator and no more.
std::optional<Signature> Adversary::forge_from_normal(const ForgeContext& context, Stream& pick) const {
  std::map<std::uint32_t, std::vector<Flow>> normal_by_source;
  for (std::size_t i = 0; i < context.observed.size() && i < context.scores.size(); ++i) {
    if (!(context.scores[i] > context.threshold)) normal_by_source[context.observed[i].source].push_back(context.observed[i]);
  }
  if (normal_by_source.empty()) return std::nullopt;
  std::vector<std::uint32_t> candidates;
  for (const auto& [source, flows] : normal_by_source) {
    if (flows.size() >= params_.min_observations) candidates.push_back(source);
  }
  if (candidates.empty()) {
    for (const auto& [source, flows] : normal_by_source) candidates.push_back(source);
  }
  const auto victim = candidates[pick.below(candidates.size())];
  const auto& flows = normal_by_source[victim];
  std::optional<Signature> best;
  for (double k : kForgeShifts) {
    std::array<double, kFeatureCount> shift{};
    for (std::size_t f = 0; f < kFeatureCount; ++f) shift[f] = k * context.own_sd[f];
    Stream direction = pick;  // the same direction at every strength
    best = forge_signature(victim, flows, shift, 0.9, direction);
    if (!context.model || context.model->score_one(best->centroid.data()) >= params_.target_score) break;
  }
  return best;
}

// The real attack signature with the highest confidence (ties: lowest id) is relabelled onto
// one of the most popular addresses the agent's own view judges benign.
std::optional<Signature> Adversary::frame(const ForgeContext& context, Stream& pick) const {
  const Signature* real = nullptr;
  std::vector<std::uint32_t> seen_indicators;
  for (const auto& s : context.seen) {
    seen_indicators.push_back(s.indicator);
    if (!real || s.confidence > real->confidence || (s.confidence == real->confidence && s.id < real->id)) {
      real = &s;
    }
  }
  if (!real || !context.view) return std::nullopt;
  std::sort(seen_indicators.begin(), seen_indicators.end());
  std::vector<std::pair<std::uint64_t, std::uint32_t>> popular;  // (-clean flows, address)
  for (const auto& [source, history] : context.view->sources()) {
    if (context.view->standing(source) != Standing::benign) continue;
    if (std::binary_search(seen_indicators.begin(), seen_indicators.end(), source)) continue;
    popular.emplace_back(~history.clean, source);
  }
  if (popular.empty()) return std::nullopt;
  const std::size_t top = std::min(kPopularVictims, popular.size());
  std::partial_sort(popular.begin(), popular.begin() + static_cast<std::ptrdiff_t>(top), popular.end());
  return relabel_signature(*real, popular[pick.below(top)].second);
}

std::optional<AdversaryBallot> Adversary::vote(std::uint64_t step, bool proposer_is_byzantine) const {
  if (!params_.collude || !awake(step)) return std::nullopt;
  // Colluders back each other's proposals with full conviction.
  if (proposer_is_byzantine) return AdversaryBallot{true, 1.0, 1.0};
  // A low-rate poisoner keeps its reputation by judging honest proposals honestly.
  if (params_.strategy == AdversaryStrategy::low_rate) return std::nullopt;
  return AdversaryBallot{false, 0.0, 1.0};
}

}  // namespace dais::agents

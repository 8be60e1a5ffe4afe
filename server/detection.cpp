#include "server/detection.h"

#include <utility>

namespace dais::server {

ScoredFlows detect(AgentRuntime& agent, std::uint64_t step, std::span<const agents::Flow> flows,
                   events::StepCompleted& counts, std::map<std::uint32_t, std::uint64_t>& hits,
                   bool score_blocked) {
  ScoredFlows passed;
  passed.flows.reserve(flows.size());
  std::vector<float> blocked_rows;
  std::vector<std::uint32_t> blocked_by;  // the indicator that blocked each scored blocked flow
  for (const auto& f : flows) {
    ++counts.flows;
    const bool attack = f.label != 0;
    if (attack) ++counts.attack_flows;
    if (agent.blacklist.check_and_hit(f.source, step)) {
      ++counts.blocked;
      ++hits[agent.blacklist.key(f.source)];  // by the indicator that blocked it
      if (score_blocked) {
        blocked_rows.insert(blocked_rows.end(), f.features.begin(), f.features.end());
        blocked_by.push_back(agent.blacklist.key(f.source));
      }
      if (attack) {
        ++counts.blocked_attack;
        ++counts.true_positives;
      } else {
        ++counts.blocked_benign;
        ++counts.false_positives;
      }
      continue;
    }
    passed.flows.push_back(f);
  }
  std::vector<float> rows;
  rows.reserve(passed.flows.size() * agents::kFeatureCount);
  for (const auto& f : passed.flows) rows.insert(rows.end(), f.features.begin(), f.features.end());
  passed.scores.resize(passed.flows.size());
  agent.model->score(rows, agents::kFeatureCount, passed.scores);

  for (std::size_t k = 0; k < passed.flows.size(); ++k) {
    const bool flagged = passed.scores[k] > agent.threshold;
    const bool attack = passed.flows[k].label != 0;
    if (flagged) {
      ++counts.flagged;
      attack ? ++counts.true_positives : ++counts.false_positives;
    } else {
      if (attack) ++counts.false_negatives;
      agent.training.add(passed.flows[k].features, passed.flows[k].source);
    }
  }
  agent.view.observe(passed.flows, passed.scores, agent.threshold);
  if (!blocked_by.empty()) {
    std::vector<double> blocked_scores(blocked_by.size());
    agent.model->score(blocked_rows, agents::kFeatureCount, blocked_scores);
    for (std::size_t k = 0; k < blocked_by.size(); ++k) {
      auto& count = agent.evidence[blocked_by[k]];
      ++(blocked_scores[k] > agent.threshold ? count.flagged : count.clean);
    }
  }
  return passed;
}

void count_unmonitored(std::span<const agents::Flow> flows, events::StepCompleted& counts) {
  for (const auto& f : flows) {
    ++counts.flows;
    ++counts.flows_while_down;
    if (f.label == 0) continue;
    ++counts.attack_flows;
    ++counts.false_negatives;
    ++counts.missed_while_down;
  }
}

std::vector<agents::Signature> honest_findings(AgentRuntime& agent, const ScoredFlows& passed,
                                               const EngineSettings& settings) {
  std::vector<std::pair<agents::Flow, double>> flagged;
  for (std::size_t k = 0; k < passed.flows.size(); ++k) {
    if (passed.scores[k] > agent.threshold) flagged.emplace_back(passed.flows[k], passed.scores[k]);
  }
  agent.recent_flagged.push_back(std::move(flagged));
  while (agent.recent_flagged.size() > settings.signature_window) agent.recent_flagged.pop_front();
  std::vector<agents::Flow> recent;
  std::vector<double> recent_scores;
  for (const auto& step_flows : agent.recent_flagged) {
    for (const auto& [flow, score] : step_flows) {
      if (agent.blacklist.contains(flow.source)) continue;
      recent.push_back(flow);
      recent_scores.push_back(score);
    }
  }
  return agents::extract_signatures(recent, recent_scores, agent.threshold, settings.signature);
}

}  // namespace dais::server

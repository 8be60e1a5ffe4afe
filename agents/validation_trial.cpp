#include "agents/validation_trial.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <set>
#include <stdexcept>

#include "agents/isolation_forest.h"
#include "agents/signature.h"
#include "agents/traffic.h"
#include "common/random.h"

namespace dais::agents {
namespace {

struct StepView {
  std::vector<Flow> flows;
  std::vector<double> scores;
};

std::string perturbation_name(double p) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", p);
  return buffer;
}

}  // namespace

void ValidationTrialResult::merge(const ValidationTrialResult& o) {
  true_signatures += o.true_signatures;
  poison_signatures += o.poison_signatures;
  false_signatures += o.false_signatures;
  true_votes.merge(o.true_votes);
  poison_votes.merge(o.poison_votes);
  false_votes.merge(o.false_votes);
  mimic_votes.merge(o.mimic_votes);
  mimic_signatures += o.mimic_signatures;
  records.insert(records.end(), o.records.begin(), o.records.end());
  true_votes_seen.merge(o.true_votes_seen);
  true_votes_unseen.merge(o.true_votes_unseen);
  for (const auto& [k, v] : o.true_by_kind) true_by_kind[k].merge(v);
  for (const auto& [k, v] : o.poison_by_perturbation) poison_by_perturbation[k].merge(v);
  for (const auto& [k, v] : o.true_reasons) true_reasons[k] += v;
  for (const auto& [k, v] : o.poison_reasons) poison_reasons[k] += v;
}

ValidationTrialResult run_validation_trial(std::uint64_t seed, const ValidationTrialParams& p) {
  if (p.agents < 2) throw std::invalid_argument("run_validation_trial: needs at least 2 agents");
  if (p.window_steps == 0 || p.poison_perturbations.empty())
    throw std::invalid_argument("run_validation_trial: window_steps and poison_perturbations must be non-empty");

  const CampaignPlan plan{kClassroomKindCount, p.warmup_steps, p.campaign_interval,
                          p.propagation_delay};
  const std::vector<Campaign> campaigns = plan_campaigns(seed, p.agents, plan);
  std::map<std::uint32_t, const Campaign*> campaign_of_source;
  std::uint64_t end_step = p.warmup_steps;
  for (const Campaign& c : campaigns) {
    for (std::uint32_t s : c.sources) campaign_of_source[s] = &c;
    end_step = std::max(end_step, c.last_step() + 1);
  }
  const TrafficParams traffic{p.flows_per_step};

  // Each agent: a model of its own benign traffic and a view primed with it.
  std::vector<IsolationForest> models;
  std::vector<ValidatorView> views(p.agents);
  std::vector<std::deque<StepView>> windows(p.agents);
  for (std::uint32_t a = 0; a < p.agents; ++a) {
    std::vector<Flow> training;
    std::vector<float> rows;
    for (std::uint64_t s = 0; s < p.warmup_steps; ++s) {
      for (const Flow& f : generate_flows(seed, a, s, traffic, {})) {
        training.push_back(f);
        rows.insert(rows.end(), f.features.begin(), f.features.end());
      }
    }
    ForestParams fp;
    fp.n_estimators = p.trees;
    fp.max_samples = p.max_samples;
    fp.seed = mix64(seed ^ mix64(a));
    fp.contamination = p.contamination;
    models.push_back(IsolationForest::fit(rows, kFeatureCount, fp));
    const std::vector<double> scores = models.back().score(rows, kFeatureCount);
    views[a].observe(training, scores, models.back().threshold());
  }

  ValidationTrialResult result;
  std::vector<std::set<std::string>> proposed(p.agents);
  for (std::uint64_t step = p.warmup_steps; step < end_step; ++step) {
    // Observe and detect.
    for (std::uint32_t a = 0; a < p.agents; ++a) {
      StepView v;
      v.flows = generate_flows(seed, a, step, traffic, campaigns);
      std::vector<float> rows;
      rows.reserve(v.flows.size() * kFeatureCount);
      for (const Flow& f : v.flows) rows.insert(rows.end(), f.features.begin(), f.features.end());
      v.scores = models[a].score(rows, kFeatureCount);
      views[a].observe(v.flows, v.scores, models[a].threshold());
      windows[a].push_back(std::move(v));
      if (windows[a].size() > p.window_steps) windows[a].pop_front();
    }

    auto record = [&](std::uint32_t proposer, std::uint32_t voter, const Signature& sig, std::string category,
                      std::string detail, bool seen, const VoteDecision& d) {
      if (!p.keep_records) return;
      VoteRecord r{seed, step, proposer, voter, std::move(category), std::move(detail), seen, d, 0, 0};
      if (const auto h = views[voter].history(sig.indicator)) {
        r.history_clean = h->clean;
        r.history_flagged = h->flagged;
      }
      if (d.matched_source) {
        const auto m = views[voter].history(*d.matched_source);
        r.match_clean = m->clean;
        r.match_flagged = m->flagged;
        r.match_is_attacker = campaign_of_source.count(*d.matched_source) > 0;
      }
      result.records.push_back(std::move(r));
    };
    std::vector<Signature> true_this_step;

    // Propose and vote: honest proposals.
    for (std::uint32_t a = 0; a < p.agents; ++a) {
      std::vector<Flow> flows;
      std::vector<double> scores;
      for (const StepView& v : windows[a]) {
        flows.insert(flows.end(), v.flows.begin(), v.flows.end());
        scores.insert(scores.end(), v.scores.begin(), v.scores.end());
      }
      for (const Signature& sig : extract_signatures(flows, scores, models[a].threshold(), SignatureParams{})) {
        if (!proposed[a].insert(sig.id).second) continue;
        const auto it = campaign_of_source.find(sig.indicator);
        const Campaign* campaign = it == campaign_of_source.end() ? nullptr : it->second;
        (campaign ? result.true_signatures : result.false_signatures) += 1;
        if (campaign) true_this_step.push_back(sig);
        for (std::uint32_t v = 0; v < p.agents; ++v) {
          if (v == a) continue;
          const VoteDecision d = validate(sig, views[v], models[v], p.validation);
          if (!campaign) {
            result.false_votes.add(d.approve);
            record(a, v, sig, "false", "", false, d);
            continue;
          }
          result.true_votes.add(d.approve);
          result.true_by_kind[std::string(name(campaign->kind))].add(d.approve);
          result.true_reasons[std::string(name(d.reason))] += 1;
          const auto index = campaign->target_index(v);
          const bool seen = index && campaign->arrival_step(*index) <= step;
          (seen ? result.true_votes_seen : result.true_votes_unseen).add(d.approve);
          record(a, v, sig, "true", std::string(name(campaign->kind)), seen, d);
        }
      }
    }

    // A Byzantine proposer forges a signature for a benign address it observed.
    Stream byzantine(seed, Purpose::poison, step);
    const auto liar = static_cast<std::uint32_t>(byzantine.below(p.agents));
    std::map<std::uint32_t, std::vector<Flow>> by_source;
    for (const StepView& v : windows[liar])
      for (const Flow& f : v.flows)
        if (in_network_pool(f.source)) by_source[f.source].push_back(f);
    std::vector<std::uint32_t> candidates;
    for (const auto& [source, flows] : by_source)
      if (flows.size() >= SignatureParams{}.min_observations) candidates.push_back(source);
    if (candidates.empty()) continue;
    const std::uint32_t victim = candidates[byzantine.below(candidates.size())];
    const double perturbation = p.poison_perturbations[byzantine.below(p.poison_perturbations.size())];
    std::array<double, kFeatureCount> shift_sd{};
    for (std::size_t f = 0; f < kFeatureCount; ++f) shift_sd[f] = perturbation * views[liar].baseline().sd()[f];
    const Signature forged = forge_signature(victim, by_source[victim], shift_sd, 0.9, byzantine);
    ++result.poison_signatures;
    for (std::uint32_t v = 0; v < p.agents; ++v) {
      if (v == liar) continue;
      const VoteDecision d = validate(forged, views[v], models[v], p.validation);
      result.poison_votes.add(d.approve);
      result.poison_by_perturbation[perturbation_name(perturbation)].add(d.approve);
      result.poison_reasons[std::string(name(d.reason))] += 1;
      record(liar, v, forged, "poison", perturbation_name(perturbation), false, d);
    }
    if (true_this_step.empty()) continue;
    const Signature mimic =
        relabel_signature(true_this_step[byzantine.below(true_this_step.size())], victim);
    ++result.mimic_signatures;
    for (std::uint32_t v = 0; v < p.agents; ++v) {
      if (v == liar) continue;
      const VoteDecision d = validate(mimic, views[v], models[v], p.validation);
      result.mimic_votes.add(d.approve);
      record(liar, v, mimic, "mimic", "", false, d);
    }
  }
  return result;
}

}  // namespace dais::agents

// dais-bench validate: how often honest validators approve true campaign
// signatures and signatures forged from benign traffic, over many seeds, in
// the setting described by agents/validation_trial.h.
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "agents/validation_trial.h"
#include "tools/bench/registry.h"

namespace {

using dais::agents::ValidationTrialParams;
using dais::agents::ValidationTrialResult;
using dais::agents::VoteTally;

nlohmann::ordered_json tally_json(const VoteTally& t) {
  return {{"votes", t.votes}, {"approved", t.approved}, {"approval_rate", t.rate()}};
}

int run(std::vector<std::string> args) {
  ValidationTrialParams params;
  std::uint64_t seeds = 20;
  std::uint64_t first_seed = 1;
  bool json = false;
  std::string records_path;
  CLI::App app{"Validation: approval of true vs poisoned signatures by honest validators", "dais-bench validate"};
  app.add_option("--seeds", seeds, "number of seeds")->check(CLI::Range(1, 100000));
  app.add_option("--first-seed", first_seed, "first seed (seeds first..first+N-1)");
  app.add_option("--agents", params.agents, "agents per trial")->check(CLI::Range(2, 1000));
  app.add_option("--flows", params.flows_per_step, "benign flows per agent per step")->check(CLI::Range(1, 100000));
  app.add_option("--similarity-threshold", params.validation.similarity_threshold, "cosine similarity threshold");
  app.add_option("--score-threshold", params.validation.score_threshold, "minimum model score of the centroid");
  app.add_option("--solo-threshold", params.validation.solo_score_threshold,
                 "model score that approves without corroboration");
  app.add_option("--extreme-z", params.validation.extreme_z, "per-feature |z| that corroborates on its own");
  app.add_option("--contamination", params.contamination, "detection threshold quantile")->check(CLI::Range(0.001, 0.5));
  app.add_flag("--json", json, "print one JSON object");
  app.add_option("--records", records_path, "write every vote as CSV to this file");
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  params.keep_records = !records_path.empty();
  const auto start = std::chrono::steady_clock::now();
  ValidationTrialResult total;
  for (std::uint64_t s = 0; s < seeds; ++s) total.merge(dais::agents::run_validation_trial(first_seed + s, params));
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!records_path.empty()) {
    std::FILE* file = std::fopen(records_path.c_str(), "w");
    if (file == nullptr) throw std::runtime_error("cannot write " + records_path);
    std::fprintf(file, "seed,step,proposer,voter,category,detail,seen,approve,reason,score,similarity,confidence,"
                       "history_clean,history_flagged,match_clean,match_flagged,match_is_attacker\n");
    for (const auto& r : total.records) {
      std::fprintf(file, "%llu,%llu,%u,%u,%s,%s,%d,%d,%s,%.6f,%.6f,%.6f,%llu,%llu,%llu,%llu,%d\n",
                   static_cast<unsigned long long>(r.seed), static_cast<unsigned long long>(r.step), r.proposer,
                   r.voter, r.category.c_str(), r.detail.c_str(), r.seen ? 1 : 0, r.decision.approve ? 1 : 0,
                   std::string(dais::agents::name(r.decision.reason)).c_str(), r.decision.score,
                   r.decision.similarity, r.decision.confidence, static_cast<unsigned long long>(r.history_clean),
                   static_cast<unsigned long long>(r.history_flagged), static_cast<unsigned long long>(r.match_clean),
                   static_cast<unsigned long long>(r.match_flagged), r.match_is_attacker ? 1 : 0);
    }
    std::fclose(file);
  }

  nlohmann::ordered_json out;
  out["setting"] =
      "each agent: Isolation Forest (" + std::to_string(params.trees) + " trees, " + std::to_string(params.max_samples) +
      " samples, detection at the " + std::to_string(params.contamination) + " contamination quantile) trained on its own " +
      std::to_string(params.warmup_steps) + " benign warm-up steps; one campaign of each kind reaches every agent in a "
      "seeded order (" + std::to_string(params.propagation_delay) + " steps apart); an agent proposes each new signature "
      "it extracts from its last " + std::to_string(params.window_steps) + " steps, every other (honest) agent votes "
      "from its own model and view; each step a seeded Byzantine agent forges a signature for a benign pool address it "
      "observed, from that address's flows, centroid perturbed by N(0, p) per feature";
  out["seeds"] = seeds;
  out["first_seed"] = first_seed;
  out["agents"] = params.agents;
  out["similarity_threshold"] = params.validation.similarity_threshold;
  out["score_threshold"] = params.validation.score_threshold;
  out["solo_score_threshold"] = params.validation.solo_score_threshold;
  out["extreme_z"] = params.validation.extreme_z;
  out["true_signatures"] = total.true_signatures;
  out["true_votes"] = total.true_votes.votes;
  out["true_approved"] = total.true_votes.approved;
  out["true_approval_rate"] = total.true_votes.rate();
  out["poison_signatures"] = total.poison_signatures;
  out["poison_votes"] = total.poison_votes.votes;
  out["poison_approved"] = total.poison_votes.approved;
  out["poison_approval_rate"] = total.poison_votes.rate();
  out["honest_false_signatures"] = total.false_signatures;
  out["honest_false_votes"] = tally_json(total.false_votes);
  out["mimic_signatures"] = total.mimic_signatures;
  out["mimic_votes"] = tally_json(total.mimic_votes);
  out["true_votes_by_validators_already_hit"] = tally_json(total.true_votes_seen);
  out["true_votes_by_validators_not_yet_hit"] = tally_json(total.true_votes_unseen);
  for (const auto& [kind, t] : total.true_by_kind) out["true_by_kind"][kind] = tally_json(t);
  for (const auto& [p, t] : total.poison_by_perturbation) out["poison_by_perturbation"][p] = tally_json(t);
  out["true_vote_reasons"] = total.true_reasons;
  out["poison_vote_reasons"] = total.poison_reasons;
  out["seconds"] = elapsed;

  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& [key, value] : out.items()) {
    if (value.is_number_float()) {
      std::printf("%-38s %.6g\n", key.c_str(), value.get<double>());
    } else {
      std::printf("%-38s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
  }
  return 0;
}

const dais::bench::Registration registration("validate", "validation: true vs poisoned signature approval rates", run);

}  // namespace

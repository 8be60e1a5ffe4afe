// dais-bench iforest: fits and scores an Isolation Forest on a labelled CSV over
// several seeds (single thread, fit on all rows, score all rows) and compares
// ROC AUC and time with scikit-learn's figures from REFERENCE.md. Times are
// medians over the seeds, wall clock (speedup) and this thread's CPU time
// (speedup_cpu, the figure that holds on a machine other work shares).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "agents/isolation_forest.h"
#include "agents/roc_auc.h"
#include "tools/bench/csv.h"
#include "tools/bench/iforest_reference.h"
#include "tools/bench/registry.h"

namespace {

using dais::agents::ForestParams;
using dais::agents::IsolationForest;
using Clock = std::chrono::steady_clock;
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this thread: on a shared machine, wall time also counts the time other people's
// work held the core; scikit-learn's reference figures are wall times of an otherwise idle run.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Options {
  std::string csv;
  int seeds = 10;
  std::size_t trees = 100;
  std::size_t samples = 256;
  bool json = false;
  std::string reference_path = std::string(DAIS_SHARED_DATA) + "/if/REFERENCE.md";
  double reference_fit_s = kNone, reference_score_s = kNone, reference_auc = kNone;
};

int run(std::vector<std::string> args) {
  Options options;
  CLI::App app{"Isolation Forest: ROC AUC and speed against scikit-learn", "dais-bench iforest"};
  app.add_option("--csv", options.csv, "labelled CSV: header, numeric features, final 0/1 label")->required();
  app.add_option("--seeds", options.seeds, "seeds 0..N-1")->check(CLI::Range(1, 1000000));
  app.add_option("--trees", options.trees, "n_estimators")->check(CLI::Range(1, 1000000));
  app.add_option("--samples", options.samples, "max_samples (the forest uses min(samples, rows))")
      ->check(CLI::Range(1, 1 << 30));
  app.add_flag("--json", options.json, "print one JSON object");
  app.add_option("--reference", options.reference_path, "REFERENCE.md with scikit-learn's figures");
  app.add_option("--reference-fit-s", options.reference_fit_s, "scikit-learn fit seconds (overrides the table)");
  app.add_option("--reference-score-s", options.reference_score_s, "scikit-learn score seconds (overrides)");
  app.add_option("--reference-auc", options.reference_auc, "scikit-learn AUC mean (overrides)");
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  const dais::bench::LabelledTable table = dais::bench::load_labelled_csv(options.csv);
  const std::string file_name = std::filesystem::path(options.csv).filename().string();
  const std::size_t anomalies = static_cast<std::size_t>(std::count(table.labels.begin(), table.labels.end(), 1));

  std::vector<double> aucs, fit_times, score_times, fit_cpu_times, score_cpu_times, tree_bytes, tree_nodes;
  std::vector<double> scores(table.rows());
  std::size_t max_samples_used = 0;
  for (int seed = 0; seed < options.seeds; ++seed) {
    ForestParams params;
    params.n_estimators = options.trees;
    params.max_samples = options.samples;
    params.seed = static_cast<std::uint64_t>(seed);
    const auto fit_start = Clock::now();
    double cpu = thread_cpu_seconds();
    const IsolationForest forest = IsolationForest::fit(table.features, table.cols(), params);
    fit_times.push_back(seconds_since(fit_start));
    fit_cpu_times.push_back(thread_cpu_seconds() - cpu);
    const auto score_start = Clock::now();
    cpu = thread_cpu_seconds();
    forest.score(table.features, table.cols(), scores);
    score_times.push_back(seconds_since(score_start));
    score_cpu_times.push_back(thread_cpu_seconds() - cpu);
    aucs.push_back(dais::agents::roc_auc(scores, table.labels));
    tree_bytes.push_back(static_cast<double>(forest.memory_bytes()) / static_cast<double>(forest.tree_count()));
    tree_nodes.push_back(static_cast<double>(forest.node_count()) / static_cast<double>(forest.tree_count()));
    max_samples_used = forest.max_samples();
  }
  double auc_mean = 0.0;
  for (const double a : aucs) auc_mean += a;
  auc_mean /= static_cast<double>(aucs.size());
  double variance = 0.0;
  for (const double a : aucs) variance += (a - auc_mean) * (a - auc_mean);
  const double auc_std = std::sqrt(variance / static_cast<double>(aucs.size()));  // numpy's default ddof=0
  const double fit_s = median(fit_times), score_s = median(score_times);
  const double fit_cpu_s = median(fit_cpu_times), score_cpu_s = median(score_cpu_times);
  double bytes_per_tree = 0.0, nodes_per_tree = 0.0;
  for (std::size_t i = 0; i < tree_bytes.size(); ++i) {
    bytes_per_tree += tree_bytes[i] / static_cast<double>(tree_bytes.size());
    nodes_per_tree += tree_nodes[i] / static_cast<double>(tree_nodes.size());
  }

  std::optional<dais::bench::IforestReference> reference;
  if (std::filesystem::exists(options.reference_path)) {
    for (const auto& row : dais::bench::load_iforest_reference(options.reference_path)) {
      if (row.file == file_name) reference = row;
    }
  }
  // Command-line figures win over the table; NaN means "no reference".
  const double ref_fit = !std::isnan(options.reference_fit_s) ? options.reference_fit_s
                         : reference                          ? reference->fit_s
                                                              : kNone;
  const double ref_score = !std::isnan(options.reference_score_s) ? options.reference_score_s
                           : reference                            ? reference->score_s
                                                                  : kNone;
  const double ref_auc = !std::isnan(options.reference_auc) ? options.reference_auc
                         : reference                        ? reference->auc_mean
                                                            : kNone;

  nlohmann::ordered_json out;
  out["dataset"] = file_name;
  out["rows"] = table.rows();
  out["features"] = table.cols();
  out["anomalies"] = anomalies;
  out["seeds"] = options.seeds;
  out["trees"] = options.trees;
  out["max_samples"] = max_samples_used;
  out["auc_mean"] = auc_mean;
  out["auc_std"] = auc_std;
  out["fit_s"] = fit_s;
  out["score_s"] = score_s;
  out["fit_cpu_s"] = fit_cpu_s;
  out["score_cpu_s"] = score_cpu_s;
  out["nodes_per_tree"] = nodes_per_tree;
  out["memory_per_tree_bytes"] = bytes_per_tree;
  if (!std::isnan(ref_auc)) {
    out["sklearn_auc_mean"] = ref_auc;
    out["auc_delta"] = auc_mean - ref_auc;
  }
  if (reference) out["sklearn_auc_std"] = reference->auc_std;
  if (!std::isnan(ref_fit) && !std::isnan(ref_score)) {
    out["sklearn_fit_s"] = ref_fit;
    out["sklearn_score_s"] = ref_score;
    out["speedup"] = (ref_fit + ref_score) / (fit_s + score_s);
    out["speedup_cpu"] = (ref_fit + ref_score) / (fit_cpu_s + score_cpu_s);
  }

  if (options.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& [key, value] : out.items()) {
    if (value.is_number_float()) {
      std::printf("%-22s %.6g\n", key.c_str(), value.get<double>());
    } else {
      std::printf("%-22s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
  }
  if (std::isnan(ref_auc) && std::isnan(ref_fit)) std::printf("(no scikit-learn reference for %s)\n", file_name.c_str());
  return 0;
}

const dais::bench::Registration registration("iforest", "Isolation Forest ROC AUC and speed vs scikit-learn", run);

}  // namespace

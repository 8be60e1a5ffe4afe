// dais-experiment: runs a parameter sweep of daisd simulations described by a YAML file and
// writes per-run and per-point tables and SVG charts. See docs/RESULTS.md for the file format
// and shipped experiments. Exit codes: 0 every run done, 1 some run failed, 2 bad file or
// arguments (nothing run), 130 interrupted.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/experiment/grid.h"
#include "tools/experiment/plots.h"
#include "tools/experiment/process.h"
#include "tools/experiment/progress_display.h"
#include "tools/experiment/results.h"
#include "tools/experiment/runner.h"
#include "tools/experiment/spec.h"
#include "tools/experiment/svg_chart.h"

namespace fs = std::filesystem;
using namespace dais::experiment;

namespace {

constexpr int kRunFailed = 1;
constexpr int kUsageError = 2;
constexpr int kInterrupted = 130;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR so the runner notices at once
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

fs::path default_daisd() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path("daisd") : self.parent_path() / "daisd";
}

// Written beside and renamed, so a reader never sees half a table.
void write_file(const fs::path& path, const std::string& content) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

std::vector<std::string> settings_arguments(const ExperimentSpec& spec, const Point& point) {
  std::vector<std::string> args;
  if (spec.config_file) args.insert(args.end(), {"--config", spec.config_file->string()});
  for (const auto& s : spec.base) args.insert(args.end(), {"--set", s.key + "=" + s.value});
  for (const auto& s : point.swept) args.insert(args.end(), {"--set", s.key + "=" + s.value});
  return args;
}

// daisd validates every point's configuration before any run starts, so a typo in a key or an
// out-of-range value stops the sweep at once with daisd's own message.
bool preflight(const fs::path& daisd, const ExperimentSpec& spec, const std::vector<Point>& points,
               const fs::path& out) {
  const fs::path folder = out / "preflight";
  fs::create_directories(folder);
  for (const auto& point : points) {
    std::vector<std::string> argv = {daisd.string()};
    const auto settings = settings_arguments(spec, point);
    argv.insert(argv.end(), settings.begin(), settings.end());
    argv.push_back("--print-config");
    const std::string name = point_name(point);
    const std::string stdout_path = (folder / (name + ".config.txt")).string();
    const std::string stderr_path = (folder / (name + ".stderr.txt")).string();
    const int code = run_process(argv, stdout_path, stderr_path);
    if (code != 0) {
      std::fprintf(stderr, "dais-experiment: daisd rejects the configuration of point %s (exit %d):\n%s", name.c_str(),
                   code, tail_of_file(stderr_path, 10).c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dais-experiment: runs a sweep of daisd simulations over configuration keys and seeds, each run a "
               "separate daisd process with its own replayable log in OUT/runs/<name>/, then writes runs.csv, "
               "summary.csv (mean and 95 % CI per point), summary.md and SVG charts into OUT. Re-running with the same "
               "--out skips runs already done."};
  std::string file, out_dir, daisd_option;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
  app.add_option("FILE", file, "Experiment file (YAML: name, description, config, base, grid, seeds, threads)")->required();
  app.add_option("--out", out_dir, "Output directory (created if absent)")->required();
  app.add_option("--jobs,-j", jobs, "daisd processes at a time (default: number of cores)")->check(CLI::Range(1u, 1024u));
  app.add_option("--daisd", daisd_option, "daisd program (default: the one beside dais-experiment)");
  app.add_flag("--quiet,-q", quiet, "No progress output (failed runs are still reported)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }

  ExperimentSpec spec;
  std::vector<Point> points;
  std::vector<RunPlan> plans;
  try {
    spec = load_spec(file);
    points = expand_grid(spec.grid);
    plans = plan_runs(points, spec.seeds);
  } catch (const SpecError& e) {
    std::fprintf(stderr, "dais-experiment: %s\n", e.what());
    return kUsageError;
  }
  if (spec.config_file && !fs::is_regular_file(*spec.config_file)) {
    std::fprintf(stderr, "dais-experiment: %s: `config` names %s, which is not a readable file\n", file.c_str(),
                 spec.config_file->string().c_str());
    return kUsageError;
  }
  const fs::path daisd = daisd_option.empty() ? default_daisd() : fs::path(daisd_option);
  if (::access(daisd.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "dais-experiment: cannot run daisd at %s (give its path with --daisd)\n", daisd.c_str());
    return kUsageError;
  }

  const fs::path out = out_dir;
  try {
    fs::create_directories(out / "runs");
    fs::copy_file(file, out / "experiment.yaml", fs::copy_options::overwrite_existing);
    if (!preflight(daisd, spec, points, out)) return kUsageError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dais-experiment: %s\n", e.what());
    return kUsageError;
  }

  std::vector<RunJob> run_jobs_list;
  for (const auto& plan : plans) {
    RunJob job;
    job.name = plan.name;
    job.directory = out / "runs" / plan.name;
    job.argv = {daisd.string()};
    const auto settings = settings_arguments(spec, points[plan.point]);
    job.argv.insert(job.argv.end(), settings.begin(), settings.end());
    job.argv.insert(job.argv.end(), {"--seed", std::to_string(plan.seed), "--threads", std::to_string(spec.threads), "--quiet"});
    run_jobs_list.push_back(std::move(job));
  }

  install_stop_handlers();
  const auto mode = quiet ? ProgressDisplay::Mode::quiet
                          : (::isatty(STDERR_FILENO) ? ProgressDisplay::Mode::bar : ProgressDisplay::Mode::lines);
  ProgressDisplay progress(plans.size(), mode);
  if (!quiet) {
    std::fprintf(stderr, "dais-experiment: %s: %zu points x %zu seeds = %zu runs, %u at a time, into %s\n",
                 spec.name.c_str(), points.size(), spec.seeds.size(), plans.size(), jobs, out.c_str());
  }
  std::vector<RunResult> results;
  try {
    results = run_jobs(run_jobs_list, jobs, progress, g_stop);
  } catch (const std::exception& e) {
    progress.close();
    std::fprintf(stderr, "dais-experiment: %s\n", e.what());
    return kRunFailed;
  }
  progress.close();

  std::vector<RunRecord> records;
  std::size_t failed = 0, interrupted = 0;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (results[i].status == RunStatus::failed) ++failed;
    if (results[i].status == RunStatus::interrupted) ++interrupted;
    if (results[i].status != RunStatus::completed && results[i].status != RunStatus::skipped) continue;
    const fs::path summary_file = summary_path(run_jobs_list[i].directory);
    try {
      std::ifstream in(summary_file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      records.push_back({plans[i].point, plans[i].seed, plans[i].name, parse_summary(text.str())});
    } catch (const std::exception& e) {
      ++failed;
      std::fprintf(stderr, "dais-experiment: run %s FAILED: its summary %s is unreadable: %s\n", plans[i].name.c_str(),
                   summary_file.c_str(), e.what());
    }
  }

  try {
    const auto summaries = summarize(points.size(), records);
    write_file(out / "runs.csv", runs_csv(spec.grid, points, records));
    write_file(out / "summary.csv", summary_csv(spec.grid, points, summaries));
    write_file(out / "summary.md", summary_markdown(spec.grid, points, summaries));
    const auto charts = sweep_charts(spec.name, spec.grid, points, summaries);
    for (const auto& chart : charts) write_file(out / chart.file_name, render_svg(chart.chart));
    if (!quiet) {
      std::fprintf(stderr,
                   "dais-experiment: %zu runs: %zu completed, %zu skipped (already done), %zu failed%s; wrote %s "
                   "(runs.csv, summary.csv, summary.md, %zu charts)\n",
                   plans.size(), progress.completed(), progress.skipped(), failed,
                   interrupted ? (", " + std::to_string(interrupted) + " interrupted").c_str() : "", out.c_str(),
                   charts.size());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dais-experiment: %s\n", e.what());
    return kRunFailed;
  }
  if (interrupted) return kInterrupted;
  if (failed) {
    std::fprintf(stderr, "dais-experiment: %zu of %zu runs failed (see the messages above and each run's stderr.txt)\n",
                 failed, plans.size());
    return kRunFailed;
  }
  return 0;
}

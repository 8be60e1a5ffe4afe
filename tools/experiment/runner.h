// Runs a sweep's daisd processes, `parallel` at a time, each with its own data directory, and
// its other files beside it (daisd refuses a data directory holding anything but its log):
//   DIR/runs/<name>/               the LMDB log (`dais-replay DIR/runs/<name>` re-runs it)
//   DIR/runs/<name>.summary.json   daisd's --summary-json, kept only when daisd exits 0
//   DIR/runs/<name>.command.txt    the daisd arguments; DIR/runs/<name>.std{out,err}.txt
// A run whose summary exists and whose command matches is skipped (resumable sweeps); any
// other existing run is removed and starts afresh. A failed run does not
// stop the others. When *stop becomes true (a signal), no new run starts, running ones get
// SIGTERM and end as interrupted, and their summaries are discarded.
// Single-threaded; it reaps children with waitpid(-1), so the caller must have no other children.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

namespace dais::experiment {

struct RunJob {
  std::string name;
  std::filesystem::path directory;
  std::vector<std::string> argv;  // argv[0] is daisd; without --data and --summary-json (added here)
};

enum class RunStatus { completed, skipped, failed, interrupted };

struct RunResult {
  RunStatus status = RunStatus::interrupted;
  int exit_code = 0;
  std::string error;  // for failed runs: the exit code and the end of daisd's stderr
  double seconds = 0.0;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void started(const RunJob& job) = 0;
  virtual void finished(const RunJob& job, const RunResult& result) = 0;
};

std::filesystem::path summary_path(const std::filesystem::path& run_directory);
std::filesystem::path command_path(const std::filesystem::path& run_directory);
std::filesystem::path stdout_path(const std::filesystem::path& run_directory);
std::filesystem::path stderr_path(const std::filesystem::path& run_directory);

std::vector<RunResult> run_jobs(const std::vector<RunJob>& jobs, unsigned parallel, RunObserver& observer,
                                const std::atomic<bool>& stop);

}  // namespace dais::experiment

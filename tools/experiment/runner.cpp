#include "tools/experiment/runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "tools/experiment/process.h"

namespace dais::experiment {
namespace {

namespace fs = std::filesystem;

// The daisd program path is left out: moving the build must not invalidate finished runs.
std::string command_text(const RunJob& job) {
  std::string text;
  for (std::size_t i = 1; i < job.argv.size(); ++i) text += job.argv[i] + "\n";
  return text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path beside(const fs::path& run_directory, const std::string& suffix) {
  return run_directory.string() + suffix;
}

bool already_done(const RunJob& job) {
  return fs::exists(summary_path(job.directory)) && fs::exists(command_path(job.directory)) &&
         read_file(command_path(job.directory)) == command_text(job);
}

fs::path partial_summary_path(const fs::path& run_directory) { return beside(run_directory, ".summary.json.partial"); }

pid_t launch(const RunJob& job) {
  // daisd resumes a log it finds; a run without a summary starts afresh instead, because its
  // configuration may have changed since.
  std::error_code ignored;
  fs::remove_all(job.directory, ignored);
  fs::remove(summary_path(job.directory), ignored);
  fs::create_directories(job.directory);
  {
    std::ofstream command(command_path(job.directory), std::ios::binary);
    command << command_text(job);
    if (!command) throw std::runtime_error("cannot write " + command_path(job.directory).string());
  }
  std::vector<std::string> argv = job.argv;
  argv.insert(argv.end(), {"--data", job.directory.string(), "--summary-json", partial_summary_path(job.directory).string()});
  return spawn_process(argv, stdout_path(job.directory).string(), stderr_path(job.directory).string());
}

RunResult conclude(const RunJob& job, int exit_code, bool interrupted) {
  RunResult result;
  result.exit_code = exit_code;
  const fs::path partial = partial_summary_path(job.directory);
  if (interrupted) {
    result.status = RunStatus::interrupted;
    std::error_code ignored;
    fs::remove(partial, ignored);
    return result;
  }
  if (exit_code == 0 && fs::exists(partial)) {
    fs::rename(partial, summary_path(job.directory));
    result.status = RunStatus::completed;
    return result;
  }
  result.status = RunStatus::failed;
  result.error = "daisd exited with code " + std::to_string(exit_code) +
                 (exit_code == 0 ? " but wrote no summary" : "") + "; its stderr ended with:\n" +
                 tail_of_file(stderr_path(job.directory).string(), 20);
  return result;
}

}  // namespace

fs::path summary_path(const fs::path& run_directory) { return beside(run_directory, ".summary.json"); }
fs::path command_path(const fs::path& run_directory) { return beside(run_directory, ".command.txt"); }
fs::path stdout_path(const fs::path& run_directory) { return beside(run_directory, ".stdout.txt"); }
fs::path stderr_path(const fs::path& run_directory) { return beside(run_directory, ".stderr.txt"); }

std::vector<RunResult> run_jobs(const std::vector<RunJob>& jobs, unsigned parallel, RunObserver& observer,
                                const std::atomic<bool>& stop) {
  using clock = std::chrono::steady_clock;
  if (parallel == 0) parallel = 1;
  std::vector<RunResult> results(jobs.size());
  struct Running {
    std::size_t job;
    clock::time_point started;
  };
  std::map<pid_t, Running> running;
  std::size_t next = 0;
  bool terminated_children = false;
  while (true) {
    while (!stop.load() && running.size() < parallel && next < jobs.size()) {
      const RunJob& job = jobs[next];
      if (already_done(job)) {
        results[next].status = RunStatus::skipped;
        observer.finished(job, results[next]);
      } else {
        observer.started(job);
        try {
          running[launch(job)] = {next, clock::now()};
        } catch (const std::exception& e) {
          results[next].status = RunStatus::failed;
          results[next].exit_code = -1;
          results[next].error = e.what();
          observer.finished(job, results[next]);
        }
      }
      ++next;
    }
    if (running.empty()) break;
    if (stop.load() && !terminated_children) {
      for (const auto& entry : running) ::kill(entry.first, SIGTERM);
      terminated_children = true;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waiting for daisd failed: ") + std::strerror(errno));
    }
    const auto found = running.find(pid);
    if (found == running.end()) continue;
    const Running done = found->second;
    running.erase(found);
    RunResult& result = results[done.job];
    result = conclude(jobs[done.job], exit_code_of(status), stop.load());
    result.seconds = std::chrono::duration<double>(clock::now() - done.started).count();
    observer.finished(jobs[done.job], result);
  }
  return results;  // runs never started because of a stop keep status `interrupted`
}

}  // namespace dais::experiment

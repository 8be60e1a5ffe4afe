// Running the programs this tree builds, as the end-to-end tests do.
// ChildProcess starts a program (argv[0] is a path: no shell, no PATH search)
// with stdin from /dev/null and stdout and stderr appended to files, so a test
// can read them while the program runs; it can be signalled and waited for
// with a deadline. One still running when destroyed is killed (SIGKILL) and
// reaped, so a failed REQUIRE never leaves a daisd behind.
// run() starts one, waits for it and returns its exit code and its output.
// Exit codes are the program's own, or 128 + the signal that ended it.
// Errors: a program that cannot be started throws std::runtime_error.
// Not thread-safe: one thread owns a ChildProcess. POSIX only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dais::test {

// Variables set for a child on top of the test's own environment (replacing a variable of the same name).
using Environment = std::vector<std::pair<std::string, std::string>>;

class ChildProcess {
 public:
  // Starts argv with stdout appended to `out_file` and stderr to `err_file`. The same path for
  // both keeps the two streams interleaved in the order written, as `2>&1` does.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
               const std::filesystem::path& err_file, const Environment& env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Sends signal `number`; false once the child has been reaped or when kill() fails.
  bool signal(int number);
  // The exit code, or nullopt if the child still runs at the deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // The exit code, however long that takes.
  int wait();
  bool running() { return !wait(std::chrono::milliseconds(0)).has_value(); }

 private:
  void record(int status);

  pid_t pid_ = 0;
  std::optional<int> exit_code_;
};

enum class Streams {
  separate,  // stdout in RunResult::output, stderr in RunResult::errors
  merged,    // both in RunResult::output, interleaved as written
};

struct RunOptions {
  Environment env = {};
  Streams streams = Streams::separate;
  // Only a hung program reaches this; it is then killed.
  std::chrono::milliseconds timeout = std::chrono::minutes(2);
};

struct RunResult {
  int exit_code = -1;  // -1 when the program outlived the timeout
  bool timed_out = false;
  std::string output;
  std::string errors;  // empty with Streams::merged
};

// Runs argv to its end (or the timeout) and returns what it printed.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// The path of a program this tree builds, e.g. program("daisd").
std::string program(std::string_view name);

}  // namespace dais::test

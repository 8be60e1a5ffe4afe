#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/temp_dir.h"
#include "tests/support/text_files.h"

extern char** environ;

namespace dais::test {

namespace {

// The test's environment with `extra` set on top, as "NAME=value" strings.
std::vector<std::string> environment_with(const Environment& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    bool replaced = false;
    for (const auto& [name, value] : extra) replaced = replaced || text.substr(0, text.find('=')) == name;
    if (!replaced) out.emplace_back(text);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
                           const std::filesystem::path& err_file, const Environment& env) {
  if (argv.empty()) throw std::runtime_error("ChildProcess: no program given");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  constexpr int kAppend = O_WRONLY | O_CREAT | O_APPEND;
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), kAppend, 0644);
  if (err_file == out_file) {
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_file.c_str(), kAppend, 0644);
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> variables = environment_with(env);
  const auto arg_pointers = pointers_to(args);
  const auto env_pointers = pointers_to(variables);
  const int rc = posix_spawn(&pid_, arg_pointers[0], &actions, nullptr, arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

ChildProcess::~ChildProcess() {
  if (exit_code_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

bool ChildProcess::signal(int number) { return !exit_code_ && ::kill(pid_, number) == 0; }

void ChildProcess::record(int status) {
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exit_code_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      record(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_code_;
}

int ChildProcess::wait() {
  while (!exit_code_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, 0);
    if (done == pid_) record(status);
    else if (done < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  }
  return *exit_code_;
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  const TempDir capture;
  const auto out_file = capture / "stdout";
  const auto err_file = options.streams == Streams::merged ? out_file : capture / "stderr";
  RunResult result;
  {
    ChildProcess child(argv, out_file, err_file, options.env);
    const auto code = child.wait(options.timeout);
    result.timed_out = !code.has_value();
    result.exit_code = code.value_or(-1);
  }  // a child that timed out is killed here, before its output is read
  result.output = read_text(out_file);
  if (options.streams == Streams::separate) result.errors = read_text(err_file);
  return result;
}

std::string program(std::string_view name) { return std::string(DAIS_BIN_DIR) + "/" + std::string(name); }

}  // namespace dais::test

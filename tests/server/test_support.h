// Helpers shared by the server tests: temporary directories, small configurations,
// running a child process and reading its output.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <random>
#include <string>
#include <utility>

#include "config/config.h"

namespace dais::test {

class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path();
    std::random_device rd;  // only names a scratch directory; never reaches a result
    path_ = base / ("dais-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A small, fast configuration; `overrides` are (key, value) pairs applied on top.
inline config::Config small_config(std::initializer_list<std::pair<const char*, const char*>> overrides = {}) {
  config::Config c;
  c.set_text("simulation.agents", "8", "test");
  c.set_text("simulation.steps", "30", "test");
  c.set_text("simulation.seed", "42", "test");
  c.set_text("traffic.flows_per_step", "30", "test");
  c.set_text("traffic.first_campaign_step", "3", "test");
  c.set_text("traffic.campaign_interval", "6", "test");
  c.set_text("traffic.campaigns", "4", "test");
  c.set_text("traffic.propagation_delay", "2", "test");
  c.set_text("detector.trees", "40", "test");
  c.set_text("detector.window", "600", "test");
  c.set_text("detector.retrain_interval", "10", "test");
  c.set_text("store.sync", "none", "test");
  for (const auto& [key, value] : overrides) c.set_text(key, value, "test");
  return c;
}

struct CommandResult {
  int status = -1;  // exit code, or 128 + signal
  std::string output;  // stdout and stderr
};

// Runs a shell command, capturing stdout and stderr together.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe)) result.output += buf.data();
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return result;
}

inline std::string bin(const std::string& name) { return std::string(DAIS_BIN_DIR) + "/" + name; }

}  // namespace dais::test

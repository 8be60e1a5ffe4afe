// The kill test: `daisd --steps 300` in sync mode is killed with SIGKILL at
// random moments, restarted each time with the same command, and must end
// with the head hash of an uninterrupted run; every restart finds a chain
// that verifies.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/server/test_support.h"

using dais::test::bin;
using dais::test::run_command;

namespace {

const std::vector<std::string> kArgs = {"--steps", "300", "--agents", "5", "--seed", "11", "--quiet",
                                        "--set", "traffic.flows_per_step=20", "--set", "detector.trees=25",
                                        "--set", "detector.window=400", "--set", "store.sync=full",
                                        "--set", "traffic.first_campaign_step=5", "--set", "faults.crash_rate=0.02",
                                        // Pacing (not part of what is simulated) keeps a run longer than
                                        // the kill delays on a fast machine, so every kill lands mid-run.
                                        "--set", "simulation.step_interval_ms=4"};

pid_t start_daisd(const std::filesystem::path& data, const std::filesystem::path& summary) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<std::string> args = {bin("daisd"), "--data", data.string(), "--summary-json", summary.string()};
    args.insert(args.end(), kArgs.begin(), kArgs.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

std::string head_hash(const std::filesystem::path& summary) {
  std::ifstream in(summary);
  return nlohmann::json::parse(in).at("head_hash").get<std::string>();
}

}  // namespace

TEST_CASE("daisd killed with SIGKILL at random moments and restarted ends with the uninterrupted head hash") {
  dais::test::TempDir tmp;
  const auto reference = tmp / "reference";
  {
    const pid_t pid = start_daisd(reference, tmp / "reference.json");
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  const auto expected = head_hash(tmp / "reference.json");

  const auto data = tmp / "killed";
  std::mt19937 rng(20261123);  // fixed: the kill moments are arbitrary but reproducible
  std::uniform_int_distribution<int> delay_ms(20, 120);
  int kills = 0;
  for (int attempt = 0; attempt < 40 && kills < 12; ++attempt) {
    const pid_t pid = start_daisd(data, tmp / "killed.json");
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      REQUIRE(WIFEXITED(status));
      REQUIRE(WEXITSTATUS(status) == 0);
      break;  // it finished before we could kill it
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ++kills;
    if (std::filesystem::exists(data / "data.mdb")) {
      const auto verify = run_command(bin("dais-verify") + " " + data.string());
      INFO("after kill " << kills << ": " << verify.output);
      REQUIRE(verify.status == 0);
    }
  }
  INFO("kills: " << kills);
  CHECK(kills >= 10);
  const pid_t pid = start_daisd(data, tmp / "killed.json");
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(head_hash(tmp / "killed.json") == expected);
}

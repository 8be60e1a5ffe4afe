// daisd and dais-replay as a user runs them: a --steps run with a summary,
// a second start on a finished run, resume after an interruption, errors for
// bad configuration and foreign directories (exit 2, nothing changed), and
// SIGTERM ending a served run cleanly.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/server/test_support.h"

using dais::test::bin;
using dais::test::run_command;

namespace {
const std::string kSmall =
    " --agents 6 --seed 7 --set traffic.flows_per_step=25 --set detector.trees=30 --set detector.window=500"
    " --set traffic.first_campaign_step=2 --set traffic.campaign_interval=5 --set store.sync=none --quiet";

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("daisd --steps runs, prints a summary, writes --summary-json, and the log verifies and replays") {
  dais::test::TempDir tmp;
  const auto data = tmp / "data";
  const auto summary = tmp / "summary.json";
  const auto r = run_command(bin("daisd") + " --data " + data.string() + " --steps 25" + kSmall +
                             " --summary-json " + summary.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("precision") != std::string::npos);
  const auto s = read_json(summary);
  for (const char* key : {"steps", "agents", "proposed", "accepted", "rejected", "votes", "precision", "recall", "f1",
                          "time_to_protect_mean", "protected_before_hit", "poisoned_accepted", "benign_blocked",
                          "agent_steps_per_s", "head_seq", "head_hash"}) {
    CHECK_MESSAGE(s.contains(key), key);
  }
  CHECK(s["steps"] == 25);
  CHECK(s["agents"] == 6);
  CHECK(s["agent_steps_per_s"].get<double>() > 0);

  const auto verify = run_command(bin("dais-verify") + " " + data.string());
  CHECK_MESSAGE(verify.status == 0, verify.output);
  const auto replay = run_command(bin("dais-replay") + " --quiet " + data.string());
  CHECK_MESSAGE(replay.status == 0, replay.output);
  CHECK(replay.output.find(s["head_hash"].get<std::string>()) != std::string::npos);

  // A finished run is reported as finished and left as it is.
  const auto again = run_command(bin("daisd") + " --data " + data.string() + " --steps 25" + kSmall +
                                 " --summary-json " + (tmp / "again.json").string());
  CHECK(again.status == 0);
  CHECK(again.output.find("already finished") != std::string::npos);
  CHECK(read_json(tmp / "again.json")["head_hash"] == s["head_hash"]);
}

TEST_CASE("daisd continues a finished run with more steps, reproducing what one long run does") {
  dais::test::TempDir tmp;
  REQUIRE(run_command(bin("daisd") + " --data " + (tmp / "a").string() + " --steps 20" + kSmall +
                      " --summary-json " + (tmp / "a.json").string()).status == 0);
  REQUIRE(run_command(bin("daisd") + " --data " + (tmp / "b").string() + " --steps 8" + kSmall).status == 0);
  const auto extended = run_command(bin("daisd") + " --data " + (tmp / "b").string() + " --steps 20" + kSmall +
                                    " --summary-json " + (tmp / "b.json").string());
  INFO(extended.output);
  REQUIRE(extended.status == 0);
  const auto a = read_json(tmp / "a.json");
  const auto b = read_json(tmp / "b.json");
  CHECK(b["steps"] == 20);
  CHECK(b["live_steps"] == 12);
  // RunStarted records the step target (8 vs 20), so the hashes differ; everything simulated is the same.
  for (const char* key : {"events", "proposed", "accepted", "rejected", "votes", "precision", "recall",
                          "time_to_protect_mean", "protected_before_hit", "benign_blocked"}) {
    CHECK_MESSAGE(a[key] == b[key], key);
  }
  CHECK(run_command(bin("dais-replay") + " --quiet " + (tmp / "b").string()).status == 0);
}

TEST_CASE("daisd refuses bad configuration with exit 2 and a message naming key, value and source") {
  dais::test::TempDir tmp;
  auto r = run_command(bin("daisd") + " --data " + (tmp / "d").string() + " --set consensus.majority=1.5");
  CHECK(r.status == 2);
  CHECK(r.output.find("consensus.majority") != std::string::npos);
  CHECK(r.output.find("1.5") != std::string::npos);
  r = run_command("DAIS_SIMULATION__AGENTS=abc " + bin("daisd") + " --data " + (tmp / "d").string());
  CHECK(r.status == 2);
  CHECK(r.output.find("DAIS_SIMULATION__AGENTS") != std::string::npos);
  r = run_command(bin("daisd") + " --data " + (tmp / "d").string() + " --set simulation.agentz=3");
  CHECK(r.status == 2);
  CHECK(r.output.find("simulation.agentz") != std::string::npos);
  r = run_command(bin("daisd") + " --bogus-flag");
  CHECK(r.status == 2);
  CHECK_FALSE(std::filesystem::exists(tmp / "d"));
}

TEST_CASE("daisd --print-config shows each value with its source") {
  const auto r = run_command("DAIS_CONSENSUS__MAJORITY=0.66 " + bin("daisd") + " --print-config --agents 12");
  REQUIRE(r.status == 0);
  CHECK(r.output.find("--agents") != std::string::npos);
  CHECK(r.output.find("DAIS_CONSENSUS__MAJORITY") != std::string::npos);
  CHECK(r.output.find("0.66") != std::string::npos);
}

TEST_CASE("daisd refuses a directory holding something else and changes nothing in it") {
  dais::test::TempDir tmp;
  const auto dir = tmp / "not-a-log";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "notes.txt") << "precious";
  }
  const auto r = run_command(bin("daisd") + " --data " + dir.string() + " --steps 3" + kSmall);
  CHECK(r.status == 2);
  CHECK_FALSE(r.output.empty());
  CHECK(std::filesystem::exists(dir / "notes.txt"));
  CHECK_FALSE(std::filesystem::exists(dir / "data.mdb"));
}

TEST_CASE("SIGTERM stops a served run after the current step; the log verifies and the exit code is 0") {
  dais::test::TempDir tmp;
  const auto data = tmp / "served";
  const auto pid_file = tmp / "pid";
  const std::string command = bin("daisd") + " --data " + data.string() + " --steps 0 --serve --listen 127.0.0.1:0" +
                              kSmall + " --set simulation.step_interval_ms=20";
  // Start in the background, remember its pid, wait for it.
  const auto r = run_command("(" + command + " > " + (tmp / "out").string() + " 2>&1 & echo $! > " +
                             pid_file.string() + "; wait $!; echo exit=$? >> " + (tmp / "out").string() + ") >/dev/null 2>&1 &");
  CHECK(r.status == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::ifstream pid_in(pid_file);
  int pid = 0;
  pid_in >> pid;
  REQUIRE(pid > 0);
  const auto stop_sent = std::chrono::steady_clock::now();
  REQUIRE(::kill(pid, SIGTERM) == 0);
  std::string out;
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(tmp / "out");
    out.assign(std::istreambuf_iterator<char>(in), {});
    if (out.find("exit=") != std::string::npos) break;
  }
  INFO(out);
  CHECK(out.find("exit=0") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - stop_sent < std::chrono::seconds(5));
  CHECK(run_command(bin("dais-verify") + " " + data.string()).status == 0);
  CHECK(run_command(bin("dais-replay") + " --quiet " + data.string()).status == 0);
}

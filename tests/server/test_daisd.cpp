// daisd and dais-replay as a user runs them: a --steps run with a summary,
// a second start on a finished run, resume after an interruption, errors for
// bad configuration and foreign directories (exit 2, nothing changed), and
// SIGTERM ending a served run cleanly.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "events/events.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"

using dais::test::program;
using dais::test::run;
using dais::test::Streams;

namespace {
const std::vector<std::string> kSmall = {
    "--agents", "6", "--seed", "7", "--set", "traffic.flows_per_step=25", "--set", "detector.trees=30",
    "--set", "detector.window=500", "--set", "traffic.first_campaign_step=2", "--set", "traffic.campaign_interval=5",
    "--set", "store.sync=none", "--quiet"};
// Every run here reads stdout and stderr together, as a user at a terminal does.
const dais::test::RunOptions kMerged{.streams = Streams::merged};

// daisd's command line for a small run: `before`, the small run's flags, then `after`.
std::vector<std::string> small_daisd(const std::vector<std::string>& before,
                                     const std::vector<std::string>& after = {}) {
  std::vector<std::string> argv{program("daisd")};
  argv.insert(argv.end(), before.begin(), before.end());
  argv.insert(argv.end(), kSmall.begin(), kSmall.end());
  argv.insert(argv.end(), after.begin(), after.end());
  return argv;
}

nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}
}  // namespace

TEST_CASE("daisd --steps runs, prints a summary, writes --summary-json, and the log verifies and replays") {
  dais::TempDir tmp;
  const auto data = tmp / "data";
  const auto summary = tmp / "summary.json";
  const auto r =
      run(small_daisd({"--data", data.string(), "--steps", "25"}, {"--summary-json", summary.string()}), kMerged);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("precision") != std::string::npos);
  const auto s = read_json(summary);
  for (const char* key : {"steps", "agents", "proposed", "accepted", "rejected", "votes", "precision", "recall", "f1",
                          "time_to_protect_mean", "protected_before_hit", "poisoned_accepted", "benign_blocked",
                          "agent_steps_per_s", "head_seq", "head_hash", "never_protected",
                          "time_to_protect_censored_mean", "benign_blocked_per_agent_step",
                          "benign_signatures_accepted_per_agent_step", "by_kind"}) {
    CHECK_MESSAGE(s.contains(key), key);
  }
  for (const auto& [kind, figures] : s["by_kind"].items()) {
    CAPTURE(kind);
    for (const char* key : {"recall", "campaign_arrivals", "protected_before_hit", "never_protected",
                            "time_to_protect_mean", "time_to_protect_censored_mean"}) {
      CHECK_MESSAGE(figures.contains(key), key);
    }
  }
  CHECK(s["steps"] == 25);
  CHECK(s["agents"] == 6);
  CHECK(s["agent_steps_per_s"].get<double>() > 0);

  const auto verify = run({program("dais-verify"), data.string()}, kMerged);
  CHECK_MESSAGE(verify.exit_code == 0, verify.output);
  const auto replay = run({program("dais-replay"), "--quiet", data.string()}, kMerged);
  CHECK_MESSAGE(replay.exit_code == 0, replay.output);
  CHECK(replay.output.find(s["head_hash"].get<std::string>()) != std::string::npos);

  // A finished run is reported as finished and left as it is.
  const auto again = run(
      small_daisd({"--data", data.string(), "--steps", "25"}, {"--summary-json", (tmp / "again.json").string()}),
      kMerged);
  CHECK(again.exit_code == 0);
  CHECK(again.output.find("already finished") != std::string::npos);
  CHECK(read_json(tmp / "again.json")["head_hash"] == s["head_hash"]);
}

TEST_CASE("daisd continues a finished run with more steps, reproducing what one long run does") {
  dais::TempDir tmp;
  REQUIRE(run(small_daisd({"--data", (tmp / "a").string(), "--steps", "20"},
                          {"--summary-json", (tmp / "a.json").string()}),
              kMerged).exit_code == 0);
  REQUIRE(run(small_daisd({"--data", (tmp / "b").string(), "--steps", "8"}), kMerged).exit_code == 0);
  const auto extended = run(
      small_daisd({"--data", (tmp / "b").string(), "--steps", "20"}, {"--summary-json", (tmp / "b.json").string()}),
      kMerged);
  INFO(extended.output);
  REQUIRE(extended.exit_code == 0);
  const auto a = read_json(tmp / "a.json");
  const auto b = read_json(tmp / "b.json");
  CHECK(b["steps"] == 20);
  CHECK(b["live_steps"] == 12);
  // RunStarted records the step target (8 vs 20), so the hashes differ; everything simulated is the same.
  for (const char* key : {"events", "proposed", "accepted", "rejected", "votes", "precision", "recall",
                          "time_to_protect_mean", "protected_before_hit", "benign_blocked"}) {
    CHECK_MESSAGE(a[key] == b[key], key);
  }
  CHECK(run({program("dais-replay"), "--quiet", (tmp / "b").string()}, kMerged).exit_code == 0);
}

TEST_CASE("the log is the same for any thread count, listen address and sync mode, and replays") {
  // The configuration of the defect report: 30 agents, 25 steps, seed 11, crashes and Byzantine agents.
  dais::TempDir tmp;
  const std::vector<std::string> same_run = {"--agents", "30", "--steps", "25", "--seed", "11",
                                             "--set", "faults.crash_rate=0.05",
                                             "--set", "faults.byzantine_fraction=0.2", "--quiet"};
  const std::vector<std::vector<std::string>> variants = {
      {"--threads", "1", "--listen", "127.0.0.1:18081", "--set", "store.sync=none"},
      {"--threads", "2", "--listen", "127.0.0.1:18082", "--set", "store.sync=full"},
      {"--threads", "2", "--listen", "127.0.0.1:18081", "--set", "store.sync=none",
       "--set", "simulation.step_interval_ms=1"},
  };
  std::vector<std::string> heads;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const auto dir = tmp / ("v" + std::to_string(i));
    const auto summary = tmp / ("v" + std::to_string(i) + ".json");
    std::vector<std::string> argv{program("daisd"), "--data", dir.string(), "--summary-json", summary.string()};
    argv.insert(argv.end(), variants[i].begin(), variants[i].end());
    argv.insert(argv.end(), same_run.begin(), same_run.end());
    const auto r = run(argv, kMerged);
    INFO(i, r.output);
    REQUIRE(r.exit_code == 0);
    heads.push_back(read_json(summary)["head_hash"].get<std::string>());
  }
  CHECK(heads[0] == heads[1]);
  CHECK(heads[1] == heads[2]);
  const auto replay = run({program("dais-replay"), "--quiet", "--threads", "1", (tmp / "v1").string()}, kMerged);
  CHECK_MESSAGE(replay.exit_code == 0, replay.output);
  CHECK(replay.output.find(heads[0]) != std::string::npos);
  CHECK(replay.output.find("incomplete") == std::string::npos);
}

TEST_CASE("dais-replay says when the log it checked ends inside a step") {
  dais::TempDir tmp;
  const auto data = tmp / "data";
  REQUIRE(run(small_daisd({"--data", data.string(), "--steps", "12"}), kMerged).exit_code == 0);
  // The last step with more than its StepCompleted: --to the seq before that StepCompleted cuts it.
  std::uint64_t step = 0, to_seq = 0;
  std::size_t step_events = 0;
  {
    dais::eventstore::StoreOptions read_only;
    read_only.read_only = true;
    read_only.create = false;
    const auto store = dais::eventstore::Store::open(data, read_only);
    std::map<std::uint64_t, std::size_t> events_of_step;
    store->scan(1, [&](const dais::eventstore::StoredEvent& e) {
      const auto event = dais::events::parse_event(e.bytes);
      ++events_of_step[event.step];
      if (event.type == dais::events::type::step_completed && events_of_step[event.step] >= 2) {
        step = event.step;
        to_seq = e.seq - 1;
        step_events = events_of_step[event.step];
      }
      return true;
    });
  }
  REQUIRE(step_events >= 2);
  const auto cut = run({program("dais-replay"), "--quiet", "--to", std::to_string(to_seq), data.string()}, kMerged);
  INFO(cut.output);
  CHECK(cut.exit_code == 0);
  CHECK(cut.output.find("identical") != std::string::npos);
  CHECK(cut.output.find("incomplete: the last step (" + std::to_string(step) + ") is cut: the log holds " +
                        std::to_string(step_events - 1) + " of its " + std::to_string(step_events) + " events") !=
        std::string::npos);
  const auto as_json = run({program("dais-replay"), "--json", "--to", std::to_string(to_seq), data.string()});
  const auto j = nlohmann::json::parse(as_json.output);
  CHECK(j["complete"] == false);
  CHECK(j["incomplete_step"]["step"] == step);
  CHECK(j["incomplete_step"]["logged"] == step_events - 1);
  CHECK(j["incomplete_step"]["expected"] == step_events);
  // The whole log is complete.
  const auto whole = nlohmann::json::parse(run({program("dais-replay"), "--json", data.string()}).output);
  CHECK(whole["complete"] == true);
  CHECK_FALSE(whole.contains("incomplete_step"));
}

TEST_CASE("daisd refuses bad configuration with exit 2 and a message naming key, value and source") {
  dais::TempDir tmp;
  auto r = run({program("daisd"), "--data", (tmp / "d").string(), "--set", "consensus.majority=1.5"}, kMerged);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("consensus.majority") != std::string::npos);
  CHECK(r.output.find("1.5") != std::string::npos);
  r = run({program("daisd"), "--data", (tmp / "d").string()},
          {.env = {{"DAIS_SIMULATION__AGENTS", "abc"}}, .streams = Streams::merged});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("DAIS_SIMULATION__AGENTS") != std::string::npos);
  r = run({program("daisd"), "--data", (tmp / "d").string(), "--set", "simulation.agentz=3"}, kMerged);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("simulation.agentz") != std::string::npos);
  r = run({program("daisd"), "--bogus-flag"}, kMerged);
  CHECK(r.exit_code == 2);
  CHECK_FALSE(std::filesystem::exists(tmp / "d"));
}

TEST_CASE("values that used to break a run later are refused before the data folder is touched") {
  dais::TempDir tmp;
  const auto data = tmp / "d";
  struct Case {
    std::vector<std::string> args;
    const char* key;
  };
  const std::vector<Case> cases = {
      {{"--set", "consensus.protected=10.0.0.1,not-an-ip"}, "consensus.protected"},  // failed at step 10
      {{"--serve", "--listen", "localhost:0"}, "api.listen"},                       // failed at serve time
      {{"--set", "api.cors_origin=" + std::string(5000, 'x')}, "api.cors_origin"},  // went into the log
      {{"--config", "/dev/zero"}, "/dev/zero"},                                     // grew without end
  };
  for (const Case& c : cases) {
    CAPTURE(c.key);
    const auto r = run(small_daisd({"--data", data.string(), "--steps", "12"}, c.args), kMerged);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(c.key) != std::string::npos);
    CHECK(r.output.size() < 2000);
    CHECK_FALSE(std::filesystem::exists(data));
  }
  // An existing log is left byte for byte as it was.
  REQUIRE(run(small_daisd({"--data", data.string(), "--steps", "2"}), kMerged).exit_code == 0);
  const std::string before = dais::test::read_text(data / "data.mdb");
  const auto r = run(small_daisd({"--data", data.string(), "--steps", "12"}, {"--set", "consensus.protected=x"}), kMerged);
  CHECK(r.exit_code == 2);
  CHECK(dais::test::read_text(data / "data.mdb") == before);
}

TEST_CASE("daisd --print-config shows each value with its source") {
  const auto r = run({program("daisd"), "--print-config", "--agents", "12"},
                     {.env = {{"DAIS_CONSENSUS__MAJORITY", "0.66"}}, .streams = Streams::merged});
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("--agents") != std::string::npos);
  CHECK(r.output.find("DAIS_CONSENSUS__MAJORITY") != std::string::npos);
  CHECK(r.output.find("0.66") != std::string::npos);
}

TEST_CASE("daisd refuses a directory holding something else and changes nothing in it") {
  dais::TempDir tmp;
  const auto dir = tmp / "not-a-log";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "notes.txt") << "precious";
  }
  const auto r = run(small_daisd({"--data", dir.string(), "--steps", "3"}), kMerged);
  CHECK(r.exit_code == 2);
  CHECK_FALSE(r.output.empty());
  CHECK(std::filesystem::exists(dir / "notes.txt"));
  CHECK_FALSE(std::filesystem::exists(dir / "data.mdb"));
}

TEST_CASE("SIGTERM stops a served run after the current step; the log verifies and the exit code is 0") {
  dais::TempDir tmp;
  const auto data = tmp / "served";
  const auto out = tmp / "out";
  dais::test::ChildProcess daisd(small_daisd({"--data", data.string(), "--steps", "0", "--serve", "--listen",
                                              "127.0.0.1:0"},
                                             {"--set", "simulation.step_interval_ms=20"}),
                                 out, out);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto stop_sent = std::chrono::steady_clock::now();
  REQUIRE(daisd.signal(SIGTERM));
  const auto exit_code = daisd.wait(std::chrono::seconds(10));
  INFO(dais::test::read_text(out));
  CHECK(exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - stop_sent < std::chrono::seconds(5));
  CHECK(run({program("dais-verify"), data.string()}, kMerged).exit_code == 0);
  CHECK(run({program("dais-replay"), "--quiet", data.string()}, kMerged).exit_code == 0);
}

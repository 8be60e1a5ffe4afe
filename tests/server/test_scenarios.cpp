// The two scenarios end to end: the realistic default is deterministic for any
// thread count, resumes and replays to the same head; the classroom preset
// keeps its old defaults and its figures' shape (the four easy kinds found,
// low-and-slow never shared); a log without a scenario key is classroom.
#include <doctest/doctest.h>

#include <string>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "config/config.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

server::Run::Options options(unsigned threads, std::optional<std::uint64_t> steps = std::nullopt) {
  server::Run::Options o;
  o.version = DAIS_VERSION;
  o.threads = threads;
  o.steps = steps;
  return o;
}

std::string run_to_end(const std::filesystem::path& dir, const config::Config& cfg, unsigned threads) {
  auto store = test::open_store(dir);
  auto run = server::Run::open(*store, cfg, options(threads));
  while (!run->finished()) run->step();
  return to_hex(store->head().hash);
}

const server::RunSummary::Kind* kind(const server::RunSummary& s, const std::string& name) {
  for (const auto& k : s.by_kind)
    if (k.kind == name) return &k;
  return nullptr;
}

}  // namespace

TEST_CASE("the realistic default: same log for 1 and 2 threads, resume and replay reach the same head") {
  TempDir tmp;
  const auto cfg = test::small_config(
      {{"simulation.scenario", "realistic"}, {"traffic.campaigns", "6"}, {"faults.crash_rate", "0.03"}});
  REQUIRE(cfg.get_string("simulation.scenario") == "realistic");
  const auto one = run_to_end(tmp / "t1", cfg, 1);
  CHECK(run_to_end(tmp / "t2", cfg, 2) == one);

  {  // Stopped after 13 steps and resumed: the window is rebuilt, the log is the same.
    auto store = test::open_store(tmp / "r");
    auto run = server::Run::open(*store, cfg, options(2, 13));
    while (!run->finished()) run->step();
  }
  CHECK(run_to_end(tmp / "r", cfg, 1) == one);

  {  // An operator's mimicry attack, then replay from the log alone.
    auto store = test::open_store(tmp / "p");
    auto run = server::Run::open(*store, cfg, options(2));
    for (int i = 0; i < 4; ++i) run->step();
    const auto attack = run->attack_from_request(
        nlohmann::json{{"kind", "mimicry"}, {"sources", {"203.0.113.9"}}, {"targets", {1, 2, 3}}});
    run->append_operator_input(events::type::attack_injected, attack);
    while (!run->finished()) run->step();
  }
  auto store = test::open_store(tmp / "p");
  const auto head = store->head();
  auto replayed = server::Run::replay(*store, std::nullopt, options(1));
  CHECK(replayed->head().hash == head.hash);
}

TEST_CASE("the realistic scenario runs all six kinds, with network delay, and the distance changes the run") {
  TempDir tmp;
  const auto cfg =
      test::small_config({{"simulation.scenario", "realistic"}, {"traffic.campaigns", "6"}, {"simulation.steps", "45"}});
  auto store = test::open_store(tmp / "a");
  auto run = server::Run::open(*store, cfg, options(2));
  while (!run->finished()) run->step();
  CHECK(run->settings().network.delay_steps == 1);
  CHECK(run->settings().consensus.window == 6);
  const auto summary = run->summary();
  CHECK(kind(summary, "mimicry") != nullptr);
  CHECK(kind(summary, "low_and_slow") != nullptr);
  CHECK(run_to_end(tmp / "b",
                   test::small_config({{"simulation.scenario", "realistic"},
                                       {"traffic.campaigns", "6"},
                                       {"simulation.steps", "45"},
                                       {"traffic.attack_distance", "0"}}),
                   2) != to_hex(store->head().hash));
}

TEST_CASE("the classroom preset: old defaults, and the old figures' shape") {
  const config::Config classroom = test::small_config({{"simulation.scenario", "classroom"}});
  CHECK(classroom.get_int("network.delay_steps") == 0);
  CHECK(classroom.get_int("network.jitter_steps") == 0);
  CHECK(classroom.get_int("consensus.window") == 3);
  CHECK(classroom.get_double("detector.threshold") == doctest::Approx(0.62));
  CHECK(classroom.source("network.delay_steps") == "scenario classroom");

  TempDir tmp;
  const auto cfg = test::small_config({{"simulation.scenario", "classroom"},
                                       {"simulation.agents", "12"},
                                       {"simulation.steps", "110"},
                                       {"traffic.campaigns", "5"},
                                       {"traffic.first_campaign_step", "10"},
                                       {"traffic.campaign_interval", "18"},
                                       {"detector.window", "2000"},
                                       {"detector.trees", "100"},
                                       {"detector.retrain_interval", "50"},
                                       {"traffic.flows_per_step", "40"}});
  auto store = test::open_store(tmp.path());
  auto run = server::Run::open(*store, cfg, options(2));
  while (!run->finished()) run->step();
  const auto summary = run->summary();
  for (const char* easy : {"port_scan", "flood", "brute_force", "exfiltration"}) {
    CAPTURE(easy);
    const auto* k = kind(summary, easy);
    REQUIRE(k != nullptr);
    REQUIRE(k->recall.has_value());
    CHECK(*k->recall > 0.9);
    CHECK(k->never_protected == doctest::Approx(0.0));
  }
  const auto* slow = kind(summary, "low_and_slow");
  REQUIRE(slow != nullptr);
  CHECK(slow->protected_before_hit_count == 0);  // the history rule vetoes it: never shared
  CHECK(kind(summary, "mimicry") == nullptr);    // the classroom plan has five kinds
}

TEST_CASE("a scenario preset never overrides a value a source set, and old logs are classroom") {
  config::Config c;
  c.set_text("network.delay_steps", "4", "--set");
  c.set_text("simulation.scenario", "classroom", "--set");
  CHECK(c.get_int("network.delay_steps") == 4);
  CHECK(c.get_int("consensus.window") == 3);
  c.set_text("simulation.scenario", "realistic", "--set");
  CHECK(c.get_int("consensus.window") == 6);
  CHECK(c.source("consensus.window") == "scenario realistic");

  nlohmann::json old = config::Config().to_json();
  old.erase("simulation.scenario");
  old.erase("consensus.window");
  const auto from_log = config::Config::from_json(old);
  CHECK(from_log.get_string("simulation.scenario") == "classroom");
  CHECK(from_log.get_int("consensus.window") == 3);
  CHECK(from_log.get_int("network.delay_steps") == 1);  // present in the log: kept
}

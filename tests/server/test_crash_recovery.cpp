// Crashes seen from outside: while an agent is down its segment is unmonitored,
// so its flows still happen and are counted (attacks in them are misses, shown
// separately as "while down"); and a recovering agent rebuilds its state from
// the log. Each step's figures are checked against the traffic regenerated
// independently (generate_flows is a pure function) and against the log's folds.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "agents/campaigns.h"
#include "agents/traffic.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

std::unique_ptr<eventstore::Store> open_store(const std::filesystem::path& dir) {
  eventstore::StoreOptions o;
  o.sync = eventstore::SyncMode::none;
  return eventstore::Store::open(dir, o);
}

server::Run::Options run_options() {
  server::Run::Options o;
  o.version = DAIS_VERSION;
  return o;
}

// Frequent crashes with a few steps of downtime, so that campaigns reach agents that are down.
config::Config crashing_config() {
  return test::small_config({{"faults.crash_rate", "0.08"}, {"faults.recovery_steps", "4"}});
}

}  // namespace

TEST_CASE("a crashed agent's flows are counted, and the attacks among them are misses shown as while down") {
  TempDir tmp;
  auto store = open_store(tmp.path());
  auto run = server::Run::open(*store, crashing_config(), run_options());
  const auto& settings = run->settings();
  const auto campaigns = agents::plan_campaigns(settings.seed, settings.agents, settings.campaigns);
  std::uint64_t down_steps = 0;
  std::uint64_t missed_total = 0;
  while (!run->finished()) {
    const auto step = run->completed_steps();
    run->step();
    const auto projections = run->projections_snapshot();
    const auto& done = projections->stats().rows().back().stats;
    std::uint64_t flows = 0, attacks = 0, down_flows = 0, down_attacks = 0;
    for (std::uint32_t a = 0; a < settings.agents; ++a) {
      const auto generated = agents::generate_flows(settings.seed, a, step, settings.traffic, campaigns);
      std::uint64_t agent_attacks = 0;
      for (const auto& f : generated) agent_attacks += f.label != 0 ? 1 : 0;
      flows += generated.size();
      attacks += agent_attacks;
      // The log's agents projection says who was down during this step.
      if (projections->agents().find(a)->crashed) {
        ++down_steps;
        down_flows += generated.size();
        down_attacks += agent_attacks;
      }
    }
    CAPTURE(step);
    CHECK(done.flows == flows);  // every agent's traffic, up or down
    CHECK(done.attack_flows == attacks);
    CHECK(done.flows_while_down == down_flows);
    CHECK(done.missed_while_down == down_attacks);
    CHECK(done.false_negatives >= done.missed_while_down);
    CHECK(done.true_positives + done.false_negatives == done.attack_flows);
    missed_total += done.missed_while_down;
  }
  CHECK(down_steps > 0);
  CHECK(missed_total > 0);  // the run did put attacks on agents that were down
  const auto summary = run->summary();
  const auto& totals = run->stats().totals();
  CHECK(summary.missed_while_down == missed_total);
  CHECK(summary.flows_while_down == totals.flows_while_down);
  CHECK(summary.missed_while_down == totals.missed_while_down);
  CHECK(summary.text().find("attack flows missed while down " + std::to_string(missed_total)) != std::string::npos);
}

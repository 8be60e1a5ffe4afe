// Crashes seen from outside: while an agent is down its segment is unmonitored,
// so its flows still happen and are counted (attacks in them are misses, shown
// separately as "while down"); and a recovering agent rebuilds its state from
// the log. Each step's figures are checked against the traffic regenerated
// independently (generate_flows is a pure function) and against the log's folds.
#include <doctest/doctest.h>

#include <cstdint>
#include <set>
#include <vector>

#include "agents/campaigns.h"
#include "agents/features.h"
#include "agents/isolation_forest.h"
#include "agents/traffic.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "projections/blacklists.h"
#include "server/recovery.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

using test::open_store;

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

namespace {

struct Recovery {
  std::uint32_t agent = 0;
  std::uint64_t step = 0;
  projections::Blacklists log;  // the log folded up to the AgentRecovered event
  bool model_checked = false;
};

// Drives a run step by step, folding the log itself (not the engine) into a blacklists
// projection, and checks every recovery against that fold.
void check_recoveries(const config::Config& cfg, bool expect_entries) {
  TempDir tmp;
  auto store = open_store(tmp.path());
  auto run = server::Run::open(*store, cfg, run_options());
  const auto& settings = run->settings();
  projections::Blacklists fold;
  std::uint64_t next_seq = 0;
  std::uint64_t recoveries = 0, restored_entries = 0, models = 0;
  while (!run->finished()) {
    run->step();
    std::vector<Recovery> recovered;
    store->scan(next_seq, [&](const eventstore::StoredEvent& stored) {
      const auto event = events::parse_event(stored.bytes);
      next_seq = event.seq + 1;
      if (event.type == events::type::agent_recovered) {
        recovered.push_back(Recovery{event.data.at("agent").get<std::uint32_t>(), event.step, fold, false});
      } else if (event.type == events::type::model_retrained && !recovered.empty() &&
                 !recovered.back().model_checked && recovered.back().step == event.step &&
                 event.data.at("agent") == recovered.back().agent) {
        // The model logged right after recovery is a fit on the pre-run history minus what the
        // log's blacklist blocks, with the logged version's parameters.
        auto& r = recovered.back();
        const auto m = event.data.get<events::ModelRetrained>();
        const auto blacklist = server::recovered_blacklist(r.log, r.agent, r.step, settings.blacklist_capacity);
        const auto window = server::recovery_training(settings, r.agent, blacklist, r.step);
        const auto rows = window.rows();
        const auto forest = agents::IsolationForest::fit(rows, agents::kFeatureCount,
                                                         server::forest_params(settings, r.agent, m.version));
        CHECK(m.samples == rows.size() / agents::kFeatureCount);
        CHECK_MESSAGE(to_hex(forest.digest()) == m.model_digest, "agent " << r.agent << " step " << r.step);
        r.model_checked = true;
        ++models;
      }
      fold.apply(event);
      return true;
    });
    for (const auto& r : recovered) {
      CAPTURE(r.agent);
      CAPTURE(r.step);
      CHECK(r.model_checked);
      ++recoveries;
      // Every entry the log had for it at recovery is on its list, as the log has it; anything
      // else on its list was added during the recovery step itself.
      const auto& actual = run->engine().agent_blacklist(r.agent);
      std::set<std::uint32_t> expected;
      auto expect = [&](const projections::Blacklists::List& list) {
        for (const auto& [indicator, e] : list) {
          if (e.expires_step <= r.step) continue;
          const auto address = *agents::parse_ipv4(indicator);
          expected.insert(address);
          const auto entry = actual.find(address);
          REQUIRE_MESSAGE(entry.has_value(), indicator);
          CHECK(entry->signature_id == e.signature_id);
          CHECK(entry->added_step == e.added_step);
          CHECK(entry->expiry_steps == e.ttl);
          CHECK(entry->expires_step >= e.expires_step);
          CHECK(entry->hits >= e.hits);
        }
      };
      expect(r.log.network());
      expect(r.log.local(r.agent));
      restored_entries += expected.size();
      for (const auto& entry : actual.entries()) {
        if (!expected.count(entry.indicator)) CHECK(entry.added_step == r.step);
      }
    }
  }
  CHECK(recoveries > 0);
  CHECK(models == recoveries);
  if (expect_entries) CHECK(restored_entries > 0);  // recoveries did rebuild entries from the log
}

}  // namespace

TEST_CASE("a recovered agent's blacklist and model are those of a fold of the log up to its recovery") {
  SUBCASE("sharing: the network's accepted signatures") { check_recoveries(crashing_config(), true); }
  SUBCASE("isolation: the agent's own local entries, which are in the log too") {
    auto cfg = crashing_config();
    cfg.set_text("consensus.enabled", "false", "test");
    check_recoveries(cfg, true);
  }
}

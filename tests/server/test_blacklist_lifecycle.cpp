// A blacklist entry's life (docs/SIMULATION.md "Blacklists"), engine against log:
// one renewal rule (a hit at step s extends the entry that blocked it to
// s + blacklist.expiry; the network entry of an accepted signature is extended by
// every agent's hits) on which the engine's network list, the agents' copies and
// the blacklists projection agree step by step; and removal by an operator input
// (BlacklistRemoved), logged, applied everywhere and fed back by replay.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <tuple>

#include "agents/features.h"
#include "agents/indicator.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "server/run.h"
#include "server/run_errors.h"
#include "server/simulation.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

using test::open_store;

using Entry = std::tuple<std::string, std::uint64_t>;  // signature id, expires_step

// A short expiry, so that entries expire and hits renew them within the run.
config::Config short_expiry_config(bool crashes, unsigned prefix) {
  auto cfg = test::small_config({{"blacklist.expiry", "4"}, {"simulation.steps", "40"}});
  if (crashes) cfg.set_text("faults.crash_rate", "0.05", "test");
  cfg.set_text("consensus.signature_prefix", std::to_string(prefix), "test");
  return cfg;
}

}  // namespace

TEST_CASE("the engine's network blacklist, the agents' copies and the projection agree on renewal by hits") {
  // /24 signatures (consensus.signature_prefix) go through the same lists under their prefix text.
  for (const auto& [crashes, prefix] : {std::pair{false, 32u}, std::pair{true, 32u}, std::pair{false, 24u}}) {
    CAPTURE(crashes);
    CAPTURE(prefix);
    TempDir tmp;
    auto store = open_store(tmp.path());
    server::Run::Options options;
    options.version = DAIS_VERSION;
    auto run = server::Run::open(*store, short_expiry_config(crashes, prefix), options);
    const auto agent_count = run->settings().agents;
    std::uint64_t renewed = 0;  // network entries whose expiry moved past their decision's
    std::map<std::string, std::uint64_t> decided_expiry;
    while (!run->finished()) {
      const auto step = run->completed_steps();
      run->step();
      const auto& engine = run->engine();
      const auto projections = run->projections_snapshot();

      // What can still block at the next step, as the engine holds it and as the log says.
      std::map<std::string, Entry> from_engine;
      for (const auto& [indicator, block] : engine.network_blacklist()) {
        if (block.expires_step > step + 1) {
          from_engine[agents::format_indicator(indicator, prefix)] = {block.signature_id, block.expires_step};
        }
      }
      std::map<std::string, Entry> from_log;
      for (const auto& [indicator, e] : projections->blacklists().network()) {
        from_log[indicator] = {e.signature_id, e.expires_step};
        decided_expiry.try_emplace(e.signature_id, e.added_step + e.ttl);
        if (e.expires_step > decided_expiry[e.signature_id]) ++renewed;
      }
      REQUIRE_MESSAGE(from_engine == from_log, "after step " << step);

      // No agent's copy outlives the network entry; without crashes the latest copy is the entry.
      for (const auto& [indicator, block] : engine.network_blacklist()) {
        std::uint64_t latest = 0;
        for (std::uint32_t a = 0; a < agent_count; ++a) {
          if (const auto copy = engine.agent_blacklist(a).find(indicator)) {
            CHECK(copy->expires_step <= block.expires_step);
            latest = std::max(latest, copy->expires_step);
          }
        }
        if (!crashes) CHECK_MESSAGE(latest == block.expires_step, "indicator " << agents::format_indicator(indicator, prefix));
      }
    }
    CHECK(renewed > 0);  // the run did exercise renewal
  }
}

TEST_CASE("BlacklistRemoved lifts a block on the engine, every agent and the projection; replay feeds it back") {
  TempDir tmp;
  auto cfg = test::small_config({{"simulation.steps", "24"}});
  server::Run::Options options;
  options.version = DAIS_VERSION;
  std::string indicator;
  std::string head_after_removal;
  nlohmann::json live_view;
  {
    auto store = open_store(tmp.path());
    auto run = server::Run::open(*store, cfg, options);
    while (run->engine().network_blacklist().empty() && !run->finished()) run->step();
    REQUIRE_FALSE(run->engine().network_blacklist().empty());
    const auto address = run->engine().network_blacklist().begin()->first;
    indicator = agents::format_ipv4(address);
    REQUIRE(run->projections_snapshot()->blacklists().network().count(indicator) == 1);

    // An indicator nothing blocks is refused, and nothing is logged.
    const auto head = run->head();
    CHECK_THROWS_WITH_AS(run->append_operator_input(events::type::blacklist_removed,
                                                    events::BlacklistRemoved{"192.0.2.250", "test"}),
                         "no blacklist blocks 192.0.2.250", std::invalid_argument);
    CHECK_THROWS_AS(run->append_operator_input(events::type::blacklist_removed,
                                               events::BlacklistRemoved{"not-an-address", "test"}),
                    std::invalid_argument);
    CHECK(run->head().count == head.count);

    run->append_operator_input(events::type::blacklist_removed, events::BlacklistRemoved{indicator, "test"});
    CHECK(run->head().count == head.count + 1);
    CHECK(run->engine().network_blacklist().count(address) == 0);
    for (std::uint32_t a = 0; a < run->settings().agents; ++a) {
      CHECK_FALSE(run->engine().agent_blacklist(a).contains(address));
    }
    CHECK(run->projections_snapshot()->blacklists().network().count(indicator) == 0);
    // The next step no longer blocks it anywhere; the engine and the log still agree.
    run->step();
    CHECK(run->projections_snapshot()->stats().rows().back().stats.blacklist_hits.count(indicator) == 0);
    while (!run->finished()) run->step();
    head_after_removal = to_hex(run->head().hash);
    live_view = run->projections_snapshot()->blacklists().view();
  }
  // Replay re-executes the run with the removal where the log has it.
  auto store = open_store(tmp.path());
  const auto replayed = server::Run::replay(*store, std::nullopt, options);
  CHECK(to_hex(replayed->head().hash) == head_after_removal);
  CHECK(replayed->projections_snapshot()->blacklists().view() == live_view);
}

TEST_CASE("the simulation's blacklist removal answers 202, 400 and 404 and logs only what it applied") {
  TempDir tmp;
  auto store = open_store(tmp.path());
  server::Run::Options options;
  options.version = DAIS_VERSION;
  auto run = server::Run::open(*store, test::small_config({{"simulation.steps", "200"}}), options);
  while (run->engine().network_blacklist().empty()) run->step();
  const auto indicator = agents::format_ipv4(run->engine().network_blacklist().begin()->first);

  server::Simulation simulation(*run, std::chrono::milliseconds(0));
  std::thread loop([&] { simulation.run_loop(false); });
  // Paused, the loop only serves commands; each reply orders its effects before what follows here.
  REQUIRE(simulation.pause().status == 200);
  const auto head = run->head().count;
  CHECK(simulation.remove_blacklist({{"indicator", "192.0.2.250"}}).status == 404);
  CHECK(simulation.remove_blacklist({{"indicator", "nonsense"}}).status == 400);
  CHECK(simulation.remove_blacklist({{"indicator", 7}}).status == 400);
  CHECK(simulation.remove_blacklist(nlohmann::json::object()).status == 400);
  CHECK(run->head().count == head);
  const auto removed = simulation.remove_blacklist({{"indicator", indicator}, {"by", "test"}});
  CHECK(removed.status == 202);
  CHECK(removed.body["indicator"] == indicator);
  CHECK(run->head().count == head + 1);
  CHECK(simulation.projections()->blacklists().network().count(indicator) == 0);
  simulation.stop();
  loop.join();
}

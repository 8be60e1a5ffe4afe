// An agent's detector replayed from the log and its traffic alone (server/agent_replay.h) is the
// one the engine ran: every retrain refits to the logged digest at the logged step, and the
// blacklist ends as the engine's. A log that disagrees with the replay is refused by name.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "agents/campaigns.h"
#include "common/temp_dir.h"
#include "events/events.h"
#include "projections/blacklists.h"
#include "server/agent_replay.h"
#include "server/network.h"
#include "server/recovery_journal.h"
#include "server/run.h"
#include "tests/server/logged_run.h"

using namespace dais;

namespace {

// The journal as the engine folds it: every event in log order, the network list kept at the heal.
server::RecoveryJournal fold_journal(const std::vector<events::Event>& log, const server::Network& network) {
  server::RecoveryJournal journal;
  projections::Blacklists blacklists;
  for (const auto& e : log) {
    blacklists.apply(e);
    journal.apply(e.type, e.step, e.data);
    // StepCompleted closes its step.
    if (e.type == events::type::step_completed && network.heal_step() == e.step) {
      journal.keep_healed(blacklists.network());
    }
  }
  return journal;
}

// Runs `cfg` without crashes and replays every agent over the whole run from its log.
void replay_every_agent(const config::Config& cfg) {
  TempDir tmp;
  auto store = test::open_store(tmp.path());
  auto run = server::Run::open(*store, cfg, test::run_options());
  while (!run->finished()) run->step();
  std::vector<events::Event> log;
  store->scan(0, [&](const eventstore::StoredEvent& e) {
    log.push_back(events::parse_event(e.bytes));
    return true;
  });
  const auto& settings = run->settings();
  const server::Network network(settings.seed, settings.network, settings.agents);
  const auto journal = fold_journal(log, network);
  const auto campaigns = agents::plan_campaigns(settings.seed, settings.agents, settings.campaigns);
  std::uint64_t retrains = 0, entries = 0;
  for (std::uint32_t a = 0; a < settings.agents; ++a) {
    CAPTURE(a);
    server::AgentReplay replay(settings, a, journal);
    replay.advance(settings.steps, campaigns, network, journal);  // throws on any digest that differs
    const auto& models = journal.models(a);
    REQUIRE(!models.empty());
    CHECK(replay.last_retrain().version == models.back().version);
    CHECK(replay.state().model_version == models.back().version);
    CHECK(to_hex(replay.last_retrain().model->digest()) == run->engine().model_digest(a));
    CHECK(replay.state().blacklist.entries() == run->engine().agent_blacklist(a).entries());
    retrains += models.size() - 1;
    entries += replay.state().blacklist.size();
  }
  CHECK(retrains > 0);
  CHECK(entries > 0);
}

}  // namespace

TEST_CASE("a replay from the log refits every model the engine logged, and ends with its blacklist") {
  SUBCASE("sharing, instant network") { replay_every_agent(test::small_config()); }
  SUBCASE("isolation: its own local entries") { replay_every_agent(test::small_config({{"consensus.enabled", "false"}})); }
  SUBCASE("a delayed, lossy network with a partition and its heal") {
    replay_every_agent(test::small_config({{"network.delay_steps", "2"},
                                           {"network.jitter_steps", "2"},
                                           {"network.loss", "0.1"},
                                           {"network.partition_fraction", "0.3"},
                                           {"network.partition_start_step", "8"},
                                           {"network.partition_steps", "10"}}));
  }
  SUBCASE("/24 signatures and a small blacklist that evicts") {
    replay_every_agent(test::small_config({{"consensus.signature_prefix", "24"}, {"blacklist.capacity", "2"}}));
  }
}

TEST_CASE("a log whose model digest differs from its replay is refused, naming agent, version and step") {
  TempDir tmp;
  const auto logged = test::run_and_read(tmp.path(), test::small_config());
  auto log = logged.events;
  // Agent 1's second model, as a damaged or dishonest log would have it.
  for (auto& e : log) {
    if (e.type == events::type::model_retrained && e.data.at("agent") == 1 && e.data.at("version") == 2) {
      e.data["model_digest"] = std::string(64, '0');
    }
  }
  const server::Network network(logged.settings.seed, logged.settings.network, logged.settings.agents);
  const auto journal = fold_journal(log, network);
  const auto campaigns = agents::plan_campaigns(logged.settings.seed, logged.settings.agents, logged.settings.campaigns);
  server::AgentReplay replay(logged.settings, 1, journal);
  try {
    replay.advance(logged.settings.steps, campaigns, network, journal);
    FAIL("the replay accepted a digest it does not refit to");
  } catch (const server::ReplayMismatch& e) {
    const std::string what = e.what();
    CHECK(what.find("agent 1") != std::string::npos);
    CHECK(what.find("model version 2") != std::string::npos);
    CHECK(what.find(std::string(64, '0')) != std::string::npos);
  }
  // The other agents' models are untouched and replay cleanly.
  server::AgentReplay other(logged.settings, 2, journal);
  CHECK_NOTHROW(other.advance(logged.settings.steps, campaigns, network, journal));
}

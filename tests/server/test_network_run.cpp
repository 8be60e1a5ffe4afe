// The network model inside real runs: decisions wait for the delay (read from the
// log), the voting window and quorum bind, loss starves consensus, a partition
// keeps its cut-off agents out of votes and blacklists until it heals, and a run
// with network settings stays byte-identical for any thread count and on replay.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agents/traffic.h"
#include "common/temp_dir.h"
#include "events/events.h"
#include "eventstore/store.h"
#include "server/engine.h"
#include "server/run.h"
#include "server/settings.h"
#include "server/thread_pool.h"
#include "tests/server/logged_run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

using test::open_store;

using test::run_and_read;
using test::run_options;

// Per decision: the steps from the proposal it decides (a rejected id may be proposed again).
struct Decision {
  std::uint64_t proposed = 0, decided = 0;
  bool accepted = false;
  std::string reason;
};

std::vector<Decision> decisions(const std::vector<events::Event>& log) {
  std::map<std::string, std::uint64_t> open;
  std::vector<Decision> out;
  for (const auto& e : log) {
    if (e.type == events::type::signature_proposed) {
      open[e.data.at("signature_id").get<std::string>()] = e.step;
    } else if (e.type == events::type::consensus_reached) {
      const auto id = e.data.at("signature_id").get<std::string>();
      REQUIRE(open.count(id));
      out.push_back({open[id], e.step, e.data.at("accepted").get<bool>(), e.data.at("reason").get<std::string>()});
      open.erase(id);
    }
  }
  return out;
}

std::size_t count_type(const std::vector<events::Event>& log, const std::string& type) {
  return static_cast<std::size_t>(
      std::count_if(log.begin(), log.end(), [&](const events::Event& e) { return e.type == type; }));
}

}  // namespace

TEST_CASE("with network delay d and no jitter, no vote and no decision comes before d steps after its proposal") {
  TempDir tmp;
  constexpr std::uint64_t d = 2;
  const auto logged = run_and_read(tmp.path(), test::small_config({{"network.delay_steps", "2"},
                                                                   {"consensus.window", "8"},
                                                                   {"simulation.steps", "40"}}));
  std::map<std::string, std::uint64_t> proposed;
  std::size_t votes = 0;
  for (const auto& e : logged.events) {
    if (e.type == events::type::signature_proposed) proposed[e.data.at("signature_id").get<std::string>()] = e.step;
    if (e.type == events::type::vote_cast) {
      ++votes;
      CHECK(e.step >= proposed.at(e.data.at("signature_id").get<std::string>()) + d);
    }
  }
  const auto decided = decisions(logged.events);
  REQUIRE(votes > 0);
  REQUIRE(!decided.empty());
  std::size_t accepted = 0;
  for (const auto& dec : decided) {
    CHECK(dec.decided >= dec.proposed + d);
    accepted += dec.accepted;
  }
  CHECK(accepted > 0);
  // A ballot needs a round trip unless an endorsement carries it: the measured latency shows the delay.
  CHECK(logged.summary.decision_latency_mean >= static_cast<double>(d));
}

TEST_CASE("the proposer decides from the ballots that have reached it: yes + no counts exactly those") {
  TempDir tmp;
  constexpr std::uint64_t d = 2;
  const auto logged = run_and_read(tmp.path(), test::small_config({{"network.delay_steps", "2"},
                                                                   {"consensus.window", "6"},
                                                                   {"simulation.steps", "40"}}));
  // Ballots in flight per signature: the step each was sent (votes and endorsements).
  std::map<std::string, std::vector<std::uint64_t>> sent;
  std::size_t checked = 0, with_late_ballots = 0;
  for (const auto& e : logged.events) {
    if (e.type == events::type::signature_proposed) {
      sent[e.data.at("signature_id").get<std::string>()].clear();
    } else if (e.type == events::type::vote_cast || e.type == events::type::signature_endorsed) {
      sent[e.data.at("signature_id").get<std::string>()].push_back(e.step);
    } else if (e.type == events::type::consensus_reached) {
      const auto& ballots = sent[e.data.at("signature_id").get<std::string>()];
      const auto arrived = static_cast<std::uint32_t>(
          std::count_if(ballots.begin(), ballots.end(), [&](std::uint64_t t) { return t + d <= e.step; }));
      // The proposer's own ballot, plus every endorsement and vote that had arrived.
      CHECK(e.data.at("yes").get<std::uint32_t>() + e.data.at("no").get<std::uint32_t>() == 1 + arrived);
      with_late_ballots += arrived < ballots.size();
      ++checked;
    }
  }
  CHECK(checked > 0);
  // Whether a ballot is still in flight at a decision depends on the run: since a voter may no longer
  // endorse what it voted on (issue 15), this run decides after every ballot arrived. The rule above
  // holds for every decision either way; the in-flight case is proven by the unit tests of the network.
  INFO("decisions with ballots still in flight: " << with_late_ballots);
}

TEST_CASE("a voting window no longer than the delay binds: no ballot arrives and every signature lacks a quorum") {
  TempDir tmp;
  const auto logged = run_and_read(tmp.path(), test::small_config({{"network.delay_steps", "3"},
                                                                   {"consensus.window", "3"}}));
  const auto decided = decisions(logged.events);
  REQUIRE(!decided.empty());
  CHECK(count_type(logged.events, events::type::vote_cast) == 0);
  for (const auto& dec : decided) {
    CHECK_FALSE(dec.accepted);
    CHECK(dec.reason == "no_quorum");
    CHECK(dec.decided == dec.proposed + 2);  // the deadline
  }
  CHECK(logged.summary.accepted == 0);
}

TEST_CASE("with loss 1 no proposal reaches a peer: nothing is voted on, nothing is accepted") {
  TempDir tmp;
  const auto logged = run_and_read(tmp.path(), test::small_config({{"network.loss", "1"}}));
  CHECK(logged.summary.proposed > 0);
  CHECK(logged.summary.accepted == 0);
  CHECK(logged.summary.votes == 0);
  CHECK(count_type(logged.events, events::type::vote_cast) == 0);
  for (const auto& dec : decisions(logged.events)) CHECK(dec.reason == "no_quorum");
  // Nothing was shared, so no agent was ever protected: the figures say so instead of reading 0 steps.
  REQUIRE(logged.summary.campaign_arrivals > 0);
  CHECK(logged.summary.protected_before_hit_count == 0);
  CHECK(logged.summary.never_protected == 1.0);
  CHECK_FALSE(logged.summary.time_to_protect_mean);
  REQUIRE(logged.summary.time_to_protect_censored_mean);
  CHECK(*logged.summary.time_to_protect_censored_mean > 0);
}

TEST_CASE("a run with delay, jitter, loss and a partition gives the same log with 1 and 2 threads and replays") {
  TempDir tmp;
  const auto cfg = test::small_config({{"network.delay_steps", "1"},
                                       {"network.jitter_steps", "2"},
                                       {"network.loss", "0.1"},
                                       {"network.partition_fraction", "0.25"},
                                       {"network.partition_start_step", "5"},
                                       {"network.partition_steps", "10"},
                                       {"consensus.window", "6"},
                                       {"faults.crash_rate", "0.03"}});
  const auto one = run_and_read(tmp / "t1", cfg, 1);
  const auto two = run_and_read(tmp / "t2", cfg, 2);
  CHECK(one.head == two.head);
  CHECK(one.summary.accepted > 0);
  auto store = open_store(tmp / "t1");
  const auto replayed = server::Run::replay(*store, std::nullopt, run_options(2));
  CHECK(to_hex(replayed->head().hash) == one.head);
}

TEST_CASE("a cut-off agent neither votes across the partition nor receives blacklist entries until it heals") {
  auto cfg = test::small_config({{"network.partition_fraction", "0.25"},
                                 {"network.partition_start_step", "0"},
                                 {"network.partition_steps", "20"},
                                 {"simulation.steps", "30"}});
  const auto settings = server::settings_from_config(cfg);
  server::ThreadPool pool(2);
  server::Engine engine(settings, pool);
  const auto& network = engine.network();
  const auto& cut = network.cut_off_agents();
  REQUIRE(cut.size() == 2);
  REQUIRE(network.heal_step() == 20u);

  std::map<std::string, std::uint32_t> proposer;
  std::map<std::uint32_t, std::uint32_t> accepted_by;  // indicator -> deciding proposer
  std::size_t accepted_during = 0;
  for (std::uint64_t step = 0; step < 30; ++step) {
    for (const auto& e : engine.run_step()) {
      if (e.type == events::type::signature_proposed) {
        proposer[e.data.at("signature_id").get<std::string>()] = e.data.at("agent").get<std::uint32_t>();
      } else if (e.type == events::type::vote_cast && step < 20) {
        const auto from = proposer.at(e.data.at("signature_id").get<std::string>());
        CHECK(network.cut_off(e.data.at("voter").get<std::uint32_t>()) == network.cut_off(from));
      } else if (e.type == events::type::consensus_reached && e.data.at("accepted").get<bool>()) {
        const auto indicator = agents::parse_ipv4(e.data.at("indicator").get<std::string>());
        REQUIRE(indicator);
        accepted_by[*indicator] = proposer.at(e.data.at("signature_id").get<std::string>());
        if (step < 20) ++accepted_during;
      }
    }
    if (step < 20) {
      // The cut-off side (2 of 8) can never reach the quorum, so whatever is accepted comes from
      // the other side, and none of it reaches the cut-off agents.
      for (const auto& [indicator, decider] : accepted_by) {
        CHECK_FALSE(network.cut_off(decider));
        for (auto agent : cut) CHECK_FALSE(engine.blocks(agent, indicator));
        for (std::uint32_t a = 0; a < settings.agents; ++a) {
          if (!network.cut_off(a)) CHECK(engine.blocks(a, indicator));
        }
      }
    } else if (step == 20) {
      // Healing: the cut-off agents catch up on every accepted indicator still in force.
      for (const auto& [indicator, decider] : accepted_by) {
        for (auto agent : cut) CHECK(engine.blocks(agent, indicator));
      }
    }
  }
  CHECK(accepted_during > 0);
}

// Adversaries and defences seen from the log: a framing adversary's proposals are generated
// and the summary reports exactly their acceptance; a sleeper is an honest agent until it
// wakes; with abstain_unseen no honest voter approves an address it never had a flow from;
// recovery times are those the log shows. Ground truth (campaign sources) is read here, in
// the tests, only to score.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agents/campaigns.h"
#include "agents/traffic.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "projections/agent_state.h"
#include "server/engine.h"
#include "server/run.h"
#include "tests/server/logged_run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

// A network with a third of its agents Byzantine, long enough for several campaigns.
config::Config adversarial(std::initializer_list<std::pair<const char*, const char*>> extra) {
  auto c = test::small_config({{"simulation.agents", "12"},
                               {"simulation.steps", "50"},
                               {"faults.byzantine_fraction", "0.34"},
                               {"faults.poison_rate", "0.5"}});
  for (const auto& [key, value] : extra) c.set_text(key, value, "test");
  return c;
}

struct Logged : test::LoggedRun {
  std::set<std::uint32_t> byzantine;  // from RunStarted
};

Logged run_to_end(const config::Config& cfg) {
  TempDir tmp;
  Logged out{test::run_and_read(tmp.path(), cfg), {}};
  const auto started = out.events.at(0).data.get<events::RunStarted>();
  out.byzantine.insert(started.byzantine.begin(), started.byzantine.end());
  return out;
}

std::set<std::uint32_t> attackers(const server::EngineSettings& s) {
  std::set<std::uint32_t> out;
  for (const auto& c : agents::plan_campaigns(s.seed, s.agents, s.campaigns)) out.insert(c.sources.begin(), c.sources.end());
  return out;
}

// The event as logged, without its seq and chain hash (those differ with RunStarted).
std::string content(const events::Event& e) { return e.type + "|" + std::to_string(e.step) + "|" + e.data.dump(); }

}  // namespace

TEST_CASE("framing: real attack content relabelled onto benign addresses; the summary reports its acceptance") {
  const auto run = run_to_end(adversarial({{"faults.adversary", "framing"}}));
  REQUIRE_FALSE(run.byzantine.empty());
  const auto attack_sources = attackers(run.settings);
  std::set<std::string> framed;  // signature ids (a rejected one may be proposed again later)
  std::uint64_t proposals = 0, accepted_framed = 0;
  for (const auto& e : run.events) {
    if (e.type == events::type::signature_proposed) {
      const auto p = e.data.get<events::SignatureProposed>();
      if (!run.byzantine.count(p.agent)) continue;
      // A framer never reports its real findings: all it proposes is framed onto a non-attacker,
      // with the content of a real attack (an attack profile, not a benign-looking "anomaly").
      CHECK_FALSE(attack_sources.count(*agents::parse_ipv4(p.indicator)));
      agents::FeatureVector centroid{};
      for (std::size_t f = 0; f < centroid.size(); ++f) centroid[f] = static_cast<float>(p.centroid.at(f));
      CHECK(agents::coarse_profile(centroid) != "anomaly");
      framed.insert(p.signature_id);
      ++proposals;
    } else if (e.type == events::type::consensus_reached) {
      const auto d = e.data.get<events::ConsensusReached>();
      if (d.accepted && framed.count(d.signature_id)) ++accepted_framed;
    }
  }
  CHECK(framed.size() >= 3);  // it was generated
  CHECK(run.summary.poisoned_proposed == proposals);
  CHECK(accepted_framed > 0);
  CHECK(run.summary.poisoned_accepted == accepted_framed);
  MESSAGE("framing proposals " << proposals << ", accepted " << accepted_framed);
}

TEST_CASE("a sleeper is an honest agent until sleeper_steps, then poisons") {
  const auto honest = run_to_end(adversarial({{"faults.byzantine_fraction", "0"}}));
  const auto sleeper = run_to_end(adversarial({{"faults.adversary", "sleeper"}, {"faults.sleeper_steps", "25"}}));
  REQUIRE_FALSE(sleeper.byzantine.empty());
  // Before it wakes, the log is the honest network's, event for event.
  std::size_t compared = 0;
  for (std::size_t i = 1; i < honest.events.size() && i < sleeper.events.size(); ++i) {
    if (sleeper.events[i].step >= 25) break;
    REQUIRE_MESSAGE(content(sleeper.events[i]) == content(honest.events[i]), "seq " << i);
    ++compared;
  }
  CHECK(compared > 100);
  // After it, sleepers propose signatures against addresses that are not attackers.
  const auto attack_sources = attackers(sleeper.settings);
  std::uint64_t poisoned_after = 0;
  for (const auto& e : sleeper.events) {
    if (e.type != events::type::signature_proposed) continue;
    const auto p = e.data.get<events::SignatureProposed>();
    if (!sleeper.byzantine.count(p.agent) || attack_sources.count(*agents::parse_ipv4(p.indicator))) continue;
    CHECK(e.step >= 25);
    ++poisoned_after;
  }
  CHECK(poisoned_after > 0);
  CHECK(sleeper.summary.poisoned_proposed == poisoned_after);
}

namespace {

// Honest yes votes on an indicator from which the voter never had a single flow (pre-run history
// or any step up to the vote): the voter cannot have seen it.
std::uint64_t blind_approvals(const Logged& run) {
  std::map<std::string, std::uint32_t> indicator_of;
  std::uint64_t blind = 0;
  std::map<std::uint32_t, std::set<std::uint32_t>> seen;  // by agent: sources with a flow so far
  std::uint64_t seen_through = 0;
  const auto campaigns = agents::plan_campaigns(run.settings.seed, run.settings.agents, run.settings.campaigns);
  for (std::uint32_t a = 0; a < run.settings.agents; ++a) {
    for (const auto& f : server::warmup_flows(run.settings, a)) seen[a].insert(f.source);
  }
  auto see_through = [&](std::uint64_t step) {
    for (; seen_through <= step; ++seen_through) {
      for (std::uint32_t a = 0; a < run.settings.agents; ++a) {
        for (const auto& f : agents::generate_flows(run.settings.seed, a, seen_through, run.settings.traffic, campaigns)) {
          seen[a].insert(f.source);
        }
      }
    }
  };
  for (const auto& e : run.events) {
    if (e.type == events::type::signature_proposed) {
      const auto p = e.data.get<events::SignatureProposed>();
      indicator_of[p.signature_id] = *agents::parse_ipv4(p.indicator);
    } else if (e.type == events::type::vote_cast) {
      const auto v = e.data.get<events::VoteCast>();
      if (!v.approve || run.byzantine.count(v.voter)) continue;
      see_through(e.step);
      if (!seen[v.voter].count(indicator_of.at(v.signature_id))) ++blind;
    }
  }
  return blind;
}

}  // namespace

TEST_CASE("abstain_unseen: no honest voter approves an address it never had a flow from") {
  const auto without = run_to_end(adversarial({{"faults.adversary", "framing"}}));
  const auto with = run_to_end(adversarial({{"faults.adversary", "framing"}, {"validation.defence", "abstain_unseen"}}));
  const auto blind_without = blind_approvals(without);
  MESSAGE("blind approvals without the defence: " << blind_without);
  CHECK(blind_without > 0);  // the check can see what the defence removes
  CHECK(blind_approvals(with) == 0);
}

TEST_CASE("recovery time: steps from each recovery to the agent's first ballot, as the log shows") {
  const auto run = run_to_end(test::small_config({{"simulation.steps", "60"},
                                                  {"faults.crash_rate", "0.08"},
                                                  {"faults.recovery_steps", "3"}}));
  std::map<std::uint32_t, std::uint64_t> awaiting;  // agent -> its recovery step, until it votes
  std::uint64_t recoveries = 0, voted = 0, sum = 0;
  for (const auto& e : run.events) {
    if (e.type == events::type::agent_recovered) {
      ++recoveries;
      awaiting[e.data.at("agent").get<std::uint32_t>()] = e.step;
    } else if (e.type == events::type::agent_crashed) {
      awaiting.erase(e.data.at("agent").get<std::uint32_t>());
    } else if (e.type == events::type::vote_cast) {
      const auto it = awaiting.find(e.data.at("voter").get<std::uint32_t>());
      if (it == awaiting.end()) continue;
      ++voted;
      sum += e.step - it->second;
      awaiting.erase(it);
    }
  }
  REQUIRE(recoveries > 0);
  REQUIRE(voted > 0);
  CHECK(run.summary.recoveries == recoveries);
  CHECK(run.summary.recoveries_voted == voted);
  REQUIRE(run.summary.recovery_to_vote_mean.has_value());
  CHECK(*run.summary.recovery_to_vote_mean == doctest::Approx(static_cast<double>(sum) / voted));
  CHECK(run.summary.recoveries_blocked <= recoveries);
}

TEST_CASE("Sybil identities vote with the bloc under ids after the agents', observe nothing, and reputation weighs them") {
  const auto logged = run_to_end(adversarial({{"faults.adversary", "framing"},
                                              {"faults.sybils", "6"},
                                              {"consensus.reputation", "true"}}));
  const std::uint32_t agents = logged.settings.agents;
  std::map<std::string, std::uint32_t> proposer;
  std::uint64_t sybil_votes = 0, sybil_yes = 0;
  std::set<std::uint32_t> reweighed;  // Sybils whose ballot carried a weight other than the initial 1
  for (const auto& e : logged.events) {
    if (e.type == events::type::signature_proposed) {
      const auto p = e.data.get<events::SignatureProposed>();
      CHECK(p.agent < agents);  // a Sybil proposes nothing: it observes no traffic
      proposer[p.signature_id] = p.agent;
    } else if (e.type == events::type::signature_endorsed) {
      CHECK(e.data.at("agent").get<std::uint32_t>() < agents);
    } else if (e.type == events::type::model_retrained) {
      CHECK(e.data.at("agent").get<std::uint32_t>() < agents);
    } else if (e.type == events::type::vote_cast) {
      const auto v = e.data.get<events::VoteCast>();
      if (v.voter < agents) continue;
      CHECK(v.voter < agents + 6);
      ++sybil_votes;
      // The bloc's ballot: yes for a colluder's proposal, no for an honest one.
      CHECK(v.approve == (logged.byzantine.count(proposer.at(v.signature_id)) == 1));
      sybil_yes += v.approve ? 1 : 0;
      if (v.weight != 1.0) reweighed.insert(v.voter);
    }
  }
  CHECK(sybil_votes > 0);
  CHECK(sybil_yes > 0);
  CHECK(sybil_yes < sybil_votes);
  // Reputation judges them like any voter: their ballots carry learnt weights.
  CHECK(!reweighed.empty());
  // The agents projection lists them after the agents, as Byzantine, with the engine's weights.
  projections::AgentState state;
  for (const auto& e : logged.events) state.apply(e);
  REQUIRE(state.agent_count() == agents + 6);
  for (std::uint32_t s = agents; s < agents + 6; ++s) CHECK(state.find(s)->byzantine);
  bool judged = false;
  for (std::uint32_t s = agents; s < agents + 6; ++s) judged = judged || state.reputation(s) != 1.0;
  CHECK(judged);
}

TEST_CASE("without collusion a Sybil has nothing to vote with, so it casts no ballot") {
  const auto logged = run_to_end(adversarial({{"faults.adversary", "framing"}, {"faults.sybils", "6"},
                                              {"faults.collude", "false"}}));
  for (const auto& e : logged.events) {
    if (e.type == events::type::vote_cast) CHECK(e.data.at("voter").get<std::uint32_t>() < logged.settings.agents);
  }
}

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "projections/consensus.h"
#include "projections/projections.h"
#include "tests/projections/event_log.h"

using namespace dais;
using dais::projections::ProjectionError;
using dais::projections::Projections;

namespace {

// A small engine built from the consensus pieces, writing a consistent log:
// committees, ballots, early and deadline decisions, reputation, crashes,
// endorsements, re-proposals, protected addresses, blacklist hits, pauses.
struct MiniRun {
  test::EventLog log;
  projections::Reputation reputation{true};
  std::uint64_t accepted = 0, rejected = 0, votes = 0;
};

struct Pending {
  std::uint32_t proposer = 0;
  std::string indicator;
  std::uint64_t deadline = 0;
  std::vector<std::uint32_t> committee;
  std::vector<std::uint32_t> supporters;
  std::map<std::uint32_t, events::VoteCast> votes;
};

MiniRun generate(std::uint64_t seed, std::uint32_t agents, std::uint64_t steps) {
  MiniRun run;
  projections::ConsensusParams params;
  params.majority = 0.66;
  params.quorum = 0.5;
  params.window = 3;
  params.committee = 5;
  params.reputation = true;
  const std::vector<std::string> protected_list = {"10.0.0.0/30"};

  run.log.add(0, test::run_started(agents, true));
  std::vector<bool> crashed(agents, false);
  std::vector<std::uint64_t> recover_at(agents, 0);
  std::map<std::string, Pending> pending;
  std::map<std::string, std::uint64_t> blocked_until;  // indicator -> expiry, as the generator sees it
  for (std::uint64_t step = 1; step <= steps; ++step) {
    Stream rng(seed, Purpose::test, step);
    if (rng.chance(0.1)) run.log.add(step, events::SimulationPaused{"test"});
    if (rng.chance(0.1)) run.log.add(step, events::SimulationResumed{"test"});
    for (std::uint32_t a = 0; a < agents; ++a) {
      if (crashed[a] && recover_at[a] == step) {
        crashed[a] = false;
        run.log.add(step, events::AgentRecovered{a, 3, 1, std::string(64, 'a')});
      } else if (!crashed[a] && rng.chance(0.03)) {
        crashed[a] = true;
        recover_at[a] = step + 3;
        run.log.add(step, events::AgentCrashed{a, step + 3});
      }
    }
    std::vector<std::uint32_t> active;
    for (std::uint32_t a = 0; a < agents; ++a) {
      if (!crashed[a]) active.push_back(a);
    }
    // Propose or endorse from a small pool of findings, so ids recur.
    for (auto a : active) {
      if (!rng.chance(0.2)) continue;
      const auto finding = rng.below(12);
      const std::string id = "sig-" + std::to_string(finding);
      const std::string indicator = "10.0." + std::to_string(finding / 4) + "." + std::to_string(finding);
      if (auto it = pending.find(id); it != pending.end()) {
        auto& p = it->second;
        if (std::find(p.supporters.begin(), p.supporters.end(), a) != p.supporters.end()) continue;
        p.supporters.push_back(a);
        run.log.add(step, events::SignatureEndorsed{id, a, 0.7, 3});
        continue;
      }
      run.log.add(step, test::proposal(id, a, indicator, step + params.window - 1));
      if (projections::is_protected(indicator, protected_list)) {
        auto d = test::decision(id, false, projections::reason::protected_address, indicator);
        run.reputation.record(d, a, std::vector<std::uint32_t>{a}, {});
        run.log.add(step, d);
        ++run.rejected;
        continue;
      }
      Pending p;
      p.proposer = a;
      p.indicator = indicator;
      p.deadline = step + params.window - 1;
      p.committee = projections::select_committee(id, seed, active, params.committee, a);
      p.supporters = {a};
      pending.emplace(id, std::move(p));
    }
    // Votes, in (signature, voter) order.
    for (auto& [id, p] : pending) {
      for (auto voter : p.committee) {
        if (crashed[voter] || p.votes.count(voter) || !rng.chance(0.6)) continue;
        if (std::find(p.supporters.begin(), p.supporters.end(), voter) != p.supporters.end()) continue;
        const bool approve = rng.chance(voter % 3 == 0 ? 0.2 : 0.8);
        const auto v = test::vote(id, voter, approve, run.reputation.weight(voter));
        run.log.add(step, v);
        p.votes[voter] = v;
        ++run.votes;
      }
    }
    // Decisions.
    for (auto it = pending.begin(); it != pending.end();) {
      auto& [id, p] = *it;
      projections::Tally tally;
      std::set<std::uint32_t> electorate(p.committee.begin(), p.committee.end());
      electorate.insert(p.proposer);
      for (auto s : p.supporters) {
        if (electorate.count(s)) tally.add_support(s, run.reputation.weight(s));
      }
      for (const auto& [voter, v] : p.votes) tally.add_vote(voter, v.approve, v.weight);
      const auto eligible = static_cast<std::uint32_t>(electorate.size());
      const auto outcome = projections::evaluate(tally, eligible, params, step, p.deadline);
      if (!outcome) {
        ++it;
        continue;
      }
      auto d = test::decision(id, outcome->accepted, outcome->reason, p.indicator,
                              outcome->accepted ? step + 6 : 0);
      d.yes = tally.yes;
      d.no = tally.no;
      d.voters = eligible;
      d.yes_weight = tally.yes_weight;
      d.no_weight = tally.no_weight;
      run.reputation.record(d, p.proposer, p.supporters, p.votes);
      run.log.add(step, d);
      if (outcome->accepted) {
        ++run.accepted;
        blocked_until[p.indicator] = std::max(blocked_until[p.indicator], step + 6);
      } else {
        ++run.rejected;
      }
      it = pending.erase(it);
    }
    if (rng.chance(0.2)) {
      const auto a = static_cast<std::uint32_t>(rng.below(agents));
      run.log.add(step, events::LocalBlacklistAdded{a, "local-" + std::to_string(step), "172.16.0." +
                                                    std::to_string(rng.below(5)), step + 4});
    }
    for (auto a : active) {
      if (rng.chance(0.1)) run.log.add(step, events::ModelRetrained{a, step, 200 + a, "digest-" + std::to_string(step)});
    }
    events::StepCompleted done;
    done.flows = 100 + rng.below(50);
    done.attack_flows = rng.below(20);
    done.true_positives = rng.below(done.attack_flows + 1);
    done.false_negatives = done.attack_flows - done.true_positives;
    done.false_positives = rng.below(5);
    done.flagged = done.true_positives + done.false_positives;
    done.active_agents = static_cast<std::uint32_t>(active.size());
    for (const auto& [indicator, until] : blocked_until) {
      if (until >= step && rng.chance(0.5)) done.blacklist_hits[indicator] = 1 + rng.below(4);
    }
    if (rng.chance(0.3)) done.blacklist_hits["172.16.0." + std::to_string(rng.below(5))] = 1;
    run.log.add(step, done);
  }
  return run;
}

Projections fold(const std::vector<events::Event>& events, std::size_t from, std::size_t to, Projections p = {}) {
  for (std::size_t i = from; i < to; ++i) p.apply(events[i]);
  return p;
}

}  // namespace

TEST_CASE("projections fold a generated run consistently with the engine's own bookkeeping") {
  const auto run = generate(7, 12, 60);
  const auto& events = run.log.events();
  const auto p = fold(events, 0, events.size());
  CHECK(p.next_seq() == events.size());
  CHECK(p.applied_seq() == events.size() - 1);
  CHECK(p.stats().consensus().accepted == run.accepted);
  CHECK(p.stats().consensus().rejected == run.rejected);
  CHECK(p.stats().consensus().votes == run.votes);
  CHECK(run.accepted > 3);
  CHECK(run.rejected > 3);
  CHECK(p.stats().consensus().by_reason.count("protected_address") == 1);
  // The projection's reputation is exactly the weight the engine used.
  bool moved = false;
  for (std::uint32_t a = 0; a < 12; ++a) {
    CAPTURE(a);
    CHECK(p.agents().reputation(a) == run.reputation.weight(a));
    moved = moved || run.reputation.weight(a) != 1.0;
  }
  CHECK(moved);
  const auto counts = p.signatures().counts();
  CHECK(counts.accepted + counts.rejected + counts.pending <= p.stats().consensus().proposed);
  CHECK(p.stats().steps_completed() == 60);
}

TEST_CASE("restore(snapshot()) then the remaining events equals folding everything") {
  const auto run = generate(11, 10, 50);
  const auto& events = run.log.events();
  const auto whole = fold(events, 0, events.size()).snapshot();
  for (std::size_t k : {std::size_t{0}, std::size_t{1}, events.size() / 3, events.size() / 2, events.size() - 1,
                        events.size()}) {
    CAPTURE(k);
    const auto head = fold(events, 0, k);
    // Through text, as a snapshot would be stored.
    const auto text = head.snapshot().dump();
    auto restored = Projections::restore(nlohmann::json::parse(text));
    CHECK(restored.next_seq() == k);
    CHECK(restored.snapshot().dump() == text);
    const auto finished = fold(events, k, events.size(), std::move(restored));
    CHECK(finished.snapshot() == whole);
  }
}

TEST_CASE("events must arrive in seq order without gaps") {
  const auto run = generate(3, 6, 5);
  const auto& events = run.log.events();
  Projections p;
  CHECK_THROWS_WITH_AS(p.apply(events[1]), doctest::Contains("expected seq 0"), ProjectionError);
  p.apply(events[0]);
  CHECK_THROWS_AS(p.apply(events[2]), ProjectionError);
  CHECK_THROWS_AS(p.apply(events[0]), ProjectionError);
  p.apply(events[1]);
  CHECK(p.next_seq() == 2);
}

TEST_CASE("malformed event data is an error naming the event, not a crash") {
  test::EventLog log;
  log.add(0, test::run_started(3, false));
  log.add(1, test::proposal("s", 0, "192.0.2.1", 3));
  auto vote = nlohmann::json(test::vote("s", 1, true));
  vote.erase("signature_id");
  log.add_raw(1, events::type::vote_cast, vote);
  Projections p;
  p.apply(log.events()[0]);
  p.apply(log.events()[1]);
  CHECK_THROWS_WITH_AS(p.apply(log.events()[2]), doctest::Contains("event seq 2 (VoteCast)"), ProjectionError);
  CHECK_THROWS_WITH_AS(p.apply(log.events()[2]), doctest::Contains("signature_id"), ProjectionError);
  const events::Event not_object{2, events::type::vote_cast, 1, nlohmann::json::array(), std::string{}};
  Projections q = fold(log.events(), 0, 2);
  CHECK_THROWS_AS(q.apply(not_object), ProjectionError);
  // Unknown event types are ignored by every projection.
  const events::Event unknown{2, "SomethingNew", 1, nlohmann::json::object(), std::string{}};
  q.apply(unknown);
  CHECK(q.next_seq() == 3);
}

TEST_CASE("malformed snapshots are refused") {
  CHECK_THROWS_WITH_AS(Projections::restore(nlohmann::json::object()), doctest::Contains("dais-projections/3"),
                       ProjectionError);
  CHECK_THROWS_AS(Projections::restore(nlohmann::json::array()), ProjectionError);
  auto snapshot = Projections().snapshot();
  snapshot.erase("stats");
  CHECK_THROWS_AS(Projections::restore(snapshot), ProjectionError);
  snapshot = Projections().snapshot();
  snapshot["next_seq"] = "x";
  CHECK_THROWS_AS(Projections::restore(snapshot), ProjectionError);
  CHECK_NOTHROW(Projections::restore(Projections().snapshot()));
}

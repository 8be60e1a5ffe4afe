// dais-bench projections: how fast the projections fold a log (parse + apply),
// how large and how fast a snapshot is, and the cost of the consensus pieces
// the engine calls per signature (committee selection, evaluate).
// The log is synthetic but shaped like a run: per step, new signatures with a
// committee, ballots from the committee, decisions by the real rule, and a
// StepCompleted with blacklist hits.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/random.h"
#include "projections/consensus.h"
#include "projections/projections.h"
#include "tools/bench/registry.h"

namespace {

using namespace dais;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Synthetic {
  std::vector<std::string> bytes;  // stored event JSON, as the log holds it
};

class Writer {
 public:
  template <typename T> void add(std::uint64_t step, const T& value) {
    nlohmann::json e = {{"seq", out.bytes.size()}, {"type", events::type_name<T>()}, {"step", step},
                        {"prev", std::string(64, '0')}, {"data", value}};
    out.bytes.push_back(e.dump());
  }
  Synthetic out;
};

Synthetic synthesize(std::uint32_t agents, std::uint64_t steps, std::uint32_t per_step, std::uint32_t committee) {
  Writer w;
  events::RunStarted start;
  start.config = {{"consensus.reputation", true}};
  start.agents = agents;
  start.steps = steps;
  start.format = "dais-log/1";
  w.add(0, start);
  projections::ConsensusParams params;
  params.committee = committee;
  params.reputation = true;
  projections::Reputation reputation(true);
  std::vector<std::uint32_t> active(agents);
  for (std::uint32_t a = 0; a < agents; ++a) active[a] = a;
  struct Open {
    std::uint32_t proposer;
    std::string indicator;
    std::uint64_t deadline;
    std::vector<std::uint32_t> committee;
    std::map<std::uint32_t, events::VoteCast> votes;
  };
  std::map<std::string, Open> open;
  std::uint64_t next_id = 0;
  for (std::uint64_t step = 1; step <= steps; ++step) {
    Stream rng(7, Purpose::test, step);
    for (std::uint32_t i = 0; i < per_step; ++i) {
      events::SignatureProposed p;
      p.signature_id = "sig-" + std::to_string(next_id++);
      p.agent = static_cast<std::uint32_t>(rng.below(agents));
      p.indicator = "10." + std::to_string(rng.below(200)) + ".0." + std::to_string(rng.below(250));
      p.centroid.assign(12, 0.5);
      p.lower.assign(12, 0.0);
      p.upper.assign(12, 1.0);
      p.confidence = 0.8;
      p.observations = 10;
      p.deadline_step = step + params.window - 1;
      w.add(step, p);
      open[p.signature_id] = Open{p.agent, p.indicator, p.deadline_step,
                                  projections::select_committee(p.signature_id, 7, active, committee, p.agent), {}};
    }
    for (auto& [id, o] : open) {
      for (auto voter : o.committee) {
        if (o.votes.count(voter) || !rng.chance(0.5)) continue;
        events::VoteCast v{id, voter, rng.chance(0.7), 0.8, 0.7, reputation.weight(voter)};
        w.add(step, v);
        o.votes[voter] = v;
      }
    }
    events::StepCompleted done;
    done.flows = 1000;
    for (auto it = open.begin(); it != open.end();) {
      auto& [id, o] = *it;
      projections::Tally t;
      t.add_support(o.proposer, reputation.weight(o.proposer));
      for (const auto& [voter, v] : o.votes) t.add_vote(voter, v.approve, v.weight);
      const auto eligible = static_cast<std::uint32_t>(o.committee.size() + 1);
      const auto outcome = projections::evaluate(t, eligible, params, step, o.deadline);
      if (!outcome) {
        ++it;
        continue;
      }
      events::ConsensusReached d{id,          outcome->accepted, t.yes, t.no, eligible, t.yes_weight, t.no_weight,
                                 outcome->reason, o.indicator,   outcome->accepted ? step + 200 : 0};
      reputation.record(d, o.proposer, std::vector<std::uint32_t>{o.proposer}, o.votes);
      w.add(step, d);
      if (outcome->accepted) done.blacklist_hits[o.indicator] = 1 + rng.below(5);
      it = open.erase(it);
    }
    w.add(step, done);
  }
  return std::move(w.out);
}

int run(std::vector<std::string> args) {
  std::uint32_t agents = 1000, per_step = 20, committee = 20;
  std::uint64_t steps = 300;
  bool json = false;
  CLI::App app{"Projections: fold, snapshot and consensus costs", "dais-bench projections"};
  app.add_option("--agents", agents, "agents")->check(CLI::Range(2, 1000000));
  app.add_option("--steps", steps, "steps")->check(CLI::Range(1, 1000000));
  app.add_option("--proposals", per_step, "new signatures per step")->check(CLI::Range(1, 100000));
  app.add_option("--committee", committee, "committee size (0 = every agent)")->check(CLI::Range(0, 1000000));
  app.add_flag("--json", json, "print one JSON object");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  auto t = Clock::now();
  const auto log = synthesize(agents, steps, per_step, committee);
  const double synth_s = since(t);

  t = Clock::now();
  std::vector<events::Event> parsed;
  parsed.reserve(log.bytes.size());
  std::size_t bytes = 0;
  for (const auto& b : log.bytes) {
    parsed.push_back(events::parse_event(b));
    bytes += b.size();
  }
  const double parse_s = since(t);

  t = Clock::now();
  projections::Projections p;
  for (const auto& e : parsed) p.apply(e);
  const double fold_s = since(t);

  t = Clock::now();
  const auto snapshot = p.snapshot().dump();
  const double snapshot_s = since(t);
  t = Clock::now();
  const auto restored = projections::Projections::restore(nlohmann::json::parse(snapshot));
  const double restore_s = since(t);

  std::vector<std::uint32_t> active(agents);
  for (std::uint32_t a = 0; a < agents; ++a) active[a] = a;
  const int committee_calls = 2000;
  t = Clock::now();
  std::size_t chosen = 0;
  for (int i = 0; i < committee_calls; ++i) {
    chosen += projections::select_committee("bench-" + std::to_string(i), 1, active, committee, 0).size();
  }
  const double committee_s = since(t);

  const int evaluate_calls = 1000000;
  projections::ConsensusParams params;
  params.reputation = true;
  Stream rng(3, Purpose::test);
  std::uint64_t decided = 0;
  std::vector<projections::Tally> tallies(64);
  for (auto& tally : tallies) {
    for (std::uint32_t v = 0; v < 15; ++v) tally.add_vote(v, rng.chance(0.6), rng.uniform(0.1, 2.0));
  }
  t = Clock::now();
  for (int i = 0; i < evaluate_calls; ++i) {
    decided += projections::evaluate(tallies[i % 64], 17, params, 1, 3).has_value() ? 1 : 0;
  }
  const double evaluate_s = since(t);

  nlohmann::ordered_json out;
  out["agents"] = agents;
  out["steps"] = steps;
  out["proposals_per_step"] = per_step;
  out["committee"] = committee;
  out["events"] = log.bytes.size();
  out["log_mb"] = static_cast<double>(bytes) / 1e6;
  out["synthesize_s"] = synth_s;
  out["parse_events_per_s"] = static_cast<double>(parsed.size()) / parse_s;
  out["fold_events_per_s"] = static_cast<double>(parsed.size()) / fold_s;
  out["signatures"] = p.signatures().counts().total();
  out["snapshot_mb"] = static_cast<double>(snapshot.size()) / 1e6;
  out["snapshot_s"] = snapshot_s;
  out["restore_s"] = restore_s;
  out["restore_equal"] = restored.next_seq() == p.next_seq();
  out["select_committee_us"] = committee_s / committee_calls * 1e6;
  out["committee_members_per_call"] = static_cast<double>(chosen) / committee_calls;
  out["evaluate_ns"] = evaluate_s / evaluate_calls * 1e9;
  out["evaluate_decided_share"] = static_cast<double>(decided) / evaluate_calls;
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& [key, value] : out.items()) {
    if (value.is_number_float()) {
      std::printf("%-28s %.6g\n", key.c_str(), value.get<double>());
    } else {
      std::printf("%-28s %s\n", key.c_str(), value.dump().c_str());
    }
  }
  return 0;
}

const bench::Registration registration("projections", "projection fold/snapshot speed and consensus costs", run);

}  // namespace

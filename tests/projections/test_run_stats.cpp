#include <doctest/doctest.h>

#include "projections/fold.h"
#include "projections/run_stats.h"
#include "tests/projections/event_log.h"

using namespace dais;
using dais::projections::ProjectionError;
using dais::projections::RunStats;
using dais::test::decision;
using dais::test::EventLog;
using dais::test::proposal;
using dais::test::vote;

namespace {

events::StepCompleted step(std::uint64_t flows, std::uint64_t tp, std::uint64_t fp, std::uint64_t fn) {
  events::StepCompleted s;
  s.flows = flows;
  s.attack_flows = tp + fn;
  s.flagged = tp + fp;
  s.true_positives = tp;
  s.false_positives = fp;
  s.false_negatives = fn;
  s.blocked = tp / 2;
  s.active_agents = 4;
  return s;
}

}  // namespace

TEST_CASE("rates are defined and 0 on empty denominators") {
  const auto r = projections::rates(30, 10, 20);
  CHECK(r.precision == doctest::Approx(0.75));
  CHECK(r.recall == doctest::Approx(0.6));
  CHECK(r.f1 == doctest::Approx(2 * 0.75 * 0.6 / 1.35));
  const auto none = projections::rates(0, 0, 0);
  CHECK(none.precision == 0.0);
  CHECK(none.recall == 0.0);
  CHECK(none.f1 == 0.0);
  CHECK(projections::rates(0, 5, 5).f1 == 0.0);
}

TEST_CASE("per-step rows, totals, consensus counts, latency and pause state") {
  EventLog log;
  RunStats s;
  auto add = [&](std::uint64_t st, const auto& value) { s.apply(log.add(st, value)); };
  CHECK_FALSE(s.head_step().has_value());
  add(0, test::run_started(4, false));
  add(1, proposal("a", 0, "192.0.2.1", 3));
  add(1, vote("a", 1, true));
  add(1, events::SignatureEndorsed{"a", 2, 0.5, 3});
  auto s1 = step(100, 10, 5, 5);
  s1.blacklist_hits = {{"192.0.2.9", 2}, {"192.0.2.8", 1}};
  add(1, s1);
  add(2, proposal("b", 1, "192.0.2.2", 4));
  add(2, decision("b", false, "protected_address", "192.0.2.2"));
  add(3, decision("a", true, "majority", "192.0.2.1", 200));
  add(3, events::SimulationPaused{"api"});
  add(3, step(120, 20, 5, 15));
  CHECK(s.paused());
  CHECK(s.view()["paused_by"] == "api");
  add(4, events::SimulationResumed{"api"});
  add(4, events::ModelRetrained{1, 2, 100, "d"});
  add(4, events::AgentCrashed{2, 9});

  CHECK(s.steps_completed() == 2);
  CHECK(s.rows()[0].step == 1);
  CHECK(s.rows()[0].blacklist_hits == 3);
  CHECK(s.rows()[0].stats.blacklist_hits.empty());
  CHECK(s.totals().flows == 220);
  CHECK(s.totals().true_positives == 30);
  CHECK(s.totals().false_positives == 10);
  CHECK(s.totals().false_negatives == 20);
  CHECK(s.totals().blacklist_hits == 3);
  CHECK(s.rates().precision == doctest::Approx(0.75));
  CHECK(s.rates().recall == doctest::Approx(0.6));
  CHECK(s.consensus().proposed == 2);
  CHECK(s.consensus().endorsed == 1);
  CHECK(s.consensus().votes == 1);
  CHECK(s.consensus().accepted == 1);
  CHECK(s.consensus().rejected == 1);
  CHECK(s.consensus().by_reason.at("protected_address") == 1);
  CHECK(s.mean_decision_latency() == doctest::Approx(1.0));  // (3 - 1 + 2 - 2) / 2
  CHECK(s.head_step() == 4u);
  CHECK_FALSE(s.paused());

  const auto view = s.view();
  CHECK(view["run"]["agents"] == 4);
  CHECK(view["rates"]["precision"] == doctest::Approx(0.75));
  CHECK(view["consensus"]["pending"] == 0);
  CHECK(view["retrained"] == 1);
  CHECK(view["crashes"] == 1);
  CHECK(view["last_step"]["step"] == 3);
  CHECK(view["paused_by"].is_null());
  const auto rows = s.rows_json(2, 10)["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["step"] == 3);
  CHECK(rows[0]["flows"] == 120);
  CHECK(s.rows_json(0, 1)["rows"].size() == 1);

  const auto copy = RunStats::from_json(s.to_json());
  CHECK(copy.to_json() == s.to_json());
  CHECK(copy.rows()[0].stats.flows == 100);
}

TEST_CASE("stats refuse steps out of order and malformed step data") {
  EventLog log;
  RunStats s;
  s.apply(log.add(5, step(1, 0, 0, 0)));
  CHECK_THROWS_WITH_AS(s.apply(log.add(5, step(1, 0, 0, 0))), doctest::Contains("after step 5"), ProjectionError);
  auto data = nlohmann::json(step(1, 0, 0, 0));
  data.erase("flows");
  CHECK_THROWS_WITH_AS(s.apply(log.add_raw(6, events::type::step_completed, data)), doctest::Contains("flows"),
                       ProjectionError);
  CHECK_THROWS_WITH_AS(s.apply(log.add(6, decision("zz", true, "majority", "x"))), doctest::Contains("zz"),
                       ProjectionError);
  CHECK_THROWS_AS(RunStats::from_json(nlohmann::json{{"rows", nlohmann::json::array()}}), ProjectionError);
}

TEST_CASE("step history stays bounded over 100k steps while totals stay exact") {
  EventLog log;
  RunStats s(projections::HistoryLimits{500, 100, 16});
  projections::StepTotals naive;
  std::uint64_t blacklist_hits = 0;
  const std::uint64_t steps = 100'000;
  std::size_t most_rows = 0, most_buckets = 0;
  for (std::uint64_t i = 1; i <= steps; ++i) {
    auto row = step(10 + i % 7, i % 3, i % 5, i % 2);
    row.blocked_benign = i % 4;
    row.flows_while_down = i % 11;
    row.blacklist_hits = {{"192.0.2.1", i % 3}};
    naive.flows += row.flows;
    naive.true_positives += row.true_positives;
    naive.false_positives += row.false_positives;
    naive.false_negatives += row.false_negatives;
    naive.blocked_benign += row.blocked_benign;
    naive.flows_while_down += row.flows_while_down;
    blacklist_hits += i % 3;
    s.apply(log.add(i, row));
    most_rows = std::max(most_rows, s.rows().size());
    most_buckets = std::max(most_buckets, s.history().buckets().size());
  }
  CHECK(most_rows == 500);
  CHECK(most_buckets <= 16);
  CHECK(s.steps_completed() == steps);
  CHECK(s.rows().front().step == steps - 499);
  CHECK(s.rows().back().step == steps);
  CHECK(s.totals().flows == naive.flows);
  CHECK(s.totals().true_positives == naive.true_positives);
  CHECK(s.totals().false_positives == naive.false_positives);
  CHECK(s.totals().false_negatives == naive.false_negatives);
  CHECK(s.totals().blocked_benign == naive.blocked_benign);
  CHECK(s.totals().flows_while_down == naive.flows_while_down);
  CHECK(s.totals().blacklist_hits == blacklist_hits);

  // The buckets tile the run in order and sum to the totals.
  projections::StepTotals summed;
  std::uint64_t bucket_steps = 0, next_first = 1;
  for (const auto& b : s.history().buckets()) {
    CHECK(b.first_step == next_first);
    next_first = b.last_step + 1;
    bucket_steps += b.steps;
    projections::add_totals(summed, b.totals);
  }
  CHECK(next_first == steps + 1);
  CHECK(bucket_steps == steps);
  CHECK(summed == s.totals());
  CHECK(s.history().bucket_width() == 6400);  // 100 doubled until 16 buckets hold 100k steps

  const auto copy = RunStats::from_json(s.to_json());
  CHECK(copy.to_json() == s.to_json());
  CHECK(copy.history().bucket_width() == 6400);
}

TEST_CASE("a stats snapshot whose history does not fit its limits is refused") {
  EventLog log;
  RunStats s(projections::HistoryLimits{2, 1, 2});
  for (std::uint64_t i = 1; i <= 5; ++i) s.apply(log.add(i, step(1, 0, 0, 0)));
  auto j = s.to_json();
  j["history"]["recent_steps"] = 1;  // 2 rows kept, limit says 1
  CHECK_THROWS_WITH_AS(RunStats::from_json(j), doctest::Contains("does not fit"), ProjectionError);
  CHECK_THROWS_AS(projections::StepHistory(projections::HistoryLimits{1, 1, 3}), std::invalid_argument);
}

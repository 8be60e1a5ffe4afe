#include <doctest/doctest.h>

#include "projections/agent_state.h"
#include "projections/fold.h"
#include "tests/projections/event_log.h"

using namespace dais;
using dais::projections::AgentState;
using dais::projections::ProjectionError;
using dais::test::decision;
using dais::test::EventLog;
using dais::test::proposal;
using dais::test::vote;

TEST_CASE("agents: models, crashes, and counts of proposals, endorsements and votes") {
  EventLog log;
  AgentState a;
  auto add = [&](std::uint64_t step, const auto& value) { a.apply(log.add(step, value)); };
  add(0, test::run_started(4, true));
  CHECK(a.agent_count() == 4);
  add(0, events::ModelRetrained{2, 1, 256, std::string(64, 'a')});
  add(1, proposal("s1", 0, "192.0.2.1", 3));
  add(1, events::SignatureEndorsed{"s1", 3, 0.5, 4});
  add(1, vote("s1", 1, true));
  add(1, vote("s1", 2, false));
  add(2, decision("s1", true, "majority", "192.0.2.1", 100));
  add(2, proposal("s2", 1, "192.0.2.2", 4));
  add(2, vote("s2", 2, false));
  add(3, decision("s2", false, "minority", "192.0.2.2"));
  add(3, events::AgentCrashed{3, 8});

  const auto& r0 = *a.find(0);
  CHECK(r0.proposals == 1);
  CHECK(r0.accepted_proposals == 1);
  const auto& r1 = *a.find(1);
  CHECK(r1.votes == 1);
  CHECK(r1.votes_agreeing == 1);
  CHECK(r1.rejected_proposals == 1);
  const auto& r2 = *a.find(2);
  CHECK(r2.votes == 2);
  CHECK(r2.votes_agreeing == 1);  // wrong on s1, right on s2
  CHECK(r2.model_version == 1);
  CHECK(r2.samples == 256);
  CHECK(r2.last_retrain_step == 0u);
  CHECK(r2.model_digest == std::string(64, 'a'));
  const auto& r3 = *a.find(3);
  CHECK(r3.endorsements == 1);
  CHECK(r3.crashed);
  CHECK(r3.crashed_step == 3u);
  CHECK(r3.recover_step == 8u);
  CHECK(a.crashed_count() == 1);
  CHECK(a.find(4) == nullptr);

  // Reputation, by the documented rule: s1 accepted (0 proposer +10%, 3 endorser +5%,
  // 1 agreed +5%, 2 disagreed -10%); s2 rejected (1 proposer -20%, 2 agreed +5%).
  CHECK(a.reputation(0) == doctest::Approx(1.10));
  CHECK(a.reputation(3) == doctest::Approx(1.05));
  CHECK(a.reputation(1) == doctest::Approx(1.05 * 0.80));
  CHECK(a.reputation(2) == doctest::Approx(0.90 * 1.05));

  add(8, events::AgentRecovered{3, 5, 1, std::string(64, 'a')});
  CHECK_FALSE(a.find(3)->crashed);
  CHECK(a.find(3)->missed_steps == 5);
  CHECK_FALSE(a.find(3)->recover_step.has_value());
  CHECK(a.find(3)->crashes == 1);

  const auto view = a.view(1);
  CHECK(view["reputation"] == doctest::Approx(0.84));
  CHECK(view["rejected_proposals"] == 1);
  CHECK(a.list_json()["agents"].size() == 4);
  CHECK(a.list_json()["crashed"] == 0);
  CHECK_THROWS_AS(a.view(9), std::out_of_range);

  const auto copy = AgentState::from_json(a.to_json());
  CHECK(copy.to_json() == a.to_json());
}

TEST_CASE("reputation stays at 1 when the run disabled it") {
  EventLog log;
  AgentState a;
  a.apply(log.add(0, test::run_started(3, false)));
  a.apply(log.add(1, proposal("s", 0, "192.0.2.1", 3)));
  a.apply(log.add(1, vote("s", 1, false)));
  a.apply(log.add(2, decision("s", false, "minority", "192.0.2.1")));
  CHECK(a.reputation(0) == 1.0);
  CHECK(a.reputation(1) == 1.0);
  CHECK(a.find(0)->rejected_proposals == 1);
}

TEST_CASE("a decision still open across a snapshot is judged with its earlier ballots") {
  EventLog log;
  AgentState a;
  a.apply(log.add(0, test::run_started(3, true)));
  a.apply(log.add(1, proposal("s", 0, "192.0.2.1", 3)));
  a.apply(log.add(1, vote("s", 1, false)));
  auto restored = AgentState::from_json(a.to_json());
  const auto& last = log.add(2, decision("s", true, "majority", "192.0.2.1", 9));
  a.apply(last);
  restored.apply(last);
  CHECK(restored.to_json() == a.to_json());
  CHECK(restored.reputation(1) == doctest::Approx(0.90));
}

TEST_CASE("agent events that cannot be folded are refused") {
  EventLog log;
  AgentState a;
  a.apply(log.add(0, test::run_started(2, false)));
  CHECK_THROWS_WITH_AS(a.apply(log.add(1, events::AgentCrashed{2, 5})), doctest::Contains("agent 2 out of range"),
                       ProjectionError);
  CHECK_THROWS_WITH_AS(a.apply(log.add(1, vote("ghost", 1, true))), doctest::Contains("ghost"), ProjectionError);
  CHECK_THROWS_WITH_AS(a.apply(log.add(1, test::run_started(2, false))), doctest::Contains("second RunStarted"),
                       ProjectionError);
  auto data = nlohmann::json(events::ModelRetrained{1, 2, 3, "x"});
  data.erase("version");
  CHECK_THROWS_WITH_AS(a.apply(log.add_raw(1, events::type::model_retrained, data)), doctest::Contains("version"),
                       ProjectionError);
  auto bad_config = nlohmann::json(test::run_started(2, false));
  bad_config["config"]["consensus.reputation"] = "yes";
  AgentState fresh;
  CHECK_THROWS_WITH_AS(fresh.apply(log.add_raw(0, events::type::run_started, bad_config)),
                       doctest::Contains("consensus.reputation"), ProjectionError);
}

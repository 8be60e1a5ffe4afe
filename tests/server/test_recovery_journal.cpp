// The recovery journal (server/recovery_journal.h) holds what a crashed agent's replay reads, and
// no more: it forgets what every replay has passed, so a long run with crashes keeps a bounded
// journal, and a run without crashes keeps none. Forgetting is safe only if every replay still
// finds what it reads; the runs below recover agents many times and would stop with a
// ReplayMismatch (a missing ModelRetrained, or a model refitted from a different blacklist) if it
// were not.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "events/events.h"
#include "eventstore/store.h"
#include "server/recovery_journal.h"
#include "server/run.h"
#include "tests/server/logged_run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

void fold(server::RecoveryJournal& journal, const events::Event& e) { journal.apply(e.type, e.step, e.data); }

events::Event proposed(std::uint64_t step, const std::string& id, std::uint32_t agent, const std::string& indicator) {
  events::SignatureProposed p;
  p.signature_id = id;
  p.agent = agent;
  p.indicator = indicator;
  return events::Event{0, events::type::signature_proposed, step, p, {}};
}

events::Event decided(std::uint64_t step, const std::string& id, const std::string& indicator, bool accepted) {
  events::ConsensusReached c;
  c.signature_id = id;
  c.indicator = indicator;
  c.accepted = accepted;
  return events::Event{0, events::type::consensus_reached, step, c, {}};
}

events::Event retrained(std::uint64_t step, std::uint32_t agent, std::uint64_t version) {
  events::ModelRetrained m;
  m.agent = agent;
  m.version = version;
  m.samples = 10 * version;
  m.model_digest = std::string(64, static_cast<char>('0' + version));
  return events::Event{0, events::type::model_retrained, step, m, {}};
}

struct Ran {
  std::size_t journal_entries = 0;
  std::size_t logged_entries = 0;  // what a journal that never forgot would hold
  std::uint64_t recoveries = 0;
};

Ran run_to_end(const config::Config& cfg) {
  TempDir tmp;
  auto store = test::open_store(tmp.path());
  auto run = server::Run::open(*store, cfg, test::run_options());
  while (!run->finished()) run->step();  // a replay that cannot find what it reads throws here
  const auto& engine = run->engine();
  Ran ran;
  ran.journal_entries = engine.recovery_journal().size();
  ran.recoveries = engine.recovery_times().recoveries;
  server::RecoveryJournal everything;
  store->scan(0, [&](const eventstore::StoredEvent& stored) {
    const auto e = events::parse_event(stored.bytes);
    everything.apply(e.type, e.step, e.data);
    return true;
  });
  ran.logged_entries = everything.size();
  return ran;
}

}  // namespace

TEST_CASE("the journal finds models by version, and forgets only what it is told replays have passed") {
  server::RecoveryJournal journal;
  for (std::uint64_t v = 1; v <= 5; ++v) fold(journal, retrained(10 * v, 3, v));
  fold(journal, proposed(12, "s1", 2, "198.51.100.7/32"));
  fold(journal, decided(12, "s1", "198.51.100.7/32", true));
  fold(journal, proposed(30, "s2", 4, "198.51.100.8/32"));
  fold(journal, decided(31, "s2", "198.51.100.8/32", true));
  fold(journal, proposed(40, "s3", 1, "198.51.100.9/32"));  // still pending

  REQUIRE(journal.model(3, 2) != nullptr);
  CHECK(journal.model(3, 2)->step == 20);
  CHECK(journal.model(3, 6) == nullptr);
  CHECK(journal.model(9, 1) == nullptr);
  REQUIRE(journal.decisions().size() == 2);
  CHECK(journal.decisions()[1].decider == 4);
  // Decided signatures' proposers are no longer held; the pending one is.
  CHECK(journal.size() == 5 + 2 + 1);

  journal.forget_agent_before(3, 35, 3);
  CHECK(journal.model(3, 3) == nullptr);
  REQUIRE(journal.model(3, 4) != nullptr);
  CHECK(journal.model(3, 4)->step == 40);
  CHECK(journal.models(3).front().version == 4);

  journal.forget_before(31);
  REQUIRE(journal.decisions().size() == 1);
  CHECK(journal.decisions().front().signature_id == "s2");
  CHECK(journal.size() == 2 + 1 + 1);

  // A signature proposed again after its decision is decided again with its new proposer.
  fold(journal, proposed(50, "s1", 6, "198.51.100.7/32"));
  fold(journal, decided(50, "s1", "198.51.100.7/32", true));
  CHECK(journal.decisions().back().decider == 6);
  // An accepted signature nobody proposed is a malformed log.
  CHECK_THROWS_AS(fold(journal, decided(51, "s9", "198.51.100.10/32", true)), std::invalid_argument);
}

TEST_CASE("a long run with crashes keeps a bounded journal, and every replay still finds what it reads") {
  const auto crashing = [](const char* steps) {
    return test::small_config({{"simulation.steps", steps},
                               {"faults.crash_rate", "0.1"},
                               {"faults.recovery_steps", "2"},
                               {"detector.retrain_interval", "3"},
                               {"traffic.campaigns", "70"}});  // one every 6 steps: decisions all along
  };
  const auto shorter = run_to_end(crashing("150"));
  const auto longer = run_to_end(crashing("450"));
  CHECK(shorter.recoveries > 50);
  CHECK(longer.recoveries > 3 * shorter.recoveries / 2);
  // Every agent has recovered recently, so the journal keeps only recent steps: the run three times
  // as long holds about as much as the shorter one, where keeping everything would triple it.
  MESSAGE("journal entries at the end: ", shorter.journal_entries, " of ", shorter.logged_entries, " after 150 steps, ",
          longer.journal_entries, " of ", longer.logged_entries, " after 450");
  CHECK(longer.logged_entries > 2 * shorter.logged_entries);
  CHECK(longer.journal_entries < 2 * shorter.journal_entries);
  CHECK(longer.journal_entries * 10 < longer.logged_entries);
}

TEST_CASE("a run without crashes keeps no journal") {
  CHECK(run_to_end(test::small_config({{"simulation.steps", "60"}})).journal_entries == 0);
}

// The engine bound to its log: determinism across thread counts, resume to the
// same head hash, replay that catches a tampered event, projections rebuilt
// from the log equal to the live ones, and summary counts equal to a fold of the log.
#include <doctest/doctest.h>
#include <lmdb.h>

#include <map>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "events/events.h"
#include "projections/projections.h"
#include "config/schema.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

using test::open_store;

server::Run::Options options(unsigned threads, std::optional<std::uint64_t> steps = std::nullopt) {
  server::Run::Options o;
  o.version = DAIS_VERSION;
  o.threads = threads;
  o.steps = steps;
  return o;
}

std::vector<std::string> all_bytes(const eventstore::Store& store) {
  std::vector<std::string> out;
  store.scan(0, [&](const eventstore::StoredEvent& e) {
    out.push_back(e.bytes);
    return true;
  });
  return out;
}

std::string run_to_end(const std::filesystem::path& dir, const config::Config& cfg, unsigned threads) {
  auto store = open_store(dir);
  auto run = server::Run::open(*store, cfg, options(threads));
  while (!run->finished()) run->step();
  return to_hex(store->head().hash);
}

// Changes the stored entry of `seq` behind the store's back, in one LMDB write transaction.
template <typename Edit> void edit_event_entry(const std::filesystem::path& dir, std::uint64_t seq, Edit edit) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, "events", 0, &dbi) == 0);
  std::array<unsigned char, 8> key{};
  for (int i = 0; i < 8; ++i) key[7 - i] = static_cast<unsigned char>(seq >> (8 * i));
  MDB_val k{key.size(), key.data()};
  edit(txn, dbi, k);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

const auto kFaulty = {std::pair{"faults.crash_rate", "0.05"}, std::pair{"faults.byzantine_fraction", "0.25"},
                      std::pair{"consensus.reputation", "true"}};

}  // namespace

TEST_CASE("the same configuration and seed give a byte-identical log with 1 and 2 threads, faults on") {
  TempDir tmp;
  const auto cfg = test::small_config(kFaulty);
  const auto one = run_to_end(tmp / "t1", cfg, 1);
  const auto two = run_to_end(tmp / "t2", cfg, 2);
  const auto again = run_to_end(tmp / "t2b", cfg, 2);
  CHECK(one == two);
  CHECK(two == again);
  const auto a = all_bytes(*open_store(tmp / "t1"));
  const auto b = all_bytes(*open_store(tmp / "t2"));
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == b[i]);
  // A different seed is a different run.
  CHECK(run_to_end(tmp / "s", test::small_config({{"simulation.seed", "43"}}), 2) != one);
}

TEST_CASE("the log holds the run: RunStarted first, every step closed by StepCompleted, signatures decided") {
  TempDir tmp;
  auto store = open_store(tmp.path());
  auto run = server::Run::open(*store, test::small_config(), options(2));
  while (!run->finished()) run->step();
  std::map<std::string, int> types;
  std::uint64_t steps_completed = 0;
  std::uint64_t seq = 0;
  store->scan(0, [&](const eventstore::StoredEvent& e) {
    const auto ev = events::parse_event(e.bytes);
    CHECK(ev.seq == seq++);
    if (ev.seq == 0) {
      CHECK(ev.type == "RunStarted");
      CHECK(ev.data.at("config").at("simulation.agents") == 8);
      CHECK(ev.data.at("seed") == 42);
      CHECK(ev.data.at("version") == DAIS_VERSION);
    }
    if (ev.type == "StepCompleted") CHECK(ev.step == steps_completed++);
    ++types[ev.type];
    return true;
  });
  CHECK(steps_completed == 30);
  CHECK(types["ModelRetrained"] >= 8);  // every agent starts with a model
  CHECK(types["SignatureProposed"] > 0);
  CHECK(types["VoteCast"] > 0);
  CHECK(types["ConsensusReached"] > 0);
  const auto summary = run->summary();
  CHECK(summary.proposed == types["SignatureProposed"]);
  CHECK(summary.votes == types["VoteCast"]);
  CHECK(summary.accepted + summary.rejected == types["ConsensusReached"]);
  CHECK(summary.head_seq == seq - 1);
  CHECK(summary.head_hash == to_hex(store->head().hash));
  CHECK(summary.precision > 0.5);
  CHECK(summary.recall > 0.3);
}

TEST_CASE("a run stopped part-way and resumed ends with the same head hash as an uninterrupted run") {
  TempDir tmp;
  const auto cfg = test::small_config(kFaulty);
  const auto uninterrupted = run_to_end(tmp / "full", cfg, 2);
  {
    auto store = open_store(tmp / "cut");
    auto run = server::Run::open(*store, cfg, options(2, 11));
    while (!run->finished()) run->step();
    CHECK(run->completed_steps() == 11);
  }
  {
    auto store = open_store(tmp / "cut");
    auto run = server::Run::open(*store, cfg, options(1, 19));
    CHECK(run->resumed());
    CHECK(run->completed_steps() == 11);
    while (!run->finished()) run->step();
  }
  CHECK(run_to_end(tmp / "cut", cfg, 2) == uninterrupted);
}

TEST_CASE("resuming with a configuration that contradicts the log is refused and changes nothing") {
  TempDir tmp;
  run_to_end(tmp.path(), test::small_config(), 2);
  const auto head_before = open_store(tmp.path())->head();
  auto store = open_store(tmp.path());
  CHECK_THROWS_WITH_AS(server::Run::open(*store, test::small_config({{"simulation.agents", "9"}}), options(2)),
                       doctest::Contains("simulation.agents"), server::RunError);
  CHECK(store->head().hash == head_before.hash);
  CHECK(store->head().count == head_before.count);
}

TEST_CASE("replay reproduces a run with faults and operator inputs, and names the seq of an altered event") {
  TempDir tmp;
  const auto cfg = test::small_config(kFaulty);
  {
    auto store = open_store(tmp.path());
    auto run = server::Run::open(*store, cfg, options(2));
    for (int i = 0; i < 5; ++i) run->step();
    run->append_operator_input(events::type::simulation_paused, events::SimulationPaused{"test"});
    run->append_operator_input(events::type::simulation_resumed, events::SimulationResumed{"test"});
    const auto attack = run->attack_from_request(
        nlohmann::json{{"kind", "flood"}, {"sources", {"203.0.113.9"}}, {"targets", {1, 2, 3}}});
    run->append_operator_input(events::type::attack_injected, attack);
    while (!run->finished()) run->step();
  }
  auto store = open_store(tmp.path());
  const auto head = store->head();
  auto replayed = server::Run::replay(*store, std::nullopt, options(1));
  CHECK(replayed->head().hash == head.hash);
  CHECK(replayed->head().count == head.count);

  // Alter one event's data and re-hash it, so only the content differs.
  std::uint64_t victim = 0;
  std::string bytes;
  store->scan(0, [&](const eventstore::StoredEvent& e) {
    if (e.bytes.find("\"type\":\"VoteCast\"") != std::string::npos && e.seq > 50) {
      victim = e.seq;
      bytes = e.bytes;
      return false;
    }
    return true;
  });
  REQUIRE(victim > 0);
  const auto pos = bytes.find("\"approve\":");
  REQUIRE(pos != std::string::npos);
  const bool was_true = bytes.compare(pos + 10, 4, "true") == 0;
  bytes.replace(pos + 10, was_true ? 4 : 5, was_true ? "false" : "true");
  store.reset();
  const auto hash = sha256(bytes);
  std::string value(reinterpret_cast<const char*>(hash.data()), hash.size());
  value += bytes;
  edit_event_entry(tmp.path(), victim, [&](MDB_txn* txn, MDB_dbi dbi, MDB_val& key) {
    MDB_val v{value.size(), value.data()};
    REQUIRE(mdb_put(txn, dbi, &key, &v, 0) == 0);
  });
  store = open_store(tmp.path());
  try {
    server::Run::replay(*store, std::nullopt, options(2));
    FAIL("replay accepted an altered log");
  } catch (const server::DivergenceError& e) {
    CHECK(e.divergence.seq == victim);
    CHECK(e.divergence.type == "VoteCast");
    CHECK(std::find(e.divergence.fields.begin(), e.divergence.fields.end(), "data.approve") !=
          e.divergence.fields.end());
  }
}

TEST_CASE("projections rebuilt from seq 0 of the log equal the live projections") {
  TempDir tmp;
  auto store = open_store(tmp.path());
  auto run = server::Run::open(*store, test::small_config(kFaulty), options(2));
  while (!run->finished()) run->step();
  const auto live = run->projections_snapshot();
  projections::Projections rebuilt;
  store->scan(0, [&](const eventstore::StoredEvent& e) {
    auto event = events::parse_event(e.bytes);
    event.hash = to_hex(e.hash);  // the live fold gets each event's stored hash from the commit
    rebuilt.apply(event);
    return true;
  });
  CHECK(rebuilt.snapshot() == live->snapshot());
  CHECK(live->run_hash() == to_hex(store->get(0)->hash));
}

TEST_CASE("RunStarted holds what determines the simulation: runtime keys change neither seq 0 nor the head") {
  TempDir tmp;
  const auto a = test::small_config({{"simulation.threads", "1"},
                                     {"simulation.step_interval_ms", "0"},
                                     {"api.listen", "127.0.0.1:18081"},
                                     {"store.sync", "none"},
                                     {"log.level", "warn"}});
  const auto b = test::small_config({{"simulation.threads", "2"},
                                     {"simulation.step_interval_ms", "5"},
                                     {"api.listen", "127.0.0.1:18082"},
                                     {"store.sync", "full"},
                                     {"log.level", "debug"}});
  const auto head_a = run_to_end(tmp / "a", a, 0);
  const auto head_b = run_to_end(tmp / "b", b, 0);
  CHECK(head_a == head_b);
  const auto seq0 = events::parse_event(open_store(tmp / "a")->get(0)->bytes);
  const auto& logged = seq0.data.at("config");
  for (const auto& [key, value] : logged.items()) {
    CHECK_MESSAGE(!config::is_runtime_key(key), key);
  }
  CHECK(logged.at("simulation.agents") == 8);
  CHECK(logged.at("detector.trees") == 40);
  CHECK(logged.at("simulation.steps") == 30);  // the target the run was started with
  // A resume may change runtime keys freely.
  auto store = open_store(tmp / "a");
  auto resumed = server::Run::open(*store, b, options(0, 35));
  while (!resumed->finished()) resumed->step();
  CHECK(resumed->completed_steps() == 35);
  CHECK(server::Run::replay(*store, std::nullopt, options(1))->head().hash == store->head().hash);
}

TEST_CASE("replay of a log cut inside its last step reports the step as incomplete") {
  TempDir tmp;
  const auto cfg = test::small_config(kFaulty);
  run_to_end(tmp.path(), cfg, 2);
  std::uint64_t head_seq = 0, last_step = 0, last_step_events = 0;
  {
    auto store = open_store(tmp.path());
    head_seq = store->head().seq();
    last_step = events::parse_event(store->get(head_seq)->bytes).step;
    store->scan(0, [&](const eventstore::StoredEvent& e) {
      const auto ev = events::parse_event(e.bytes);
      if (ev.step == last_step && !events::is_operator_input(ev.type) && ev.type != events::type::run_started) {
        ++last_step_events;
      }
      return true;
    });
    REQUIRE(last_step_events >= 2);
    auto whole = server::Run::replay(*store, std::nullopt, options(2));
    CHECK_FALSE(whole->partial_step().has_value());
  }
  // Drop the step's last event (its StepCompleted) straight from LMDB: the chain stays intact.
  edit_event_entry(tmp.path(), head_seq, [](MDB_txn* txn, MDB_dbi dbi, MDB_val& key) {
    REQUIRE(mdb_del(txn, dbi, &key, nullptr) == 0);
  });
  auto store = open_store(tmp.path());
  REQUIRE(store->verify().ok);
  auto cut = server::Run::replay(*store, std::nullopt, options(2));
  REQUIRE(cut->partial_step().has_value());
  CHECK(cut->partial_step()->step == last_step);
  CHECK(cut->partial_step()->logged == last_step_events - 1);
  CHECK(cut->partial_step()->expected == last_step_events);
  CHECK(cut->head().seq() == head_seq - 1);
}

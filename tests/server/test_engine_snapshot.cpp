// Engine snapshots: the codec (every part round-trips, and a restored engine steps on
// exactly as the original), and resuming a run from them (the same head as a full
// re-execution and as an uninterrupted run; damaged, foreign and misleading snapshots
// are skipped, never trusted). Realistic and classroom scenarios, with crashes,
// Byzantine agents and an operator's attack.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/temp_dir.h"
#include "events/events.h"
#include "events/evidence.h"
#include "server/engine.h"
#include "server/engine_snapshot.h"
#include "server/run.h"
#include "server/run_snapshot.h"
#include "server/settings.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

constexpr std::uint64_t kSteps = 60;

// "evidence" is the realistic scenario with validation.defence evidence and reputation on.
config::Config faulty(const char* variant, std::uint64_t seed = 42) {
  const bool evidence = std::string(variant) == "evidence";
  const char* scenario = evidence ? "realistic" : variant;
  const auto seed_text = std::to_string(seed);
  auto c = test::small_config({{"simulation.scenario", scenario},
                               {"simulation.steps", "60"},
                               {"faults.crash_rate", "0.05"},
                               {"faults.recovery_steps", "4"},
                               {"faults.byzantine_fraction", "0.25"},
                               {"faults.adversary", "framing"}});
  c.set_text("simulation.seed", seed_text, "test");
  if (std::string(scenario) == "realistic") c.set_text("network.delay_steps", "2", "test");
  if (evidence) {
    c.set_text("validation.defence", "evidence", "test");
    c.set_text("consensus.reputation", "true", "test");
  }
  return c;
}

std::string text(const std::vector<server::Produced>& produced) {
  std::string out;
  for (const auto& p : produced) out += p.type + " " + std::to_string(p.step) + " " + p.data.dump() + "\n";
  return out;
}

events::Event operator_attack(std::uint64_t step) {
  events::AttackInjected attack;
  attack.campaign_id = "op-1";
  attack.kind = "port_scan";
  attack.sources = {"203.0.113.7"};
  attack.targets = {1, 2, 3};
  attack.start_step = step + 1;
  attack.delay_steps = 2;
  return events::Event{0, events::type::attack_injected, step, nlohmann::json(attack), std::string{}};
}

// The named parts of an engine snapshot (layout in server/engine_snapshot.h).
std::vector<std::pair<std::string, std::string>> parts_of(std::string_view bytes) {
  server::ByteReader r(bytes);
  r.raw(server::EngineSnapshot::kMagic.size());
  r.u32();
  std::vector<std::pair<std::string, std::string>> out(r.u32());
  for (auto& [name, payload] : out) {
    name = r.text();
    payload = r.text();
  }
  return out;
}

server::Run::Options options(std::uint64_t interval, std::vector<std::string>* notes = nullptr) {
  server::Run::Options o;
  o.version = DAIS_VERSION;
  o.snapshot_interval_steps = interval;
  if (notes) o.on_snapshot_note = [notes](const std::string& n) { notes->push_back(n); };
  return o;
}

// Runs `cfg` in a fresh store to its end and returns the head hash.
std::string uninterrupted_head(const config::Config& cfg) {
  TempDir tmp;
  auto store = test::open_store(tmp.path());
  auto run = server::Run::open(*store, cfg, options(0));
  while (!run->finished()) run->step();
  return to_hex(run->head().hash);
}

// Opens `dir`, runs `steps` steps (snapshots every 10), closes it.
void run_steps(const std::filesystem::path& dir, const config::Config& cfg, std::uint64_t steps) {
  auto store = test::open_store(dir);
  auto run = server::Run::open(*store, cfg, options(10));
  for (std::uint64_t s = 0; s < steps; ++s) run->step();
}

struct Resumed {
  std::optional<std::uint64_t> from;
  std::uint64_t at_step = 0;
  std::string head;  // at the run's end
};

// Reopens `dir` (resuming) and runs to the end.
Resumed resume(const std::filesystem::path& dir, const config::Config& cfg, bool verify_full,
               std::vector<std::string>* notes = nullptr) {
  auto store = test::open_store(dir);
  auto o = options(10, notes);
  o.verify_full = verify_full;
  auto run = server::Run::open(*store, cfg, o);
  Resumed r{run->resumed_from_snapshot(), run->completed_steps(), {}};
  while (!run->finished()) run->step();
  r.head = to_hex(run->head().hash);
  return r;
}

server::RunSnapshot stored_snapshot(const std::filesystem::path& dir, unsigned slot) {
  const auto bytes = server::read_snapshot_file(server::snapshot_file(dir, slot));
  REQUIRE(bytes);
  return server::RunSnapshot::decode(*bytes);
}

void overwrite_snapshot(const std::filesystem::path& dir, unsigned slot, std::string bytes) {
  server::write_snapshot_file(server::snapshot_file(dir, slot), bytes);
}

bool any_note_has(const std::vector<std::string>& notes, std::string_view what) {
  for (const auto& n : notes) {
    if (n.find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a restored engine holds every part as saved and steps on identically, for any thread count") {
  for (const std::string scenario : {"realistic", "classroom", "evidence"}) {
    CAPTURE(scenario);
    const auto settings = server::settings_from_config(faulty(scenario.c_str()));
    server::ThreadPool two(2), one(1);
    server::Engine original(settings, two);
    std::string before;
    // From step 20 on, the snapshot is taken at the first step with accepted entries still in
    // flight over the network (realistic: delay 2), so that part is exercised too.
    auto in_flight = [&] {
      for (const auto& [name, payload] : parts_of(server::EngineSnapshot::save(original))) {
        if (name == "deliveries") return payload.size() > 8;
      }
      return false;
    };
    while (original.next_step() < 20 || (scenario == "realistic" && !in_flight())) {
      REQUIRE(original.next_step() < kSteps - 10);
      if (original.next_step() == 12) original.apply_operator_input(operator_attack(12));
      before += text(original.run_step());
    }
    // The state is not trivial: agents crashed, Byzantine agents proposed, votes are pending.
    CHECK(before.find(events::type::agent_crashed) != std::string::npos);
    CHECK(before.find(events::type::agent_recovered) != std::string::npos);
    CHECK(before.find(events::type::signature_proposed) != std::string::npos);
    CHECK(before.find(events::type::vote_cast) != std::string::npos);
    bool byzantine = false;
    for (std::uint32_t a = 0; a < settings.agents; ++a) byzantine = byzantine || original.is_byzantine(a);
    CHECK(byzantine);
    if (scenario == "evidence") {  // signatures under judgement, and agents' evidence, are in the snapshot
      CHECK((before.find(events::type::signature_corroborated) != std::string::npos ||
             before.find(events::type::signature_disputed) != std::string::npos));
    }

    const auto bytes = server::EngineSnapshot::save(original);
    // Agents recovered by replaying the log: the journal and their replays are in the snapshot.
    for (const auto& [name, payload] : parts_of(bytes)) {
      CAPTURE(name);
      if (name == "recovery_journal" || name == "agent_replays") CHECK(payload.size() > 64);
    }
    server::Engine restored(settings, one);
    server::EngineSnapshot::restore(restored, bytes);
    const auto saved = parts_of(bytes);
    const auto again = parts_of(server::EngineSnapshot::save(restored));
    REQUIRE(saved.size() == server::EngineSnapshot::part_names().size());
    REQUIRE(again.size() == saved.size());
    for (std::size_t i = 0; i < saved.size(); ++i) {
      CAPTURE(saved[i].first);
      CHECK(saved[i].first == server::EngineSnapshot::part_names()[i]);
      CHECK(again[i].first == saved[i].first);
      CHECK(again[i].second == saved[i].second);  // this part round-trips
    }
    CHECK(restored.next_step() == original.next_step());
    CHECK(restored.next_campaign_id() == original.next_campaign_id());
    for (std::uint64_t s = original.next_step(); s < kSteps; ++s) {
      CAPTURE(s);
      REQUIRE(text(restored.run_step()) == text(original.run_step()));
    }
  }
}

TEST_CASE("restoring refuses bytes it cannot use, naming why") {
  const auto settings = server::settings_from_config(faulty("classroom"));
  server::ThreadPool pool(1);
  server::Engine original(settings, pool);
  for (int s = 0; s < 8; ++s) original.run_step();
  const auto bytes = server::EngineSnapshot::save(original);

  server::Engine fresh(settings, pool);
  CHECK_THROWS_WITH_AS(server::EngineSnapshot::restore(fresh, "DAISFORS"), doctest::Contains("not an engine snapshot"),
                       server::SnapshotError);
  server::Engine truncated(settings, pool);
  CHECK_THROWS_AS(server::EngineSnapshot::restore(truncated, bytes.substr(0, bytes.size() / 2)), server::SnapshotError);
  auto other_format = bytes;
  other_format[8] = 9;
  server::Engine formats(settings, pool);
  CHECK_THROWS_WITH_AS(server::EngineSnapshot::restore(formats, other_format), doctest::Contains("format 9"),
                       server::SnapshotError);
  auto other = server::settings_from_config(faulty("classroom"));
  other.agents = 5;
  server::Engine smaller(other, pool);
  CHECK_THROWS_WITH_AS(server::EngineSnapshot::restore(smaller, bytes), doctest::Contains("number of agents"),
                       server::SnapshotError);
  CHECK_THROWS_WITH_AS(server::EngineSnapshot::restore(original, bytes), doctest::Contains("fresh engine"),
                       server::SnapshotError);
}

TEST_CASE("a resume from a snapshot reaches the head of a full re-execution and of an uninterrupted run") {
  for (const std::string scenario : {"realistic", "classroom"}) {
    CAPTURE(scenario);
    const auto cfg = faulty(scenario.c_str());
    const auto expected = uninterrupted_head(cfg);
    TempDir from_snapshot, full;
    run_steps(from_snapshot.path(), cfg, 35);
    run_steps(full.path(), cfg, 35);
    const auto newest = stored_snapshot(from_snapshot.path(), 1);  // step 30 is in slot (30 / 10) % 2

    const auto a = resume(from_snapshot.path(), cfg, false);
    CHECK(a.from == newest.seq);
    CHECK(newest.next_step == 30);
    CHECK(a.at_step == 35);
    CHECK(a.head == expected);

    const auto b = resume(full.path(), cfg, true);
    CHECK_FALSE(b.from);
    CHECK(b.at_step == 35);
    CHECK(b.head == expected);
  }
}

TEST_CASE("a damaged snapshot is skipped with a note, and the one before it is used") {
  const auto cfg = faulty("classroom");
  const auto expected = uninterrupted_head(cfg);
  TempDir dir;
  run_steps(dir.path(), cfg, 35);
  const auto older = stored_snapshot(dir.path(), 0);  // step 20
  auto damaged = stored_snapshot(dir.path(), 1).encode();
  damaged[damaged.size() / 2] ^= 0x01;
  overwrite_snapshot(dir.path(), 1, damaged);

  std::vector<std::string> notes;
  const auto r = resume(dir.path(), cfg, false, &notes);
  CHECK(r.from == older.seq);
  CHECK(any_note_has(notes, "SHA-256"));
  CHECK(r.head == expected);
}

TEST_CASE("with every snapshot damaged the whole log is re-executed") {
  const auto cfg = faulty("classroom");
  const auto expected = uninterrupted_head(cfg);
  TempDir dir;
  run_steps(dir.path(), cfg, 25);
  overwrite_snapshot(dir.path(), 0, "DAISSNAP garbage");
  overwrite_snapshot(dir.path(), 1, "");
  std::vector<std::string> notes;
  const auto r = resume(dir.path(), cfg, false, &notes);
  CHECK_FALSE(r.from);
  CHECK(r.at_step == 25);
  CHECK(notes.size() == 2);
  CHECK(r.head == expected);
}

TEST_CASE("a snapshot of another run, or one that does not reproduce the log, is never trusted") {
  const auto cfg = faulty("classroom");
  const auto expected = uninterrupted_head(cfg);
  TempDir dir, other;
  run_steps(dir.path(), cfg, 35);
  run_steps(other.path(), faulty("classroom", 7), 35);

  SUBCASE("another run's snapshot") {
    const auto older = stored_snapshot(dir.path(), 0);
    overwrite_snapshot(dir.path(), 1, stored_snapshot(other.path(), 1).encode());
    std::vector<std::string> notes;
    const auto r = resume(dir.path(), cfg, false, &notes);
    CHECK(any_note_has(notes, "another run"));
    CHECK(r.from == older.seq);
    CHECK(r.head == expected);
  }
  SUBCASE("a well-formed snapshot on the chain whose engine is not the run's") {
    // Its digest and chain position are right, and it restores; only re-executing the tail
    // against the log can tell, so that is what decides.
    auto misleading = stored_snapshot(dir.path(), 1);
    server::ThreadPool pool(1);
    server::Engine stranger(server::settings_from_config(faulty("classroom", 7)), pool);
    for (std::uint64_t s = 0; s < misleading.next_step; ++s) stranger.run_step();
    misleading.engine = server::EngineSnapshot::save(stranger);
    overwrite_snapshot(dir.path(), 1, misleading.encode());
    overwrite_snapshot(dir.path(), 0, misleading.encode());
    std::vector<std::string> notes;
    const auto r = resume(dir.path(), cfg, false, &notes);
    CHECK_FALSE(r.from);
    CHECK(any_note_has(notes, "do not reproduce the log"));
    CHECK(r.head == expected);
  }
}

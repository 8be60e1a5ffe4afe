// Corruption tests in the spirit of LevelDB's corruption_test: damage a closed
// log with raw LMDB writes, then check that verify() and the dais-verify
// binary both name the first bad seq and the right problem, and that a store
// whose head is damaged refuses to append.
#include <doctest/doctest.h>

#include <functional>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "tests/eventstore/test_support.h"

using namespace dais::eventstore;
using namespace dais::eventstore::testing;
using dais::TempDir;

namespace {

constexpr std::size_t kEvents = 50;

// Builds a 50-event log, applies `damage` through raw LMDB, and returns the dir.
struct DamagedLog {
  TempDir tmp;
  std::filesystem::path dir = tmp / "log";
  explicit DamagedLog(const std::function<void(RawLog&)>& damage) {
    write_log(dir, kEvents, 10);
    RawLog raw(dir);
    damage(raw);
    raw.commit();
  }
};

VerifyReport verify_read_only(const std::filesystem::path& dir, std::uint64_t from = 0) {
  StoreOptions ro;
  ro.read_only = true;
  return Store::open(dir, ro)->verify(from);
}

// Both the library and the command-line tool must report the same first bad seq.
void expect_detected(const std::filesystem::path& dir, std::uint64_t seq, Problem problem) {
  const VerifyReport report = verify_read_only(dir);
  CAPTURE(report.reason);
  CHECK_FALSE(report.ok);
  CHECK(report.bad_seq == seq);
  CHECK(report.problem == problem);
  CHECK(report.checked == seq);
  CHECK_FALSE(report.reason.empty());

  const dais::test::RunResult tool = run_verify_tool({dir.string()});
  CAPTURE(tool.output);
  CHECK(tool.exit_code == 1);
  CHECK(tool.output.find("FAILED at seq " + std::to_string(seq) + ":") != std::string::npos);
  CHECK(tool.output.find(problem_name(problem)) != std::string::npos);
}

// Value = 32-byte hash + event bytes; these edit the event bytes.
std::string event_of(const std::string& value) { return value.substr(32); }
std::string with_hash(const std::string& event) {
  const auto h = dais::sha256(event);
  return std::string(reinterpret_cast<const char*>(h.data()), h.size()) + event;
}

}  // namespace

TEST_CASE("an intact log passes both checks") {
  DamagedLog log([](RawLog&) {});
  CHECK(verify_read_only(log.dir).ok);
  const auto tool = run_verify_tool({log.dir.string()});
  CHECK(tool.exit_code == 0);
  CHECK(tool.output.rfind("ok: 50 events, head 49 ", 0) == 0);
}

TEST_CASE("one flipped byte inside an event is a hash mismatch at that seq") {
  DamagedLog log([](RawLog& raw) {
    std::string v = raw.get(17);
    const auto at = v.find("similarity");
    REQUIRE(at != std::string::npos);
    v[at] ^= 0x01;  // 's' -> 'r': still valid JSON, different bytes
    raw.put(17, v);
  });
  expect_detected(log.dir, 17, Problem::hash_mismatch);
  // The stored hash of 17 is intact, so a range starting after it links fine.
  CHECK(verify_read_only(log.dir, 18).ok);
}

TEST_CASE("one flipped byte of a stored hash is a hash mismatch there and breaks the link after it") {
  DamagedLog log([](RawLog& raw) {
    std::string v = raw.get(23);
    v[5] = static_cast<char>(v[5] ^ 0x80);
    raw.put(23, v);
  });
  expect_detected(log.dir, 23, Problem::hash_mismatch);
  const auto from_next = verify_read_only(log.dir, 24);
  CHECK(from_next.bad_seq == 24);
  CHECK(from_next.problem == Problem::broken_link);
}

TEST_CASE("a truncated value is detected") {
  SUBCASE("shorter than a hash") {
    DamagedLog log([](RawLog& raw) { raw.put(31, raw.get(31).substr(0, 20)); });
    expect_detected(log.dir, 31, Problem::truncated_value);
  }
  SUBCASE("cut inside the event bytes") {
    DamagedLog log([](RawLog& raw) {
      const std::string v = raw.get(31);
      raw.put(31, v.substr(0, v.size() / 2));
    });
    expect_detected(log.dir, 31, Problem::hash_mismatch);
  }
}

TEST_CASE("a deleted entry is missing") {
  DamagedLog log([](RawLog& raw) { raw.del(12); });
  expect_detected(log.dir, 12, Problem::missing_entry);
}

TEST_CASE("two swapped values are a seq mismatch at the first") {
  DamagedLog log([](RawLog& raw) {
    const std::string a = raw.get(5), b = raw.get(6);
    raw.put(5, b);
    raw.put(6, a);
  });
  expect_detected(log.dir, 5, Problem::seq_mismatch);
}

TEST_CASE("an event rewritten with a fresh valid hash breaks the link of the next one") {
  DamagedLog log([](RawLog& raw) {
    std::string event = event_of(raw.get(40));
    const auto at = event.find("true");
    REQUIRE(at != std::string::npos);
    event.replace(at, 4, "false");
    raw.put(40, with_hash(event));
  });
  expect_detected(log.dir, 41, Problem::broken_link);
}

TEST_CASE("an event with a valid hash but not the event shape is bad JSON") {
  DamagedLog log([](RawLog& raw) {
    std::string event = event_of(raw.get(9));
    const auto at = event.find(R"("step":)");
    REQUIRE(at != std::string::npos);
    event.replace(at, 7, R"("stop":)");
    raw.put(9, with_hash(event));
  });
  expect_detected(log.dir, 9, Problem::bad_json);
}

TEST_CASE("seq 0 must link to 64 zeros") {
  DamagedLog log([](RawLog& raw) {
    std::string event = event_of(raw.get(0));
    const auto at = event.find(R"("prev":"0)");
    REQUIRE(at != std::string::npos);
    event[at + 8] = '1';
    raw.put(0, with_hash(event));
  });
  expect_detected(log.dir, 0, Problem::broken_link);
}

TEST_CASE("a damaged head opens for inspection but refuses appends, and nothing is repaired") {
  DamagedLog log([](RawLog& raw) {
    std::string v = raw.get(kEvents - 1);
    v[v.size() - 3] ^= 0x01;
    raw.put(kEvents - 1, v);
  });
  {
    auto store = Store::open(log.dir);
    CHECK_FALSE(store->head_intact());
    CHECK(store->head_problem().find("seq 49") != std::string::npos);
    std::string error;
    try {
      store->append(drafts(1));
    } catch (const StoreError& e) {
      error = e.what();
    }
    CHECK(error.find("refusing to append") != std::string::npos);
    CHECK(error.find("dais-verify") != std::string::npos);
    CHECK(store->head().count == kEvents);
  }
  expect_detected(log.dir, kEvents - 1, Problem::hash_mismatch);
}

TEST_CASE("a hole below the head also keeps the store from appending") {
  DamagedLog log([](RawLog& raw) { raw.del(3); });
  auto store = Store::open(log.dir);
  CHECK_FALSE(store->head_intact());
  CHECK(store->head_problem().find("missing") != std::string::npos);
  CHECK_THROWS_AS(store->append(drafts(1)), StoreError);
}

TEST_CASE("a log cut at its end still chains, but --expect catches the truncation") {
  TempDir tmp;
  write_log(tmp / "log", kEvents);
  std::string last_hash;
  {
    StoreOptions ro;
    ro.read_only = true;
    last_hash = dais::to_hex(Store::open(tmp / "log", ro)->head().hash);
  }
  const std::string expect = std::to_string(kEvents - 1) + ":" + last_hash;
  CHECK(run_verify_tool({(tmp / "log").string(), "--expect", expect}).exit_code == 0);
  {
    RawLog raw(tmp / "log");
    raw.del(kEvents - 1);
    raw.del(kEvents - 2);
    raw.commit();
  }
  CHECK(verify_read_only(tmp / "log").ok);
  const auto tool = run_verify_tool({(tmp / "log").string(), "--expect", expect});
  CAPTURE(tool.output);
  CHECK(tool.exit_code == 1);
  CHECK(tool.output.find("seq 49 is not in the log") != std::string::npos);
  CHECK(tool.output.find("truncated") != std::string::npos);
}

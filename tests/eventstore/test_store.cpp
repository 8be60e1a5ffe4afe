// Unit tests of the event store: append, reads, head, meta, reopen, bad input,
// read-only and foreign directories, map growth, concurrency.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "eventstore/event_codec.h"
#include "eventstore/store.h"
#include "tests/eventstore/test_support.h"
#include "tests/support/text_files.h"

using namespace dais::eventstore;
using namespace dais::eventstore::testing;
using dais::TempDir;
using dais::test::read_text;

namespace {

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return {};
}

const std::string kZeros(64, '0');

}  // namespace

TEST_CASE("append builds the documented bytes, chains prev and returns the seqs") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");  // created, directory included
  CHECK(store->head().empty());
  CHECK(store->head_intact());
  CHECK(store->get_meta("format") == "dais-log/1");

  const std::vector<EventDraft> batch{{"RunStarted", 0, R"({"seed":42})"}, {"VoteCast", 3, R"({"a":[1,2]})"}};
  const AppendResult r = store->append(batch);
  CHECK(r.first_seq == 0);
  CHECK(r.last_seq == 1);
  CHECK(r.appended == 2);
  CHECK(r.head.count == 2);
  // What append returns is what it committed: the same seqs, hashes, bytes and types a read gives.
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].type == "RunStarted");
  CHECK(r.events[1].type == "VoteCast");

  const auto e0 = store->get(0);
  REQUIRE(e0);
  CHECK(e0->seq == 0);
  CHECK(e0->bytes == R"({"seq":0,"type":"RunStarted","step":0,"prev":")" + kZeros + R"(","data":{"seed":42}})");
  CHECK(e0->hash == dais::sha256(e0->bytes));

  const auto e1 = store->get(1);
  REQUIRE(e1);
  CHECK(e1->bytes == R"({"seq":1,"type":"VoteCast","step":3,"prev":")" + dais::to_hex(e0->hash) +
                         R"(","data":{"a":[1,2]}})");
  CHECK(e1->hash == dais::sha256(e1->bytes));
  CHECK(r.head.hash == e1->hash);
  for (const StoredEvent* read : {&*e0, &*e1}) {
    const StoredEvent& appended = r.events[read->seq];
    CHECK(appended.seq == read->seq);
    CHECK(appended.hash == read->hash);
    CHECK(appended.bytes == read->bytes);
    CHECK(appended.type == read->type);
  }
  CHECK(e1->type == "VoteCast");
  CHECK(store->head().hash == e1->hash);
  CHECK(store->head().seq() == 1);
  CHECK_FALSE(store->get(2).has_value());

  const AppendResult r2 = store->append(drafts(3, 4));
  CHECK(r2.first_seq == 2);
  CHECK(r2.last_seq == 4);
  CHECK(store->get(2)->bytes.find(R"("prev":")" + dais::to_hex(e1->hash) + "\"") != std::string::npos);
  CHECK(store->verify().ok);
}

TEST_CASE("read_range and scan return events in order from a seq") {
  TempDir tmp;
  auto store = Store::open(tmp.path());  // an existing empty directory is fine too
  store->append(drafts(25));

  const auto range = store->read_range(10, 5);
  REQUIRE(range.size() == 5);
  for (std::size_t i = 0; i < range.size(); ++i) CHECK(range[i].seq == 10 + i);
  CHECK(store->read_range(23, 10).size() == 2);
  CHECK(store->read_range(30, 5).empty());
  CHECK(store->read_range(0, 0).empty());

  std::vector<std::uint64_t> seen;
  store->scan(20, [&](const StoredEvent& e) {
    seen.push_back(e.seq);
    return true;
  });
  CHECK(seen == std::vector<std::uint64_t>{20, 21, 22, 23, 24});
  seen.clear();
  store->scan(3, [&](const StoredEvent& e) {
    seen.push_back(e.seq);
    return e.seq < 5;
  });
  CHECK(seen == std::vector<std::uint64_t>{3, 4, 5});
}

TEST_CASE("meta values are written with the batch; the format key is reserved") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");
  const std::vector<MetaPut> meta{{"projection.snapshot", "v1"}, {"arrivals", "x"}};
  store->append(drafts(2), meta);
  CHECK(store->get_meta("projection.snapshot") == "v1");
  CHECK(store->get_meta("arrivals") == "x");
  CHECK_FALSE(store->get_meta("absent").has_value());

  // Meta alone: no event, and the result says so.
  const std::vector<MetaPut> only{{"projection.snapshot", "v2"}};
  const AppendResult r = store->append({}, only);
  CHECK(r.appended == 0);
  CHECK(r.first_seq == 2);
  CHECK(r.head.count == 2);
  CHECK(store->get_meta("projection.snapshot") == "v2");

  const std::vector<MetaPut> reserved{{"format", "evil"}};
  CHECK(error_of([&] { store->append(drafts(1), reserved); }).find("reserved") != std::string::npos);
  const std::vector<MetaPut> empty_key{{"", "x"}};
  CHECK_THROWS_AS(store->append(drafts(1), empty_key), StoreError);
  CHECK(store->get_meta("format") == "dais-log/1");
  CHECK(store->head().count == 2);
}

TEST_CASE("a reopened store continues the same chain") {
  TempDir tmp;
  Head before;
  {
    auto store = Store::open(tmp / "log");
    store->append(drafts(7));
    before = store->head();
  }
  auto store = Store::open(tmp / "log");
  CHECK(store->head().count == before.count);
  CHECK(store->head().hash == before.hash);
  const auto r = store->append(drafts(2));
  CHECK(r.first_seq == 7);
  CHECK(store->get(7)->bytes.find(dais::to_hex(before.hash)) != std::string::npos);
  const auto report = store->verify();
  CHECK(report.ok);
  CHECK(report.checked == 9);
  CHECK(report.last_hash == store->head().hash);
}

TEST_CASE("head() answers from the last commit, and from the log once another process wrote") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");
  CHECK(store->head().empty());
  const AppendResult r = store->append(drafts(3));
  CHECK(store->head().count == 3);
  CHECK(store->head().hash == r.head.hash);
  CHECK(store->head().hash == store->get(2)->hash);
  store->append({}, std::vector<MetaPut>{{"k", "v"}});  // a meta-only commit leaves the head as it was
  CHECK(store->head().count == 3);

  // Another process appends seq 3 behind this store's back (raw LMDB, as a second writer could).
  std::string value;
  const Hash next_hash = encode_event(3, draft(9), r.head.hash, value);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      RawLog raw(tmp / "log");
      raw.put(3, value);
      raw.commit();
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(store->head().count == 4);
  CHECK(store->head().hash == next_hash);
}

TEST_CASE("bad drafts are refused and nothing of their batch is stored") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");
  store->append(drafts(1));
  const std::vector<EventDraft> bad_drafts{
      {"", 1, "{}"},          {"Vote Cast", 1, "{}"}, {"1Vote", 1, "{}"},   {"Vote-Cast", 1, "{}"},
      {"Vote\"", 1, "{}"},    {"VoteCast", 1, "[1]"}, {"VoteCast", 1, ""},  {"VoteCast", 1, "{"},
      {"VoteCast", 1, " {}"}, {std::string(65, 'A'), 1, "{}"}};
  for (const auto& bad : bad_drafts) {
    CAPTURE(bad.type);
    CAPTURE(bad.data_json);
    const std::vector<EventDraft> batch{draft(1), bad};  // a good draft first: nothing may be stored
    const std::string error = error_of([&] { store->append(batch); });
    CHECK(error.find("event 1 of the batch") != std::string::npos);
  }
  CHECK(store->head().count == 1);
  CHECK(store->append(std::vector<EventDraft>{{"Type_2", 1, "{}"}}).first_seq == 1);
  CHECK(store->verify().ok);
}

TEST_CASE("read-only stores read but refuse appends; absent or empty directories are no log") {
  TempDir tmp;
  write_log(tmp / "log", 5);
  StoreOptions ro;
  ro.read_only = true;
  {
    auto store = Store::open(tmp / "log", ro);
    CHECK(store->read_only());
    CHECK(store->head().count == 5);
    CHECK(store->verify().ok);
    CHECK(error_of([&] { store->append(drafts(1)); }).find("read-only") != std::string::npos);
    store->sync();  // nothing to flush, no error
  }
  CHECK(error_of([&] { Store::open(tmp / "absent", ro); }).find("no DAIS log") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(tmp / "absent"));
  std::filesystem::create_directory(tmp / "empty");
  CHECK(error_of([&] { Store::open(tmp / "empty", ro); }).find("no DAIS log") != std::string::npos);
  CHECK(names_in(tmp / "empty").empty());
  StoreOptions no_create;
  no_create.create = false;
  CHECK_THROWS_AS(Store::open(tmp / "absent", no_create), StoreError);
  CHECK_FALSE(std::filesystem::exists(tmp / "absent"));
}

TEST_CASE("a directory holding something else is refused and left untouched") {
  TempDir tmp;
  SUBCASE("ordinary files") {
    const auto dir = tmp / "docs";
    std::filesystem::create_directory(dir);
    std::ofstream(dir / "notes.txt") << "keep me";
    const std::string error = error_of([&] { Store::open(dir); });
    CHECK(error.find("not a DAIS log") != std::string::npos);
    CHECK(error.find("notes.txt") != std::string::npos);
    CHECK(names_in(dir) == std::vector<std::string>{"notes.txt"});
    CHECK(read_text(dir / "notes.txt") == "keep me");
  }
  SUBCASE("a data.mdb that is not LMDB") {
    const auto dir = tmp / "fake";
    std::filesystem::create_directory(dir);
    std::ofstream(dir / "data.mdb") << std::string(20000, 'x');
    const std::string error = error_of([&] { Store::open(dir); });
    CHECK(error.find("not a DAIS log") != std::string::npos);
    CHECK(error.find("data.mdb") != std::string::npos);
    CHECK(names_in(dir) == std::vector<std::string>{"data.mdb"});
    CHECK(read_text(dir / "data.mdb") == std::string(20000, 'x'));
  }
  SUBCASE("an LMDB environment of another program") {
    const auto dir = tmp / "other";
    std::filesystem::create_directory(dir);
    {
      MDB_env* env = nullptr;
      MDB_txn* txn = nullptr;
      MDB_dbi dbi;
      REQUIRE(mdb_env_create(&env) == 0);
      REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
      REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
      REQUIRE(mdb_dbi_open(txn, nullptr, 0, &dbi) == 0);
      std::string k = "users", v = "alice";
      MDB_val key{k.size(), k.data()}, val{v.size(), v.data()};
      REQUIRE(mdb_put(txn, dbi, &key, &val, 0) == 0);
      REQUIRE(mdb_txn_commit(txn) == 0);
      mdb_env_close(env);
    }
    const std::string data_before = read_text(dir / "data.mdb");
    const auto names_before = names_in(dir);
    for (bool read_only : {false, true}) {
      StoreOptions o;
      o.read_only = read_only;
      const std::string error = error_of([&] { Store::open(dir, o); });
      CAPTURE(error);
      CHECK(error.find("without the DAIS format marker") != std::string::npos);
      CHECK(error.find("'users'") != std::string::npos);
    }
    CHECK(read_text(dir / "data.mdb") == data_before);
    CHECK(names_in(dir) == names_before);
  }
  SUBCASE("a plain file") {
    std::ofstream(tmp / "file") << "x";
    CHECK(error_of([&] { Store::open(tmp / "file"); }).find("not a directory") != std::string::npos);
  }
}

TEST_CASE("a directory is opened once per process") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");
  CHECK(error_of([&] { Store::open(tmp / "log"); }).find("already open") != std::string::npos);
  StoreOptions ro;
  ro.read_only = true;
  CHECK_THROWS_AS(Store::open(tmp.path() / "log" / "", ro), StoreError);
  store.reset();
  CHECK_NOTHROW(Store::open(tmp / "log", ro));
}

TEST_CASE("the map grows far past a tiny initial size while readers run") {
  TempDir tmp;
  StoreOptions o;
  o.initial_map_bytes = 64 * 1024;
  o.sync = SyncMode::none;
  auto store = Store::open(tmp / "log", o);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reads{0};
  std::jthread reader([&] {
    while (!done) {
      const Head h = store->head();
      if (!h.empty()) {
        const auto e = store->get(h.seq());
        if (e && e->hash == dais::sha256(e->bytes)) ++reads;
      }
    }
  });
  const std::string big_data = R"({"blob":")" + std::string(1500, 'z') + "\"}";
  std::uint64_t step = 0;
  for (int batch = 0; batch < 60; ++batch, ++step) {
    std::vector<EventDraft> events(250, EventDraft{"Blob", step, big_data});
    store->append(events);
  }
  done = true;
  reader.join();
  CHECK(store->head().count == 15000);  // about 23 MB of values in a map that started at 64 KiB
  CHECK(reads > 0);
  const auto report = store->verify();
  CHECK(report.ok);
  CHECK(report.checked == 15000);
  store.reset();
  CHECK(std::filesystem::file_size(tmp / "log" / "data.mdb") > 20u << 20);
  // A later open with the same tiny option adopts the grown map and keeps appending.
  auto again = Store::open(tmp / "log", o);
  CHECK(again->append(std::vector<EventDraft>(10, EventDraft{"Blob", step, big_data})).last_seq == 15009);
}

TEST_CASE("appends from several threads form one chain; readers see contiguous snapshots") {
  TempDir tmp;
  StoreOptions o;
  o.sync = SyncMode::none;
  o.periodic_sync_ms = 5;
  auto store = Store::open(tmp / "log", o);
  std::atomic<bool> bad_snapshot{false};
  std::atomic<bool> stop{false};
  std::jthread scanner([&] {
    while (!stop) {
      std::uint64_t expected = 0;
      store->scan(0, [&](const StoredEvent& e) {
        if (e.seq != expected++) bad_snapshot = true;
        return true;
      });
    }
  });
  std::vector<std::jthread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 100; ++i) store->append(drafts(5, static_cast<std::uint64_t>(i), w * 1000 + i));
    });
  }
  for (auto& t : writers) t.join();
  stop = true;
  scanner.join();
  CHECK_FALSE(bad_snapshot);
  CHECK(store->head().count == 1500);
  CHECK(store->verify().ok);
}

TEST_CASE("verify ranges: explicit ends past the head are missing, from past the head is empty") {
  TempDir tmp;
  write_log(tmp / "log", 20);
  auto store = Store::open(tmp / "log");
  auto r = store->verify(5, 10);
  CHECK(r.ok);
  CHECK(r.checked == 6);
  CHECK(r.last_hash == store->get(10)->hash);
  r = store->verify(0, 25);
  CHECK_FALSE(r.ok);
  CHECK(r.bad_seq == 20);
  CHECK(r.problem == Problem::missing_entry);
  CHECK(r.checked == 20);
  r = store->verify(30);
  CHECK(r.ok);
  CHECK(r.checked == 0);
  CHECK_THROWS_AS(store->verify(10, 5), StoreError);
  VerifyOptions one_thread;
  one_thread.threads = 1;
  std::uint64_t last_progress = 0;
  one_thread.progress = [&](std::uint64_t done, std::uint64_t total) {
    CHECK(total == 20);
    last_progress = done;
  };
  CHECK(store->verify(0, std::nullopt, one_thread).ok);
  CHECK(last_progress == 20);
}

TEST_CASE("an empty log verifies; a missing explicit range in it does not") {
  TempDir tmp;
  auto store = Store::open(tmp / "log");
  CHECK(store->verify().ok);
  const auto r = store->verify(0, 0);
  CHECK_FALSE(r.ok);
  CHECK(r.problem == Problem::missing_entry);
  CHECK(r.reason.find("empty") != std::string::npos);
}

TEST_CASE("no-sync mode keeps everything across a clean close; sync() flushes on demand") {
  TempDir tmp;
  StoreOptions o;
  o.sync = SyncMode::none;
  o.periodic_sync_ms = 1;
  {
    auto store = Store::open(tmp / "log", o);
    store->append(drafts(100));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // lets the periodic sync run
    store->sync();
  }
  auto store = Store::open(tmp / "log");
  CHECK(store->head().count == 100);
  CHECK(store->verify().ok);
  CHECK(names_in(tmp / "log") == std::vector<std::string>{"data.mdb", "lock.mdb"});
}

TEST_CASE("problem names are stable") {
  CHECK(std::string(problem_name(Problem::hash_mismatch)) == "hash_mismatch");
  CHECK(std::string(problem_name(Problem::broken_link)) == "broken_link");
  CHECK(std::string(problem_name(Problem::seq_mismatch)) == "seq_mismatch");
  CHECK(std::string(problem_name(Problem::missing_entry)) == "missing_entry");
  CHECK(std::string(problem_name(Problem::bad_json)) == "bad_json");
  CHECK(std::string(problem_name(Problem::truncated_value)) == "truncated_value");
  CHECK(std::string(problem_name(Problem::none)) == "none");
}

TEST_CASE("events are written in place: small and overflow-page sized values alike, across map growth") {
  TempDir tmp;
  StoreOptions o;
  o.sync = SyncMode::none;
  o.periodic_sync_ms = 0;
  o.initial_map_bytes = 64 * 1024;  // several growths (and batch retries) on the way
  auto store = Store::open(tmp.path() / "log", o);
  std::vector<EventDraft> batch;
  for (std::uint64_t i = 0; i < 200; ++i) {
    // Every 7th event is bigger than a page, so LMDB stores it on overflow pages.
    const std::string payload(i % 7 == 0 ? 9000 + i : 10 + i, static_cast<char>('a' + i % 26));
    batch.push_back(EventDraft{"Blob", i, R"({"p":")" + payload + R"("})"});
  }
  store->append(batch);
  store->append(std::span(batch).subspan(0, 50));
  Hash prev{};
  for (std::uint64_t seq = 0; seq < 250; ++seq) {
    CAPTURE(seq);
    const auto e = store->get(seq);
    REQUIRE(e.has_value());
    const EventDraft& d = batch[seq < 200 ? seq : seq - 200];
    CHECK(e->bytes == R"({"seq":)" + std::to_string(seq) + R"(,"type":"Blob","step":)" + std::to_string(d.step) +
                          R"(,"prev":")" + dais::to_hex(prev) + R"(","data":)" + d.data_json + "}");
    CHECK(e->hash == dais::sha256(e->bytes));
    prev = e->hash;
  }
  CHECK(store->head().count == 250);
  CHECK(store->verify().ok);
}

// End to end: daisd --follow, a read replica of a live daisd. A replica killed
// with SIGKILL five times at random moments ends with the leader's head and
// tree; a leader whose log forks from what the replica holds (the same URL now
// serving a different log that shares a prefix) is refused with the message;
// every control request to a replica is refused, naming the leader; bad
// command lines are usage errors; a directory left blank by a kill while the
// log was being created (found by the kill test) is taken as a new log.
#include <doctest/doctest.h>

#include <lmdb.h>
#include <signal.h>

#include <chrono>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "eventstore/tree_queries.h"
#include "tests/api/support/clients.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using dais::TempDir;
using dais::api::testing::http_once;
using dais::test::ChildProcess;
using dais::test::program;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> leader_args(const std::filesystem::path& data, std::uint16_t port, const std::string& steps) {
  return {program("daisd"), "--data", data.string(), "--serve", "--listen", "127.0.0.1:" + std::to_string(port),
          "--steps", steps, "--agents", "4", "--seed", "11", "--set", "simulation.step_interval_ms=15",
          "--set", "store.sync=none", "--set", "api.token=secret", "--quiet"};
}

std::vector<std::string> replica_args(const std::filesystem::path& data, std::uint16_t leader, const std::string& key,
                                      std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {program("daisd"), "--data", data.string(), "--follow",
                                   "http://127.0.0.1:" + std::to_string(leader), "--set", "log.leader_key=" + key,
                                   "--set", "store.sync=none"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string verifier_key(const std::filesystem::path& data) {
  const auto printed = dais::test::run({program("daisd"), "--data", data.string(), "--print-verifier-key"});
  REQUIRE(printed.exit_code == 0);
  return dais::test::lines_of(printed.output).at(0);
}

struct LeaderHead {
  std::uint64_t count = 0;
  std::string hash;
  bool finished = false;
};

LeaderHead leader_head(std::uint16_t port) {
  const auto chain = http_once(port, "GET", "/v1/chain").json();
  const auto health = http_once(port, "GET", "/v1/health").json();
  return {chain.at("count").get<std::uint64_t>(), chain.at("head_hash").get<std::string>(),
          health.at("components").at("engine").at("finished").get<bool>()};
}

// The replica's head, read from its log (another process may be writing it).
dais::eventstore::Head replica_head(const std::filesystem::path& data) {
  dais::eventstore::StoreOptions options;
  options.read_only = true;
  options.create = false;
  if (!std::filesystem::exists(data / "data.mdb")) return {};
  return dais::eventstore::Store::open(data, options)->head();
}

// Waits until the replica in `data` holds exactly the leader's finished log.
bool wait_until_same_head(std::uint16_t leader, const std::filesystem::path& data, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto theirs = leader_head(leader);
    const auto ours = replica_head(data);
    if (theirs.finished && ours.count == theirs.count && dais::to_hex(ours.hash) == theirs.hash) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

void wait_for_count(std::uint16_t port, std::uint64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (leader_head(port).count < count) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

TEST_CASE("a replica killed 5 times at random ends with the leader's head and tree") {
  TempDir dir;
  const auto port = dais::test::free_port();
  const auto key = verifier_key(dir / "leader");
  ChildProcess leader(leader_args(dir / "leader", port, "250"), dir / "leader.out", dir / "leader.err");
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(dir / "leader.err"));

  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> lifetime_ms(100, 900);
  for (int kill = 0; kill < 5; ++kill) {
    ChildProcess replica(replica_args(dir / "replica", port, key), dir / "replica.out", dir / "replica.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(random)));
    REQUIRE_MESSAGE(replica.running(), dais::test::read_text(dir / "replica.err"));
    replica.signal(SIGKILL);
    CHECK(replica.wait(10s) == 128 + SIGKILL);
  }
  CHECK(replica_head(dir / "replica").count > 0);  // it got somewhere before the last kill

  ChildProcess replica(replica_args(dir / "replica", port, key), dir / "replica.out", dir / "replica.err");
  REQUIRE_MESSAGE(wait_until_same_head(port, dir / "replica", 90s), dais::test::read_text(dir / "replica.err"));
  replica.signal(SIGTERM);
  CHECK(replica.wait(20s) == 0);

  // The whole chain checks out and the tree is the leader's: its signed root is the replica's.
  dais::eventstore::StoreOptions read_only;
  read_only.read_only = true;
  read_only.create = false;
  const auto store = dais::eventstore::Store::open(dir / "replica", read_only);
  CHECK(store->verify().ok);
  const auto tree = dais::eventstore::tree_head(*store);
  const std::string checkpoint = http_once(port, "GET", "/checkpoint").body;
  CHECK(checkpoint.find("\n" + std::to_string(tree.size) + "\n" + dais::base64_encode(std::string_view(reinterpret_cast<const char*>(tree.root.data()), tree.root.size())) + "\n") !=
        std::string::npos);

  leader.signal(SIGTERM);
  CHECK(leader.wait(20s) == 0);
}

TEST_CASE("a leader whose log forks from the replica's is refused with the message; writes are refused") {
  TempDir dir;
  const auto port = dais::test::free_port();
  const auto replica_port = dais::test::free_port();
  const auto key = verifier_key(dir / "a");  // a and b sit side by side: one signing key signs both

  // Leader A: the deterministic run, stopped after 120 events; the replica copies it and serves it.
  {
    ChildProcess a(leader_args(dir / "a", port, "0"), dir / "a.out", dir / "a.err");
    REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(dir / "a.err"));
    wait_for_count(port, 120);
    a.signal(SIGTERM);
    REQUIRE(a.wait(20s) == 0);
  }
  std::uint64_t held = 0;
  {
    ChildProcess a(leader_args(dir / "a", port, "0"), dir / "a.out", dir / "a.err");
    REQUIRE(dais::test::wait_for_port(port, 30s));
    const auto paused = http_once(port, "POST", "/v1/simulation/pause", "", {{"Authorization", "Bearer secret"}});
    REQUIRE_MESSAGE(paused.status / 100 == 2, paused.body);
    std::this_thread::sleep_for(200ms);  // a step under way when the pause came ends first
    const auto a_head = leader_head(port);
    ChildProcess replica(replica_args(dir / "replica", port, key,
                                      {"--serve", "--listen", "127.0.0.1:" + std::to_string(replica_port),
                                       "--set", "api.token=secret"}),
                         dir / "replica.out", dir / "replica.err");
    REQUIRE_MESSAGE(dais::test::wait_for_port(replica_port, 30s), dais::test::read_text(dir / "replica.err"));
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (replica_head(dir / "replica").count < a_head.count) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, dais::test::read_text(dir / "replica.err"));
      std::this_thread::sleep_for(20ms);
    }
    held = a_head.count;
    CHECK(dais::to_hex(replica_head(dir / "replica").hash) == a_head.hash);

    // Writes are refused, with or without the token, naming the leader; reads are served.
    for (const auto& path : {"/v1/simulation/pause", "/v1/simulation/step", "/v1/attacks", "/v1/blacklist/remove"}) {
      CAPTURE(path);
      const auto refused = http_once(replica_port, "POST", path, "{\"kind\":\"port_scan\"}",
                                     {{"Authorization", "Bearer secret"}});
      CHECK(refused.status == 403);
      CHECK(refused.json().at("leader") == "http://127.0.0.1:" + std::to_string(port));
      CHECK(refused.body.find("read-only replica") != std::string::npos);
    }
    CHECK(http_once(replica_port, "POST", "/v1/simulation/resume").status == 403);
    CHECK(http_once(replica_port, "GET", "/v1/chain").json().at("head_hash") == a_head.hash);
    CHECK(http_once(replica_port, "GET", "/checkpoint").body == http_once(port, "GET", "/checkpoint").body);
    CHECK(replica_head(dir / "replica").count == held);  // nothing was written

    replica.signal(SIGTERM);
    CHECK(replica.wait(20s) == 0);
    a.signal(SIGTERM);
    CHECK(a.wait(20s) == 0);
  }

  // Leader B on the same URL: the same run, but an attack injected after 30 events; it shares
  // A's first entries, then differs, and grows past what the replica holds.
  ChildProcess b(leader_args(dir / "b", port, "0"), dir / "b.out", dir / "b.err");
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(dir / "b.err"));
  wait_for_count(port, 30);
  const auto injected =
      http_once(port, "POST", "/v1/attacks", R"({"kind":"port_scan","sources":["203.0.113.9"]})",
                {{"Authorization", "Bearer secret"}});
  REQUIRE_MESSAGE(injected.status == 202, injected.body);
  wait_for_count(port, held + 50);
  {
    dais::eventstore::StoreOptions read_only;
    read_only.read_only = true;
    read_only.create = false;
    const auto a_log = dais::eventstore::Store::open(dir / "a", read_only);
    const auto b_log = dais::eventstore::Store::open(dir / "b", read_only);
    CHECK(a_log->get(1)->hash == b_log->get(1)->hash);      // a shared prefix
    CHECK(a_log->get(held - 1)->hash != b_log->get(held - 1)->hash);  // then different
  }

  const auto refused = dais::test::run(replica_args(dir / "replica", port, key), {.timeout = 60s});
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.errors.find("the leader's log forks from the one this replica holds") != std::string::npos,
                refused.errors);
  CHECK(refused.errors.find("consistency proof fails") != std::string::npos);
  CHECK(replica_head(dir / "replica").count == held);  // nothing of B was stored

  b.signal(SIGTERM);
  CHECK(b.wait(20s) == 0);
}

TEST_CASE("daisd --follow: bad command lines and configurations are usage errors with a message") {
  TempDir dir;
  const auto key = verifier_key(dir / "x");
  const auto no_key = dais::test::run({program("daisd"), "--data", (dir / "r").string(), "--follow", "http://127.0.0.1:1"});
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.errors.find("log.leader_key") != std::string::npos);
  const auto bad_url = dais::test::run(
      {program("daisd"), "--data", (dir / "r").string(), "--follow", "ws://x", "--set", "log.leader_key=" + key});
  CHECK(bad_url.exit_code == 2);
  const auto bad_key = dais::test::run(
      {program("daisd"), "--data", (dir / "r").string(), "--follow", "http://127.0.0.1:1", "--set", "log.leader_key=nope"});
  CHECK(bad_key.exit_code == 2);
  CHECK(bad_key.errors.find("log.leader_key") != std::string::npos);
  const auto with_steps = dais::test::run(replica_args(dir / "r", 1, key, {"--steps", "5"}));
  CHECK(with_steps.exit_code == 2);
  CHECK(with_steps.errors.find("--follow") != std::string::npos);
}

TEST_CASE("a data directory killed while its log was being created (a blank LMDB environment) starts a new log") {
  TempDir dir;
  const auto data = dir / "blank";
  std::filesystem::create_directories(data);
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_open(env, data.c_str(), 0, 0644) == 0);  // what a kill right after creation leaves
  mdb_env_close(env);
  REQUIRE(std::filesystem::exists(data / "data.mdb"));

  const auto run = dais::test::run({program("daisd"), "--data", data.string(), "--steps", "3", "--agents", "3",
                                    "--quiet"});
  CHECK_MESSAGE(run.exit_code == 0, run.errors);
  CHECK(replica_head(data).count > 0);
}

// End to end: dais-tail against a real `daisd --serve`, including a daisd
// restart in the middle of a stream, and its command-line failures.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "tests/tools/child_process.h"

using dais::testing::ChildProcess;
using dais::testing::TempDir;
using namespace std::chrono_literals;

namespace {

const std::string kBin = DAIS_BIN_DIR;
const std::string kTail = kBin + "/dais-tail";

std::vector<std::string> daisd_args(const TempDir& dir, std::uint16_t port, const std::string& summary) {
  return {kBin + "/daisd", "--data", dir.file("log"), "--serve", "--listen", "127.0.0.1:" + std::to_string(port),
          "--steps", "0", "--agents", "4", "--set", "simulation.step_interval_ms=20", "--set", "store.sync=none",
          "--quiet", "--summary-json", summary};
}

std::string url_of(std::uint16_t port) { return "ws://127.0.0.1:" + std::to_string(port); }

// Each line is one stored event; checks seqs first, first+1, ... and the prev links between them.
void check_contiguous_chain(const std::vector<std::string>& lines, std::uint64_t first) {
  std::string previous_hash(64, '0');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(i);
    const auto event = nlohmann::json::parse(lines[i]);
    REQUIRE(event.at("seq").get<std::uint64_t>() == first + i);
    if (i > 0 || first == 0) REQUIRE(event.at("prev").get<std::string>() == previous_hash);
    previous_hash = dais::to_hex(dais::sha256(lines[i]));
  }
}

// Waits until `path` holds at least `count` complete lines, or the deadline passes.
bool wait_for_lines(const std::string& path, std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (dais::testing::read_lines(path).size() >= count) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

struct TailRun {
  int exit_code = -1;
  std::vector<std::string> lines;
  std::string errors;
};

TailRun run_tail(const TempDir& dir, const std::string& name, std::vector<std::string> args) {
  args.insert(args.begin(), kTail);
  const std::string out = dir.file(name + ".out"), err = dir.file(name + ".err");
  ChildProcess tail(args, out, err);
  const auto code = tail.wait(30s);
  TailRun run;
  run.exit_code = code.value_or(-1);
  run.lines = dais::testing::read_lines(out);
  run.errors = dais::testing::read_text(err);
  return run;
}

}  // namespace

TEST_CASE("dais-tail follows a live daisd: verified contiguous events, --from, --types") {
  TempDir dir;
  const auto port = dais::testing::free_port();
  ChildProcess daisd(daisd_args(dir, port, dir.file("summary.json")), dir.file("daisd.out"), dir.file("daisd.err"));
  REQUIRE_MESSAGE(dais::testing::wait_for_port(port, 30s), dais::testing::read_text(dir.file("daisd.err")));

  const auto all = run_tail(dir, "all", {url_of(port), "--verify", "--max-events", "60", "--quiet"});
  CHECK(all.exit_code == 0);
  CHECK(all.errors.empty());  // --quiet: nothing to report on success
  REQUIRE(all.lines.size() == 60);
  check_contiguous_chain(all.lines, 0);
  CHECK(nlohmann::json::parse(all.lines[0]).at("type") == "RunStarted");

  // The same stored bytes from a later starting point.
  const auto middle = run_tail(dir, "middle", {url_of(port), "--from", "25", "--max-events", "10", "--verify"});
  CHECK(middle.exit_code == 0);
  REQUIRE(middle.lines.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) CHECK(middle.lines[i] == all.lines[25 + i]);
  CHECK(middle.errors.find("prev link cannot be checked") != std::string::npos);
  CHECK(middle.errors.find("verified 10 events") != std::string::npos);

  const auto filtered =
      run_tail(dir, "filtered", {url_of(port), "--types", "StepCompleted,RunStarted", "--max-events", "4", "--verify"});
  CHECK(filtered.exit_code == 0);
  CHECK(filtered.errors.find("hashes, seq order and types only") != std::string::npos);
  REQUIRE(filtered.lines.size() == 4);
  std::int64_t last_seq = -1;
  for (const auto& line : filtered.lines) {
    const auto event = nlohmann::json::parse(line);
    const auto type = event.at("type").get<std::string>();
    CHECK((type == "StepCompleted" || type == "RunStarted"));
    CHECK(event.at("seq").get<std::int64_t>() > last_seq);
    last_seq = event.at("seq").get<std::int64_t>();
  }
  CHECK(nlohmann::json::parse(filtered.lines[0]).at("seq") == 0);

  daisd.signal(SIGTERM);
  CHECK(daisd.wait(20s) == 0);
}

TEST_CASE("dais-tail keeps a verified, gapless, duplicate-free stream across a daisd restart") {
  TempDir dir;
  const auto port = dais::testing::free_port();
  const std::string out = dir.file("tail.out"), err = dir.file("tail.err");
  std::uint64_t head_at_stop = 0;
  {
    ChildProcess daisd(daisd_args(dir, port, dir.file("summary1.json")), dir.file("daisd1.out"), dir.file("daisd1.err"));
    REQUIRE(dais::testing::wait_for_port(port, 30s));
    ChildProcess tail({kTail, url_of(port), "--verify", "--retry-for", "30"}, out, err);
    REQUIRE(wait_for_lines(out, 20, 30s));

    daisd.signal(SIGTERM);
    REQUIRE(daisd.wait(20s) == 0);
    head_at_stop = nlohmann::json::parse(dais::testing::read_text(dir.file("summary1.json"))).at("head_seq");
    std::this_thread::sleep_for(300ms);
    CHECK(tail.running());  // retrying while no server listens

    ChildProcess daisd2(daisd_args(dir, port, dir.file("summary2.json")), dir.file("daisd2.out"), dir.file("daisd2.err"));
    // Events appended after the restart prove the tail reconnected.
    REQUIRE_MESSAGE(wait_for_lines(out, head_at_stop + 40, 40s), dais::testing::read_text(err));
    tail.signal(SIGINT);
    CHECK(tail.wait(10s) == 0);
    daisd2.signal(SIGTERM);
    CHECK(daisd2.wait(20s) == 0);
  }
  const auto lines = dais::testing::read_lines(out);
  REQUIRE(lines.size() >= head_at_stop + 40);
  check_contiguous_chain(lines, 0);  // no duplicate, no gap, links intact across the restart
  const std::string errors = dais::testing::read_text(err);
  CHECK(errors.find("reconnecting in") != std::string::npos);
  CHECK(errors.find("error") == std::string::npos);
  CHECK(errors.find("stopping on SIGINT") != std::string::npos);
}

TEST_CASE("dais-tail: bad command lines exit 2 with a message") {
  TempDir dir;
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"http://127.0.0.1:8080"},
      {"127.0.0.1:8080"},
      {"ws://127.0.0.1:99999"},
      {"ws://"},
      {"wss://127.0.0.1:8443"},
      {"ws://127.0.0.1:8080", "--from", "-3"},
      {"ws://127.0.0.1:8080", "--from", "abc"},
      {"ws://127.0.0.1:8080", "--max-events", "-1"},
      {"ws://127.0.0.1:8080", "--types", "Bad-Type"},
      {"ws://127.0.0.1:8080", "--types", ","},
      {"ws://127.0.0.1:8080", "--retry-for", "-1"},
      {"ws://127.0.0.1:8080", "--no-such-flag"},
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(i);
    const auto run = run_tail(dir, "bad" + std::to_string(i), bad[i]);
    CHECK(run.exit_code == 2);
    CHECK(run.lines.empty());
    CHECK_FALSE(run.errors.empty());
  }
  const auto help = run_tail(dir, "help", {"--help"});
  CHECK(help.exit_code == 0);
  const std::string help_text = dais::testing::read_text(dir.file("help.out"));
  CHECK(help_text.find("--verify") != std::string::npos);
  CHECK(help_text.find("Exit status") != std::string::npos);
}

TEST_CASE("dais-tail: an unreachable server gives a clear error after --retry-for") {
  TempDir dir;
  const auto port = dais::testing::free_port();  // nothing listens there
  const auto started = std::chrono::steady_clock::now();
  const auto run = run_tail(dir, "unreachable", {url_of(port), "--retry-for", "1"});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(run.exit_code == 3);
  CHECK(run.lines.empty());
  CHECK(run.errors.find("cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(run.errors.find("gave up after retrying") != std::string::npos);
  CHECK(elapsed >= 900ms);  // it did retry for about a second
  CHECK(elapsed < 10s);

  const auto no_retry = run_tail(dir, "no-retry", {url_of(port), "--retry-for", "0", "--quiet"});
  CHECK(no_retry.exit_code == 3);
  CHECK(no_retry.errors.find("cannot connect") != std::string::npos);
}

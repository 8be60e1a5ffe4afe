// End to end: dais-tail against a real `daisd --serve`, including a daisd
// restart in the middle of a stream, and its command-line failures.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using dais::TempDir;
using dais::test::ChildProcess;
using dais::test::program;
using namespace std::chrono_literals;

namespace {

const std::string kTail = program("dais-tail");

std::vector<std::string> daisd_args(const TempDir& dir, std::uint16_t port, const std::string& summary) {
  return {program("daisd"), "--data", (dir / "log").string(), "--serve", "--listen",
          "127.0.0.1:" + std::to_string(port), "--steps", "0", "--agents", "4",
          "--set", "simulation.step_interval_ms=20", "--set", "store.sync=none", "--quiet", "--summary-json", summary};
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
bool wait_for_lines(const std::filesystem::path& path, std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (dais::test::read_lines(path).size() >= count) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

struct TailRun {
  int exit_code = -1;
  std::vector<std::string> lines;
  std::string errors;
};

TailRun run_tail(std::vector<std::string> args) {
  args.insert(args.begin(), kTail);
  const auto result = dais::test::run(args, {.timeout = 30s});
  return {result.exit_code, dais::test::lines_of(result.output), result.errors};
}

}  // namespace

TEST_CASE("dais-tail follows a live daisd: verified contiguous events, --from, --types") {
  TempDir dir;
  const auto port = dais::test::free_port();
  ChildProcess daisd(daisd_args(dir, port, (dir / "summary.json").string()), dir / "daisd.out", dir / "daisd.err");
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(dir / "daisd.err"));

  const auto all = run_tail({url_of(port), "--verify", "--max-events", "60", "--quiet"});
  CHECK(all.exit_code == 0);
  CHECK(all.errors.empty());  // --quiet: nothing to report on success
  REQUIRE(all.lines.size() == 60);
  check_contiguous_chain(all.lines, 0);
  CHECK(nlohmann::json::parse(all.lines[0]).at("type") == "RunStarted");

  // The same stored bytes from a later starting point.
  const auto middle = run_tail({url_of(port), "--from", "25", "--max-events", "10", "--verify"});
  CHECK(middle.exit_code == 0);
  REQUIRE(middle.lines.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) CHECK(middle.lines[i] == all.lines[25 + i]);
  CHECK(middle.errors.find("prev link cannot be checked") != std::string::npos);
  CHECK(middle.errors.find("verified 10 events") != std::string::npos);

  const auto filtered =
      run_tail({url_of(port), "--types", "StepCompleted,RunStarted", "--max-events", "4", "--verify"});
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

TEST_CASE("dais-tail --verify --key checks every signed checkpoint of a live daisd; another key is refused") {
  TempDir dir;
  const auto port = dais::test::free_port();
  const auto key = dais::test::run({program("daisd"), "--data", (dir / "log").string(), "--print-verifier-key"});
  REQUIRE(key.exit_code == 0);
  const std::string verifier = dais::test::lines_of(key.output).at(0);
  ChildProcess daisd(daisd_args(dir, port, (dir / "summary.json").string()), dir / "daisd.out", dir / "daisd.err");
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(dir / "daisd.err"));

  // From seq 0: each checkpoint's root is recomputed from the events, and each extends the last.
  const auto run = run_tail({url_of(port), "--verify", "--key", verifier, "--max-events", "300"});
  CHECK_MESSAGE(run.exit_code == 0, run.errors);
  REQUIRE(run.lines.size() == 300);
  const auto at = run.errors.find("verified 300 events and ");
  REQUIRE_MESSAGE(at != std::string::npos, run.errors);
  CHECK(std::stoul(run.errors.substr(at + 24)) >= 2);

  // From the middle: signatures and consistency proofs only.
  const auto middle = run_tail({url_of(port), "--from", "40", "--verify", "--key", verifier, "--max-events", "80"});
  CHECK_MESSAGE(middle.exit_code == 0, middle.errors);

  // Checkpoints signed by another key are not this log's: the first one after the catch-up stops it.
  const auto other = dais::test::run({program("daisd"), "--data", (dir / "other" / "log").string(), "--set",
                                      "log.signing_key=" + (dir / "other.key").string(), "--print-verifier-key"});
  REQUIRE(other.exit_code == 0);
  const auto wrong =
      run_tail({url_of(port), "--verify", "--key", dais::test::lines_of(other.output).at(0), "--retry-for", "0"});
  CHECK(wrong.exit_code == 1);
  CHECK_MESSAGE(wrong.errors.find("bad signature") != std::string::npos, wrong.errors);

  // --key without --verify, and a malformed key, are usage errors.
  CHECK(run_tail({url_of(port), "--key", verifier}).exit_code == 2);
  CHECK(run_tail({url_of(port), "--verify", "--key", "not-a-key"}).exit_code == 2);

  daisd.signal(SIGTERM);
  CHECK(daisd.wait(20s) == 0);
}

TEST_CASE("dais-tail keeps a verified, gapless, duplicate-free stream across a daisd restart") {
  TempDir dir;
  const auto port = dais::test::free_port();
  const auto out = dir / "tail.out", err = dir / "tail.err";
  std::uint64_t head_at_stop = 0;
  {
    ChildProcess daisd(daisd_args(dir, port, (dir / "summary1.json").string()), dir / "daisd1.out", dir / "daisd1.err");
    REQUIRE(dais::test::wait_for_port(port, 30s));
    ChildProcess tail({kTail, url_of(port), "--verify", "--retry-for", "30"}, out, err);
    REQUIRE(wait_for_lines(out, 20, 30s));

    daisd.signal(SIGTERM);
    REQUIRE(daisd.wait(20s) == 0);
    head_at_stop = nlohmann::json::parse(dais::test::read_text(dir / "summary1.json")).at("head_seq");
    std::this_thread::sleep_for(300ms);
    CHECK(tail.running());  // retrying while no server listens

    ChildProcess daisd2(daisd_args(dir, port, (dir / "summary2.json").string()), dir / "daisd2.out",
                        dir / "daisd2.err");
    // Events appended after the restart prove the tail reconnected.
    REQUIRE_MESSAGE(wait_for_lines(out, head_at_stop + 40, 40s), dais::test::read_text(err));
    tail.signal(SIGINT);
    CHECK(tail.wait(10s) == 0);
    daisd2.signal(SIGTERM);
    CHECK(daisd2.wait(20s) == 0);
  }
  const auto lines = dais::test::read_lines(out);
  REQUIRE(lines.size() >= head_at_stop + 40);
  check_contiguous_chain(lines, 0);  // no duplicate, no gap, links intact across the restart
  const std::string errors = dais::test::read_text(err);
  CHECK(errors.find("reconnecting in") != std::string::npos);
  CHECK(errors.find("error") == std::string::npos);
  CHECK(errors.find("stopping on SIGINT") != std::string::npos);
}

TEST_CASE("dais-tail: bad command lines exit 2 with a message") {
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
    const auto run = run_tail(bad[i]);
    CHECK(run.exit_code == 2);
    CHECK(run.lines.empty());
    CHECK_FALSE(run.errors.empty());
  }
  const auto help = dais::test::run({kTail, "--help"});
  CHECK(help.exit_code == 0);
  const std::string help_text = help.output;
  CHECK(help_text.find("--verify") != std::string::npos);
  CHECK(help_text.find("Exit status") != std::string::npos);
}

TEST_CASE("dais-tail: an unreachable server gives a clear error after --retry-for") {
  const auto port = dais::test::free_port();  // nothing listens there
  const auto started = std::chrono::steady_clock::now();
  const auto run = run_tail({url_of(port), "--retry-for", "1"});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(run.exit_code == 3);
  CHECK(run.lines.empty());
  CHECK(run.errors.find("cannot connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(run.errors.find("gave up after retrying") != std::string::npos);
  CHECK(elapsed >= 900ms);  // it did retry for about a second
  CHECK(elapsed < 10s);

  const auto no_retry = run_tail({url_of(port), "--retry-for", "0", "--quiet"});
  CHECK(no_retry.exit_code == 3);
  CHECK(no_retry.errors.find("cannot connect") != std::string::npos);
}

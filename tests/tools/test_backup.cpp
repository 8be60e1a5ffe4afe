// End to end: dais-backup copies a log while daisd appends to it; the copy verifies,
// and restored into a new folder (a plain copy) it resumes to the head of the
// uninterrupted run. Its failures: OUT not empty (left untouched), DIR not a log,
// missing arguments (exit 2, nothing written).
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"

using dais::TempDir;
using dais::test::ChildProcess;
using dais::test::program;
using dais::test::run;

namespace {

namespace fs = std::filesystem;

// Pacing keeps daisd running while the backup is taken; it is not part of what is simulated.
const std::vector<std::string> kRun = {"--agents", "4", "--steps", "300", "--seed", "5", "--quiet",
                                       "--set", "traffic.flows_per_step=20", "--set", "detector.trees=25",
                                       "--set", "simulation.step_interval_ms=5"};

std::vector<std::string> daisd(const fs::path& data, const fs::path& summary) {
  std::vector<std::string> args{program("daisd"), "--data", data.string(), "--summary-json", summary.string()};
  args.insert(args.end(), kRun.begin(), kRun.end());
  return args;
}

nlohmann::json verify(const fs::path& dir) {
  const auto r = run({program("dais-verify"), dir.string(), "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.output + r.errors));
  return nlohmann::json::parse(r.output);
}

std::string head_hash(const fs::path& summary) {
  return nlohmann::json::parse(dais::test::read_text(summary)).at("head_hash").get<std::string>();
}

}  // namespace

TEST_CASE("a backup taken during a run verifies, and restored it resumes to the same head") {
  TempDir tmp;
  ChildProcess live(daisd(tmp / "live", tmp / "live.json"), tmp / "live.out", tmp / "live.out");
  // Wait until the run has some steps in its log, then back it up while it appends.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  nlohmann::json backup;
  for (;;) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, dais::test::read_text(tmp / "live.out"));
    if (fs::exists(tmp / "live" / "data.mdb")) {
      const auto probe = run({program("dais-verify"), (tmp / "live").string(), "--json"});
      if (probe.exit_code == 0 && nlohmann::json::parse(probe.output).value("checked", 0) > 200) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto r = run({program("dais-backup"), (tmp / "live").string(), (tmp / "backup").string(), "--json"});
  REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.output + r.errors));
  backup = nlohmann::json::parse(r.output);
  const bool still_running = live.running();
  REQUIRE(live.wait() == 0);
  CHECK(still_running);  // the copy was taken from a live log (the pacing keeps the run going for seconds)

  // The copy holds a prefix of the finished run: same hash at its head seq.
  const auto copy = verify(tmp / "backup");
  CHECK(copy["last_seq"] == backup["head_seq"]);
  CHECK(copy["last_hash"] == backup["head_hash"]);
  const auto full = verify(tmp / "live");
  CHECK(full["last_seq"].get<std::uint64_t>() > copy["last_seq"].get<std::uint64_t>());
  const auto at = run({program("dais-verify"), (tmp / "live").string(), "--expect",
                       std::to_string(backup["head_seq"].get<std::uint64_t>()) + ":" +
                           backup["head_hash"].get<std::string>()});
  CHECK_MESSAGE(at.exit_code == 0, std::string(at.output + at.errors));

  // Restore is a plain copy; the same command resumes it to the uninterrupted run's head.
  fs::copy(tmp / "backup", tmp / "restored", fs::copy_options::recursive);
  REQUIRE(ChildProcess(daisd(tmp / "restored", tmp / "restored.json"), tmp / "restored.out", tmp / "restored.out")
              .wait() == 0);
  CHECK(head_hash(tmp / "restored.json") == head_hash(tmp / "live.json"));
  CHECK(verify(tmp / "restored")["last_hash"] == full["last_hash"]);
}

TEST_CASE("dais-backup refuses a non-empty OUT, a directory without a log, and missing arguments") {
  TempDir tmp;
  const auto made = run({program("daisd"), "--data", (tmp / "log").string(), "--agents", "2", "--steps", "5",
                         "--quiet", "--set", "traffic.flows_per_step=20", "--set", "detector.trees=10"});
  REQUIRE_MESSAGE(made.exit_code == 0, std::string(made.output + made.errors));

  fs::create_directories(tmp / "busy");
  std::ofstream(tmp / "busy" / "keep.txt") << "mine";
  const auto busy = run({program("dais-backup"), (tmp / "log").string(), (tmp / "busy").string()});
  CHECK(busy.exit_code == 2);
  CHECK(busy.errors.find("is not empty") != std::string::npos);
  CHECK(dais::test::read_text(tmp / "busy" / "keep.txt") == "mine");
  CHECK_FALSE(fs::exists(tmp / "busy" / "data.mdb"));

  fs::create_directories(tmp / "nolog");
  const auto nolog = run({program("dais-backup"), (tmp / "nolog").string(), (tmp / "out").string()});
  CHECK(nolog.exit_code == 2);
  CHECK(nolog.errors.find("no DAIS log") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp / "out"));

  CHECK(run({program("dais-backup"), (tmp / "log").string()}).exit_code == 2);

  // An empty existing OUT is fine; the backup of a finished run is the run.
  fs::create_directories(tmp / "empty");
  const auto ok = run({program("dais-backup"), (tmp / "log").string(), (tmp / "empty").string()});
  REQUIRE_MESSAGE(ok.exit_code == 0, std::string(ok.output + ok.errors));
  CHECK(ok.output.find("backup: ") == 0);
  CHECK(verify(tmp / "empty")["last_hash"] == verify(tmp / "log")["last_hash"]);
}

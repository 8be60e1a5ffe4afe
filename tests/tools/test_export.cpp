// End to end: dais-export on a real daisd log, every format, --at, --out, the same bytes twice, and its
// command-line failures (exit 2 for usage, nothing written).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"

using dais::TempDir;
using dais::test::program;
using dais::test::run;

namespace {

const std::string kExport = program("dais-export");

// One short run shared by the cases: long enough for signatures to be accepted, some of them expired
// (attacks 6 benign standard deviations out: at the default 3 the realistic detector finds too few).
const std::filesystem::path& run_log() {
  static TempDir dir;
  static const auto log = [] {
    const auto path = dir / "log";
    const auto r = run({program("daisd"), "--data", path.string(), "--agents", "10", "--steps", "200", "--seed", "11",
                        "--set", "blacklist.expiry=40", "--set", "traffic.attack_distance=6", "--quiet"});
    REQUIRE_MESSAGE(r.exit_code == 0, std::string(r.output + r.errors));
    return path;
  }();
  return log;
}

dais::test::RunResult export_run(std::vector<std::string> extra) {
  std::vector<std::string> argv{kExport, run_log().string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv);
}

}  // namespace

TEST_CASE("every format exports, and the same log gives the same bytes twice") {
  for (const char* format : {"stix", "crowdsec", "txt", "csv"}) {
    CAPTURE(format);
    const auto first = export_run({"--format", format});
    REQUIRE_MESSAGE(first.exit_code == 0, first.errors);
    CHECK(first.errors.empty());
    CHECK_FALSE(first.output.empty());
    CHECK(export_run({"--format", format}).output == first.output);
  }
  const auto bundle = nlohmann::json::parse(export_run({"--format", "stix"}).output);
  CHECK(bundle["type"] == "bundle");
  std::size_t indicators = 0, revoked = 0;
  for (const auto& o : bundle["objects"]) {
    indicators += o["type"] == "indicator";
    revoked += o.value("revoked", false);
  }
  CHECK(indicators > 0);
  CHECK(revoked > 0);
  // The text list and the CrowdSec decisions name the same addresses, in the same order.
  const auto decisions = nlohmann::json::parse(export_run({"--format", "crowdsec"}).output);
  const auto lines = dais::test::lines_of(export_run({"--format", "txt"}).output);
  REQUIRE(decisions.size() == lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(decisions[i]["value"] == lines[i]);
  const auto csv = dais::test::lines_of(export_run({"--format", "csv"}).output);
  CHECK(csv.size() == lines.size() + 1);
}

TEST_CASE("a reader that has gone (| head) ends the export quietly, not as a damaged log") {
  // The pipe's read end is closed before dais-export starts, so its first write meets it, every time.
  const std::string script =
      "import os, subprocess, sys\n"
      "r, w = os.pipe()\n"
      "os.close(r)\n"
      "p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)\n"
      "sys.stderr.write(p.stderr.decode())\n"
      "print(p.returncode)\n";
  const auto r = run({"/usr/bin/python3", "-c", script, kExport, run_log().string(), "--format", "stix"});
  CHECK(r.output == "141\n");  // 128 + SIGPIPE, as any program in a pipeline that outlives its reader
  CHECK_MESSAGE(r.errors.find("damaged") == std::string::npos, r.errors);
}

TEST_CASE("--at exports the log as of an earlier seq; --out writes the same bytes to a file") {
  const auto at_head = export_run({"--format", "stix"});
  const auto early = export_run({"--format", "stix", "--at", "100"});
  REQUIRE(early.exit_code == 0);
  CHECK(early.output != at_head.output);
  CHECK(export_run({"--format", "stix", "--at", "100"}).output == early.output);
  // Every indicator version exported at seq 100 is still there, unchanged, at the head: versions are added,
  // never edited.
  const auto later = nlohmann::json::parse(at_head.output)["objects"];
  for (const auto& object : nlohmann::json::parse(early.output)["objects"]) {
    bool found = false;
    for (const auto& o : later) found = found || o == object;
    CHECK_MESSAGE(found, object.dump());
  }
  TempDir out;
  const auto file = out / "feed.json";
  const auto written = export_run({"--format", "stix", "--at", "100", "--out", file.string()});
  REQUIRE_MESSAGE(written.exit_code == 0, written.errors);
  CHECK(written.output.empty());
  CHECK(dais::test::read_text(file) == early.output);
  CHECK_FALSE(std::filesystem::exists(file.string() + ".partial"));
}

TEST_CASE("usage errors exit 2 with a message and write nothing") {
  TempDir scratch;
  const auto out = scratch / "never.json";
  struct Case {
    std::vector<std::string> argv;
    std::string message;
  };
  const std::vector<Case> cases{
      {{kExport, run_log().string(), "--format", "xml", "--out", out.string()}, "unknown --format 'xml'"},
      {{kExport, run_log().string(), "--out", out.string()}, "--format is required"},
      {{kExport, run_log().string(), "--format", "csv", "--at", "99999999", "--out", out.string()},
       "is past the head of the log"},
      {{kExport, (scratch / "missing").string(), "--format", "csv", "--out", out.string()}, "is not a directory"},
      {{kExport, scratch.path().string(), "--format", "csv", "--out", out.string()}, ""},
      {{kExport, run_log().string(), "--format", "csv", "--at", "x", "--out", out.string()}, "--at"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.argv);
    const auto r = run(c.argv);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(r.errors.empty());
    if (!c.message.empty()) CHECK(r.errors.find(c.message) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(out));
  }
  const auto help = run({kExport, "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--format") != std::string::npos);
}

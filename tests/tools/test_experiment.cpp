// dais-experiment: the statistics, grid expansion and file validation as units, and a tiny sweep
// end to end with the real daisd (tables, charts, replayable run directories, resumption,
// failed runs, bad files).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "common/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"
#include "tools/experiment/grid.h"
#include "tools/experiment/plots.h"
#include "tools/experiment/results.h"
#include "tools/experiment/spec.h"
#include "tools/experiment/stats.h"
#include "tools/experiment/svg_chart.h"

namespace fs = std::filesystem;
using namespace dais::experiment;
using dais::TempDir;
using dais::test::program;
using dais::test::read_lines;
using dais::test::read_text;
using dais::test::RunResult;

namespace {

RunResult run(const std::vector<std::string>& argv) {
  auto result = dais::test::run(argv, {.timeout = std::chrono::seconds(50)});
  REQUIRE_FALSE(result.timed_out);
  return result;
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t start = 0;
  for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1) {
    cells.push_back(line.substr(start, comma - start));
  }
  cells.push_back(line.substr(start));
  return cells;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto found = std::find(header.begin(), header.end(), name);
  REQUIRE_MESSAGE(found != header.end(), "missing column " << name);
  return static_cast<std::size_t>(found - header.begin());
}

const char* kTinySweep = R"(name: tiny
base:
  simulation.agents: 5
  simulation.steps: 15
  store.sync: none
grid:
  consensus.enabled: [true, false]
seeds: [1, 2]
)";

}  // namespace

TEST_CASE("Student's t quantiles come from the table, conservatively between rows") {
  CHECK(student_t_975(1) == doctest::Approx(12.706));
  CHECK(student_t_975(4) == doctest::Approx(2.776));
  CHECK(student_t_975(30) == doctest::Approx(2.042));
  CHECK(student_t_975(35) == doctest::Approx(2.042));
  CHECK(student_t_975(60) == doctest::Approx(2.000));
  CHECK(student_t_975(5000) == doctest::Approx(1.980));
  CHECK_THROWS(student_t_975(0));
}

TEST_CASE("the 95 % confidence half-width uses the sample deviation and t with n-1 degrees") {
  // 1..5: mean 3, sample sd sqrt(2.5); half-width 2.776 * sqrt(2.5) / sqrt(5).
  const Estimate e = estimate({1, 2, 3, 4, 5});
  CHECK(e.n == 5);
  REQUIRE(e.mean);
  CHECK(*e.mean == doctest::Approx(3.0));
  REQUIRE(e.ci95_half_width);
  CHECK(*e.ci95_half_width == doctest::Approx(2.776 * std::sqrt(2.5) / std::sqrt(5.0)));
  // Two values 10 and 14: sd 2*sqrt(2), half-width 12.706 * 2*sqrt(2) / sqrt(2) = 25.412.
  CHECK(*estimate({10, 14}).ci95_half_width == doctest::Approx(25.412));
  CHECK(*estimate({0.7, 0.7, 0.7}).ci95_half_width == 0.0);
  const Estimate one = estimate({4.5});
  CHECK(*one.mean == 4.5);
  CHECK_FALSE(one.ci95_half_width.has_value());
  CHECK_FALSE(estimate({}).mean.has_value());
}

TEST_CASE("grid expansion: the first key varies slowest, runs follow points then seeds") {
  const std::vector<SweptKey> grid = {{"a.x", {"1", "2"}, true}, {"b.y", {"p", "q", "r"}, false}};
  const auto points = expand_grid(grid);
  REQUIRE(points.size() == 6);
  const std::vector<std::pair<std::string, std::string>> expected = {{"1", "p"}, {"1", "q"}, {"1", "r"},
                                                                     {"2", "p"}, {"2", "q"}, {"2", "r"}};
  for (std::size_t i = 0; i < points.size(); ++i) {
    CHECK(points[i].swept[0].value == expected[i].first);
    CHECK(points[i].swept[1].value == expected[i].second);
  }
  const auto runs = plan_runs(points, {7, 3});
  REQUIRE(runs.size() == 12);
  CHECK(runs[0].name == "a.x=1__b.y=p__seed=7");
  CHECK(runs[1].name == "a.x=1__b.y=p__seed=3");
  CHECK(runs[2].point == 1);
  CHECK(runs[11].name == "a.x=2__b.y=r__seed=3");
  CHECK(point_name({{{"k", "a b/c"}}}) == "k=a_b_c");
  // Values that differ only in unsafe characters would share a directory.
  CHECK_THROWS_AS(plan_runs(expand_grid({{"k", {"a b", "a/b"}, false}}), {1}), SpecError);
}

TEST_CASE("experiment files are validated with messages naming the problem") {
  const auto error_of = [](const std::string& text) {
    try {
      parse_spec(text, "x.yaml", ".");
    } catch (const SpecError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  const std::string grid = "grid:\n  consensus.enabled: [true, false]\n";
  CHECK(error_of("nmae: x\n" + grid + "seeds: [1]\n").find("unknown top-level key `nmae`") != std::string::npos);
  CHECK(error_of("grid:\n  consensus.enabled: []\nseeds: [1]\n").find("`grid.consensus.enabled` is an empty list") !=
        std::string::npos);
  CHECK(error_of("grid:\n  consensus.enabled: true\nseeds: [1]\n").find("must be a list") != std::string::npos);
  CHECK(error_of(grid + "seeds: 5\n").find("`seeds` must be a list") != std::string::npos);
  CHECK(error_of(grid + "seeds: [1, two]\n").find("`two` is not one") != std::string::npos);
  CHECK(error_of(grid + "seeds: [1, 1]\n").find("twice") != std::string::npos);
  CHECK(error_of(grid).find("`seeds` is missing") != std::string::npos);
  CHECK(error_of("seeds: [1]\n").find("`grid` is missing") != std::string::npos);
  CHECK(error_of("base:\n  consensus.enabled: true\n" + grid + "seeds: [1]\n").find("both fixed") != std::string::npos);
  CHECK(error_of("grid: [\n").find("not valid YAML") != std::string::npos);

  const auto spec = parse_spec("name: n\nbase:\n  simulation.agents: 5\n" + grid +
                                   "  faults.crash_rate: [0, 0.1]\nseeds: [3, 1]\nconfig: c.yaml\n",
                               "x.yaml", "/d");
  CHECK(spec.name == "n");
  REQUIRE(spec.base.size() == 1);
  CHECK(spec.base[0].value == "5");
  REQUIRE(spec.grid.size() == 2);
  CHECK_FALSE(spec.grid[0].numeric);
  CHECK(spec.grid[1].numeric);
  CHECK(spec.grid[1].values == std::vector<std::string>{"0", "0.1"});
  CHECK(spec.seeds == std::vector<std::uint64_t>{3, 1});
  CHECK(*spec.config_file == fs::path("/d/c.yaml"));
}

TEST_CASE("deeply nested experiment files and run summaries are refused, not parsed") {
  const std::string deep(150000, '[');
  try {
    parse_spec("grid: " + deep + "\nseeds: [1]\n", "x.yaml", ".");
    FAIL("a 150,000-deep grid was accepted");
  } catch (const SpecError& e) {
    CHECK(std::string(e.what()).find("x.yaml") != std::string::npos);
  }
  const std::string deep_summary = "{\"x\":" + deep + std::string(150000, ']') + "}";
  CHECK_THROWS_WITH_AS(parse_summary(deep_summary), doctest::Contains("deeper than 64 levels"), std::invalid_argument);
  CHECK(parse_summary(R"({"events":{"total":3}})")["events"]["total"] == 3);
}

TEST_CASE("charts are standalone SVG with escaped text, one line per other-key combination") {
  const std::vector<SweptKey> grid = {{"faults.crash_rate", {"0", "0.2"}, true}, {"consensus.enabled", {"true", "false"}, false}};
  const auto points = expand_grid(grid);
  std::vector<RunRecord> records;
  for (std::size_t p = 0; p < points.size(); ++p) {
    for (std::uint64_t seed : {1, 2}) records.push_back({p, seed, "r", {{"f1", 0.5 + 0.1 * p + 0.01 * seed}}});
  }
  const auto summaries = summarize(points.size(), records);
  CHECK(summaries[3].runs == 2);
  CHECK(*summaries[3].figures.at("f1").mean == doctest::Approx(0.815));
  CHECK_FALSE(summaries[3].figures.at("recall").mean.has_value());
  const auto charts = sweep_charts("t<&>", grid, points, summaries);
  REQUIRE(charts.size() == main_figures().size());
  CHECK(charts[0].file_name == "f1.svg");
  REQUIRE(charts[0].chart.series.size() == 2);
  CHECK(charts[0].chart.series[1].label == "enabled=false");
  CHECK(*charts[0].chart.series[1].mean[1] == doctest::Approx(0.815));  // point 3 = crash 0.2, enabled false
  const std::string svg = render_svg(charts[0].chart);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(svg.find("t&lt;&amp;&gt;") != std::string::npos);
  CHECK(svg.find("t<&>") == std::string::npos);
  CHECK(std::count(svg.begin(), svg.end(), '<') == std::count(svg.begin(), svg.end(), '>'));
  const auto ticks = nice_ticks(0.13, 0.92, 5);
  REQUIRE(ticks.size() >= 2);
  CHECK(ticks.front() <= 0.13);
  CHECK(ticks.back() >= 0.92);
}

TEST_CASE("a tiny sweep runs end to end, replays, and resumes") {
  TempDir dir;
  const std::string file = dir.write("tiny.yaml", kTinySweep).string();
  const std::string out = (dir / "out").string();
  const auto first = run({program("dais-experiment"), file, "--out", out, "--jobs", "2"});
  INFO(first.errors);
  REQUIRE(first.exit_code == 0);

  const auto runs = read_lines(out + "/runs.csv");
  REQUIRE(runs.size() == 5);
  const auto header = split(runs[0]);
  for (const char* name : {"consensus.enabled", "seed", "precision", "recall", "f1", "time_to_protect_mean",
                           "protected_before_hit", "decision_latency_mean", "poisoned_accepted", "benign_blocked",
                           "agent_steps_per_s", "head_hash", "proposed", "accepted", "rejected", "votes"}) {
    column(header, name);
  }
  const std::vector<std::pair<std::string, std::string>> order = {{"true", "1"}, {"true", "2"}, {"false", "1"}, {"false", "2"}};
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto cells = split(runs[i + 1]);
    REQUIRE(cells.size() == header.size());
    CHECK(cells[column(header, "consensus.enabled")] == order[i].first);
    CHECK(cells[column(header, "seed")] == order[i].second);
    CHECK(cells[column(header, "head_hash")].size() == 64);
  }
  // Isolated agents never share, so they propose and vote nothing.
  CHECK(split(runs[3])[column(header, "votes")] == "0");

  const auto summary = read_lines(out + "/summary.csv");
  REQUIRE(summary.size() == 3);
  const auto summary_header = split(summary[0]);
  CHECK(split(summary[1])[column(summary_header, "n")] == "2");
  column(summary_header, "f1_mean");
  column(summary_header, "f1_ci95");

  for (const auto& figure : main_figures()) {
    const std::string svg = read_text(out + "/" + figure + ".svg");
    INFO(figure);
    REQUIRE(svg.size() > 100);
    CHECK(svg.rfind("<svg", 0) == 0);
    CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  }

  const std::string run_dir = out + "/runs/consensus.enabled=true__seed=2";
  const auto replay = run({program("dais-replay"), run_dir});
  INFO(replay.output << replay.errors);
  CHECK(replay.exit_code == 0);

  // Same --out again: every run is skipped, its log untouched, and the tables come out the same.
  struct stat before {};
  REQUIRE(::stat((run_dir + "/data.mdb").c_str(), &before) == 0);
  const auto second = run({program("dais-experiment"), file, "--out", out, "--jobs", "2"});
  INFO(second.errors);
  CHECK(second.exit_code == 0);
  CHECK(second.errors.find("0 completed, 4 skipped") != std::string::npos);
  struct stat after {};
  REQUIRE(::stat((run_dir + "/data.mdb").c_str(), &after) == 0);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  CHECK(read_lines(out + "/runs.csv") == runs);

  // A run whose summary is gone is run again, and only that one.
  fs::remove(run_dir + ".summary.json");
  const auto third = run({program("dais-experiment"), file, "--out", out, "--jobs", "1"});
  CHECK(third.exit_code == 0);
  CHECK(third.errors.find("1 completed, 3 skipped") != std::string::npos);
  CHECK(read_lines(out + "/runs.csv")[2].find(split(runs[2])[column(header, "head_hash")]) != std::string::npos);
}

TEST_CASE("a failing run is reported with its stderr, the others finish, and the sweep exits 1") {
  TempDir dir;
  // A daisd stand-in that fails for seed 2 and hands everything else to the real daisd.
  const std::string fake =
      dir.write("daisd",
                "#!/bin/sh\n"
                "case \" $* \" in *' --seed 2 '*) echo 'simulated failure: disk on fire' >&2; exit 3;; esac\n"
                "exec " + program("daisd") + " \"$@\"\n")
          .string();
  ::chmod(fake.c_str(), 0755);
  const std::string file = dir.write("tiny.yaml", kTinySweep).string();
  const auto result =
      run({program("dais-experiment"), file, "--out", (dir / "out").string(), "--daisd", fake, "--quiet"});
  CHECK(result.exit_code == 1);
  CHECK(result.errors.find("disk on fire") != std::string::npos);
  CHECK(result.errors.find("consensus.enabled=true__seed=2 FAILED") != std::string::npos);
  CHECK(result.errors.find("2 of 4 runs failed") != std::string::npos);
  CHECK(read_lines((dir / "out").string() + "/runs.csv").size() == 3);  // header + the two seed-1 runs
}

TEST_CASE("bad experiment files and bad configuration values stop before any run, with exit 2") {
  TempDir dir;
  const auto expect_usage_error = [&](const std::string& text, const std::string& message) {
    const std::string file = dir.write("bad.yaml", text).string();
    const auto result = run({program("dais-experiment"), file, "--out", (dir / "out").string()});
    INFO(result.errors);
    CHECK(result.exit_code == 2);
    CHECK(result.errors.find(message) != std::string::npos);
    CHECK_FALSE(fs::exists((dir / "out").string() + "/runs.csv"));
  };
  expect_usage_error("name: x\nsweep: {}\ngrid:\n  consensus.enabled: [true]\nseeds: [1]\n", "unknown top-level key `sweep`");
  expect_usage_error("grid:\n  consensus.enabled: []\nseeds: [1]\n", "`grid.consensus.enabled` is an empty list");
  expect_usage_error("grid:\n  consensus.enabled: [true]\nseeds: 1\n", "`seeds` must be a list");
  // daisd itself names an unknown key or an out-of-range value during the pre-flight check.
  expect_usage_error("grid:\n  consensus.bogus: [1]\nseeds: [1]\n", "consensus.bogus");
  expect_usage_error("grid:\n  consensus.majority: [0.3]\nseeds: [1]\n", "out of range");
  const auto missing =
      run({program("dais-experiment"), (dir / "absent.yaml").string(), "--out", (dir / "out").string()});
  CHECK(missing.exit_code == 2);
  CHECK(missing.errors.find("cannot read") != std::string::npos);
}

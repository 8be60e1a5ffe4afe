// GET /metrics of a running daisd is valid Prometheus text exposition as Prometheus itself
// reads it: `promtool check metrics` (Debian's prometheus package, installed by
// `scripts/setup.sh test`) parses it and lints the names, types and help texts. The server
// first answers a few requests (a query, a 404, a refused control call) so that the labelled
// series exist too. Fails, naming the package, when promtool is missing.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

namespace {

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

}  // namespace

TEST_CASE("promtool check metrics accepts GET /metrics of a running daisd") {
  const auto promtool = find_on_path("promtool");
  REQUIRE_MESSAGE(!promtool.empty(), "promtool not found: install Debian's prometheus package (scripts/setup.sh test)");

  dais::TempDir tmp;
  const auto out = tmp / "out.txt";
  const auto port = dais::test::free_port();
  dais::test::ChildProcess daisd({dais::test::program("daisd"), "--data", (tmp / "data").string(), "--serve",
                                  "--quiet", "--agents", "3", "--steps", "30", "--listen",
                                  "127.0.0.1:" + std::to_string(port), "--set", "detector.trees=10"},
                                 out, out);
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, std::chrono::seconds(60)), dais::test::read_text(out));
  CHECK(dais::test::http_request(port, "GET", "/v1/stats").status == 200);
  CHECK(dais::test::http_request(port, "GET", "/v1/no-such-route").status == 404);
  CHECK(dais::test::http_request(port, "POST", "/v1/simulation/pause").status == 403);
  const auto metrics = dais::test::http_request(port, "GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.body.find("dais_steps_total") != std::string::npos);
  CHECK(metrics.body.find("dais_http_request_seconds_bucket") != std::string::npos);
  const auto file = tmp / "metrics.txt";
  std::ofstream(file) << metrics.body;

  const auto check = dais::test::run({"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool, file.string()},
                                     {{}, dais::test::Streams::merged});
  CHECK_MESSAGE(check.exit_code == 0, check.output);
  CHECK(check.output.empty());  // no lint findings either

  REQUIRE(daisd.signal(SIGTERM));
  CHECK(daisd.wait() == 0);
}

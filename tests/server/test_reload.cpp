// SIGHUP end to end: a running `daisd --serve` reloads its configuration file and applies
// what can change at run time (api.token, api.rate_limit, api.rate_burst, log.*) to the
// requests that follow, never logs the token, and keeps everything as it was when the new
// configuration does not load.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "common/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

namespace {

void write_config(const std::filesystem::path& file, const std::string& api_section) {
  std::ofstream out(file, std::ios::trunc);
  out << "traffic:\n  flows_per_step: 20\ndetector:\n  trees: 10\napi:\n" << api_section;
}

int control(std::uint16_t port, const std::string& action, const std::string& token) {
  return dais::test::http_request(port, "POST", "/v1/simulation/" + action, {{"Authorization", "Bearer " + token}})
      .status;
}

// Waits until the output holds `text` `count` times.
bool wait_for_output(const std::filesystem::path& file, const std::string& text, std::size_t count) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto out = dais::test::read_text(file);
    std::size_t found = 0;
    for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++found;
    if (found >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int refused_of(std::uint16_t port, int requests) {
  int refused = 0;
  for (int i = 0; i < requests; ++i) refused += dais::test::http_request(port, "GET", "/v1/health").status == 429;
  return refused;
}

}  // namespace

TEST_CASE("SIGHUP applies a new api.token and rate limit to the running server, and nothing of a bad file") {
  dais::TempDir tmp;
  const auto config = tmp / "daisd.yaml";
  const auto out = tmp / "out.txt";
  write_config(config, "  token: first-secret-token\n  rate_limit: 0\n");
  const auto port = dais::test::free_port();
  dais::test::ChildProcess daisd({dais::test::program("daisd"), "--data", (tmp / "data").string(), "--config",
                                  config.string(), "--serve", "--quiet", "--agents", "2", "--steps", "10", "--listen",
                                  "127.0.0.1:" + std::to_string(port)},
                                 out, out);
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, std::chrono::seconds(60)), dais::test::read_text(out));

  CHECK(control(port, "pause", "first-secret-token") == 200);
  CHECK(control(port, "resume", "second-secret-token") == 401);
  CHECK(refused_of(port, 6) == 0);  // no rate limit

  write_config(config, "  token: second-secret-token\n  rate_limit: 0.5\n  rate_burst: 2\n");
  REQUIRE(daisd.signal(SIGHUP));
  REQUIRE_MESSAGE(wait_for_output(out, "SIGHUP: reloaded", 1), dais::test::read_text(out));
  CHECK(control(port, "resume", "first-secret-token") == 401);  // the old token no longer opens anything
  CHECK(refused_of(port, 4) >= 2);                        // a burst of 2, then refused (the POST took one)

  // A file that does not load changes nothing: the second token still works, limits stay.
  write_config(config, "  token: third-secret-token\n  rate_limit: -5\n");
  REQUIRE(daisd.signal(SIGHUP));
  REQUIRE_MESSAGE(wait_for_output(out, "SIGHUP: the configuration was not reloaded", 1), dais::test::read_text(out));
  write_config(config, "  token: second-secret-token\n  rate_limit: 0\n");
  REQUIRE(daisd.signal(SIGHUP));
  REQUIRE_MESSAGE(wait_for_output(out, "SIGHUP: reloaded", 2), dais::test::read_text(out));
  CHECK(control(port, "resume", "second-secret-token") == 200);
  CHECK(control(port, "pause", "third-secret-token") == 401);
  CHECK(refused_of(port, 6) == 0);

  REQUIRE(daisd.signal(SIGTERM));
  CHECK(daisd.wait() == 0);
  const auto log = dais::test::read_text(out);
  CHECK(log.find("api.token (set), api.rate_limit 0.5, api.rate_burst 2") != std::string::npos);
  CHECK(log.find("secret-token") == std::string::npos);  // no token value is ever logged
}

// The real daisd, served on loopback, under hostile requests that the API test
// backend cannot show crashing the server (its inject_attack copies nothing):
// a deeply nested JSON body. The server answers with an error and keeps running.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "tests/api/support/clients.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using namespace dais::api::testing;
using namespace std::chrono_literals;
using dais::TempDir;
using dais::test::ChildProcess;
using dais::test::program;

namespace {

constexpr const char* kToken = "hostile-test-token";

struct ServedDaisd {
  explicit ServedDaisd(const TempDir& dir, const std::vector<std::string>& extra = {})
      : port(dais::test::free_port()), err(dir / "daisd.err"), daisd(argv(dir, port, extra), dir / "daisd.out", err) {
    REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(err));
  }
  static std::vector<std::string> argv(const TempDir& dir, std::uint16_t port, const std::vector<std::string>& extra) {
    std::vector<std::string> a{program("daisd"), "--data", (dir / "log").string(), "--serve", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--steps", "0", "--agents", "4",
                               "--set", std::string("api.token=") + kToken, "--set", "simulation.step_interval_ms=50",
                               "--set", "store.sync=none", "--quiet"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::uint16_t port;
  std::filesystem::path err;
  ChildProcess daisd;
};

HttpResult post_attack(std::uint16_t port, const std::string& body) {
  HttpClient client(port, 20s);
  return client.request("POST", "/v1/attacks", body,
                        {{"Authorization", std::string("Bearer ") + kToken}, {"Content-Type", "application/json"}});
}

}  // namespace

TEST_CASE("daisd answers a 150,000-deep JSON attack body with 400 and keeps serving") {
  TempDir dir;
  ServedDaisd served(dir);
  const std::size_t depth = 150000;  // 300 KB: well under the 1 MiB body limit
  const std::string body =
      R"({"kind":"port_scan","sources":["10.0.0.1"],"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  const auto r = post_attack(served.port, body);
  CHECK(r.status == 400);
  CHECK(r.body.find("deeper than 64 levels") != std::string::npos);
  REQUIRE_MESSAGE(served.daisd.running(), dais::test::read_text(served.err));
  CHECK(http_once(served.port, "GET", "/v1/health").status == 200);
  // A shallow request with the same fields still goes through.
  const auto ok = post_attack(served.port, R"({"kind":"port_scan","sources":["10.0.0.1"],"x":[[1]]})");
  CHECK(ok.status == 202);
}

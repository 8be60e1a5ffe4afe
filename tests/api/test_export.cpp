// GET /v1/export/{format} over loopback: each format with its content type, the same bytes as dais-export
// on the same log (run as a separate program on the store's directory), the seq it was taken at, and errors.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/api/support/fixture.h"
#include "tests/support/child_process.h"

using namespace dais::api;
using namespace dais::api::testing;

TEST_CASE("exports serve the bytes dais-export writes for the same log, with their content types") {
  ApiFixture f;
  f.backend.start_run(4);
  for (std::uint64_t s = 1; s <= 6; ++s) f.backend.simulate_step(s, s % 3 != 0);  // 4 accepted
  HttpClient c(f.port);
  const struct {
    const char* format;
    const char* content_type;
  } formats[] = {{"stix", "application/stix+json;version=2.1"},
                 {"crowdsec", "application/json"},
                 {"txt", "text/plain; charset=utf-8"},
                 {"csv", "text/csv; charset=utf-8"}};
  for (const auto& [format, content_type] : formats) {
    CAPTURE(format);
    const auto r = c.get(std::string("/v1/export/") + format);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == content_type);
    CHECK(r.header("x-dais-export-seq") == std::to_string(f.backend.store().head().seq()));
    const auto cli = dais::test::run(
        {dais::test::program("dais-export"), f.backend.store().directory().string(), "--format", format});
    REQUIRE_MESSAGE(cli.exit_code == 0, cli.errors);
    CHECK(r.body == cli.output);
    CHECK(c.get(std::string("/v1/export/") + format).body == r.body);
  }
  const auto decisions = nlohmann::json::parse(c.get("/v1/export/crowdsec").body);
  REQUIRE(decisions.size() == 4);
  CHECK(decisions[0]["value"] == "10.0.0.1");
  CHECK(decisions[0]["type"] == "ban");
  CHECK(decisions[0]["origin"] == "dais");
  const auto bundle = nlohmann::json::parse(c.get("/v1/export/stix").body);
  CHECK(bundle["objects"].size() == 1 + 4);  // the run's identity and four indicators
}

TEST_CASE("export errors: unknown format 404, wrong method 405, an empty log 409") {
  ApiFixture f;
  HttpClient c(f.port);
  const auto empty = c.get("/v1/export/stix");
  CHECK(empty.status == 409);
  CHECK(empty.json()["error"] == "the run cannot be exported: the log holds no events to export");
  f.backend.start_run(4);
  const auto unknown = c.get("/v1/export/xml");
  CHECK(unknown.status == 404);
  CHECK(unknown.json()["allowed"] == "stix, crowdsec, txt, csv");
  CHECK(c.request("POST", "/v1/export/stix").status == 405);
  CHECK(c.get("/v1/export/txt").status == 200);
  CHECK(c.get("/v1/export/txt").body.empty());  // nothing accepted yet
}

// REST endpoints end to end over loopback: every route, its errors, pagination,
// auth on control endpoints, and stored bytes that hash to the reported hash.
#include <doctest/doctest.h>

#include "common/sha256.h"
#include "tests/api/support/fixture.h"

using namespace dais::api;
using namespace dais::api::testing;

namespace {
Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// The raw event bytes of entry `seq` inside a /v1/events body, located by the
// entry framing {"seq":N,"hash":"..","event":<bytes>} (no JSON re-serialisation).
std::string raw_event(const std::string& body, std::uint64_t seq, bool last) {
  const std::string prefix = "{\"seq\":" + std::to_string(seq) + ",\"hash\":\"";
  const std::size_t at = body.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::size_t start = body.find("\"event\":", at) + 8;
  const std::size_t end = last ? body.rfind("}],\"next\":")
                               : body.find("},{\"seq\":" + std::to_string(seq + 1) + ",\"hash\":", start);
  REQUIRE(end != std::string::npos);
  return body.substr(start, end - start);
}
}  // namespace

TEST_CASE("chain, events and event-by-seq report the stored bytes and their hashes") {
  ApiFixture f;
  HttpClient c(f.port);

  auto empty = c.get("/v1/chain");
  CHECK(empty.status == 200);
  CHECK(empty.json()["count"] == 0);
  CHECK(empty.json()["head_seq"].is_null());

  f.backend.start_run(4);
  for (std::uint64_t s = 1; s <= 30; ++s) f.backend.simulate_step(s, s % 3 != 0);
  const auto head = f.backend.store().head();
  REQUIRE(head.count == 1 + 30 * 6);

  auto chain = c.get("/v1/chain");
  CHECK(chain.status == 200);
  CHECK(chain.header("content-type") == "application/json");
  CHECK(chain.json()["count"] == head.count);
  CHECK(chain.json()["head_seq"] == head.seq());
  CHECK(chain.json()["head_hash"] == dais::to_hex(head.hash));

  // Page through everything with the cursor; every entry's bytes hash to its hash and link to the previous.
  std::uint64_t from = 0;
  std::uint64_t seen = 0;
  std::string prev_hash(64, '0');
  int pages = 0;
  for (;;) {
    auto page = c.get("/v1/events?from=" + std::to_string(from) + "&limit=50");
    REQUIRE(page.status == 200);
    const auto body = page.json();
    for (std::size_t i = 0; i < body["events"].size(); ++i) {
      const auto& entry = body["events"][i];
      CHECK(entry["seq"] == seen);
      // The event is embedded verbatim: the bytes in the response are the stored bytes and hash to `hash`.
      const std::string bytes = raw_event(page.body, seen, i + 1 == body["events"].size());
      const auto stored = f.backend.store().get(seen);
      REQUIRE(stored);
      CHECK(bytes == stored->bytes);
      CHECK(dais::to_hex(dais::sha256(bytes)) == entry["hash"]);
      CHECK(entry["event"]["prev"] == prev_hash);
      prev_hash = entry["hash"];
      ++seen;
    }
    ++pages;
    from = body["next"];
    if (!body["has_more"].get<bool>()) break;
  }
  CHECK(seen == head.count);
  CHECK(pages == 4);  // 181 events in pages of 50

  // Raw body check: the event appears byte for byte inside the response.
  auto one = c.get("/v1/events/5");
  CHECK(one.status == 200);
  CHECK(one.body.find(f.backend.store().get(5)->bytes) != std::string::npos);
  CHECK(one.json()["seq"] == 5);

  // Type filter.
  auto votes = c.get("/v1/events?type=VoteCast,ConsensusReached&limit=1000").json();
  CHECK(votes["events"].size() == 30 * 4);
  for (const auto& e : votes["events"]) {
    const std::string t = e["event"]["type"];
    CHECK((t == "VoteCast" || t == "ConsensusReached"));
  }
  CHECK(c.get("/v1/events").json()["events"].size() == 100);  // default limit

  // Errors.
  CHECK(c.get("/v1/events/999999").status == 404);
  CHECK(c.get("/v1/events/abc").status == 400);
  CHECK(c.get("/v1/events?limit=0").status == 400);
  CHECK(c.get("/v1/events?limit=1001").status == 400);
  auto bad = c.get("/v1/events?from=-1");
  CHECK(bad.status == 400);
  CHECK(bad.json()["error"].get<std::string>().find("from") != std::string::npos);
  CHECK(c.get("/v1/events?type=bad-type").status == 400);
  CHECK(c.get("/v1/events?from=%zz").status == 400);
}

TEST_CASE("projection endpoints: signatures, agents, blacklist, stats") {
  ApiFixture f;
  f.backend.start_run(5);
  for (std::uint64_t s = 1; s <= 12; ++s) f.backend.simulate_step(s, s % 4 != 0);  // 9 accepted, 3 rejected
  HttpClient c(f.port);

  auto all = c.get("/v1/signatures").json();
  CHECK(all["total"] == 12);
  CHECK(all["signatures"].size() == 12);
  CHECK(all["next"].is_null());
  CHECK(c.get("/v1/signatures?status=accepted").json()["total"] == 9);
  CHECK(c.get("/v1/signatures?status=rejected").json()["total"] == 3);
  CHECK(c.get("/v1/signatures?status=pending").json()["total"] == 0);
  CHECK(c.get("/v1/signatures?status=maybe").status == 400);

  // Cursor pagination over signatures.
  std::vector<std::string> ids;
  nlohmann::json cursor = 0;
  while (!cursor.is_null()) {
    auto page = c.get("/v1/signatures?limit=5&from=" + std::to_string(cursor.get<std::uint64_t>())).json();
    for (const auto& s : page["signatures"]) ids.push_back(s["id"]);
    cursor = page["next"];
  }
  CHECK(ids.size() == 12);
  CHECK(ids.front() == "sig-1");
  CHECK(ids.back() == "sig-12");

  auto one = c.get("/v1/signatures/sig-4");
  CHECK(one.status == 200);
  CHECK(one.json()["status"] == "rejected");
  CHECK(one.json()["votes"].size() == 4);
  CHECK(c.get("/v1/signatures/nope").status == 404);

  auto agents = c.get("/v1/agents");
  CHECK(agents.status == 200);
  CHECK(agents.json()["agents"].size() == 5);
  CHECK(c.get("/v1/agents/2").status == 200);
  CHECK(c.get("/v1/agents/5").status == 404);
  CHECK(c.get("/v1/agents/x").status == 400);

  auto blacklist = c.get("/v1/blacklist");
  CHECK(blacklist.status == 200);
  CHECK(blacklist.body.find("10.0.0.1") != std::string::npos);  // accepted in step 1

  auto stats = c.get("/v1/stats").json();
  CHECK(stats["signatures"]["accepted"] == 9);
  CHECK(stats["applied_seq"] == f.backend.store().head().seq());

  // A handler that throws becomes a JSON 500, and the server goes on serving.
  f.backend.throw_in_projections = true;
  auto failed = c.get("/v1/stats");
  CHECK(failed.status == 500);
  CHECK(failed.json()["error"] == "internal error");
  f.backend.throw_in_projections = false;
  CHECK(c.get("/v1/stats").status == 200);
}

TEST_CASE("health, metrics, openapi, the dashboard page, unknown routes and methods") {
  ApiFixture f;
  f.backend.start_run(2);
  HttpClient c(f.port);

  auto health = c.get("/v1/health");
  CHECK(health.status == 200);
  CHECK(health.json()["status"] == "ok");
  f.backend.healthy = false;
  CHECK(c.get("/v1/health").status == 503);

  auto metrics = c.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.header("content-type").find("text/plain; version=0.0.4") == 0);
  CHECK(metrics.body.find("dais_http_requests_total{route=\"/v1/health\",status=\"200\"} 1") != std::string::npos);
  CHECK(metrics.body.find("# TYPE dais_append_seconds histogram") != std::string::npos);

  auto openapi = c.get("/openapi.json");
  CHECK(openapi.status == 200);
  const auto doc = openapi.json();
  CHECK(doc["openapi"].get<std::string>().rfind("3.", 0) == 0);
  for (const char* path : {"/v1/health", "/v1/chain", "/v1/events", "/v1/events/{seq}", "/v1/signatures",
                           "/v1/signatures/{id}", "/v1/agents", "/v1/agents/{id}", "/v1/blacklist", "/v1/stats",
                           "/v1/stream", "/metrics", "/v1/simulation/pause", "/v1/simulation/resume",
                           "/v1/simulation/step", "/v1/attacks", "/v1/blacklist/remove"}) {
    CHECK_MESSAGE(doc["paths"].contains(path), path);
  }

  auto root = c.get("/");
  CHECK(root.status == 200);
  CHECK(root.header("content-type").find("text/html") == 0);
  CHECK(root.body.find("/v1/stats") != std::string::npos);

  auto unknown = c.get("/v2/nothing");
  CHECK(unknown.status == 404);
  CHECK(unknown.json().contains("error"));

  auto wrong = c.request("DELETE", "/v1/chain");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("allow") == "GET, HEAD");
  auto get_control = c.get("/v1/simulation/pause");
  CHECK(get_control.status == 405);
  CHECK(get_control.header("allow") == "POST");

  auto head = c.request("HEAD", "/v1/chain");
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  // No CORS headers unless configured.
  CHECK(c.get("/v1/chain").header("access-control-allow-origin").empty());
}

TEST_CASE("CORS headers only when an origin is configured") {
  auto options = test_options();
  options.cors_origin = "http://localhost:3000";
  ApiFixture f(options);
  HttpClient c(f.port);
  CHECK(c.get("/v1/chain").header("access-control-allow-origin") == "http://localhost:3000");
  auto preflight = c.request("OPTIONS", "/v1/attacks");
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-headers").find("Authorization") != std::string::npos);
}

TEST_CASE("control endpoints need the bearer token") {
  ApiFixture f;
  f.backend.start_run(3);
  HttpClient c(f.port);

  auto missing = c.request("POST", "/v1/simulation/pause");
  CHECK(missing.status == 401);
  CHECK(c.request("POST", "/v1/simulation/pause", "", bearer("wrong")).status == 401);
  CHECK(c.request("POST", "/v1/simulation/pause", "", bearer("secret-token-longer")).status == 401);
  CHECK(c.request("POST", "/v1/simulation/pause", "", {{"Authorization", "Basic secret-token"}}).status == 401);
  CHECK(f.backend.pauses == 0);

  CHECK(c.request("POST", "/v1/simulation/pause", "", bearer("secret-token")).status == 200);
  CHECK(c.request("POST", "/v1/simulation/resume", "", bearer("secret-token")).status == 200);
  CHECK(c.request("POST", "/v1/simulation/step", "", bearer("secret-token")).status == 202);
  CHECK(f.backend.pauses == 1);
  CHECK(f.backend.resumes == 1);
  CHECK(f.backend.steps == 1);

  const auto before = f.backend.store().head().count;
  auto attack = c.request("POST", "/v1/attacks", R"({"kind":"port_scan","sources":["198.51.100.7"],"targets":[0,1]})",
                          bearer("secret-token"));
  CHECK(attack.status == 202);
  CHECK(f.backend.store().head().count == before + 1);
  auto injected = c.get("/v1/events?type=AttackInjected").json();
  REQUIRE(injected["events"].size() == 1);
  CHECK(injected["events"][0]["event"]["data"]["sources"][0] == "198.51.100.7");

  auto malformed = c.request("POST", "/v1/attacks", "{\"kind\": ", bearer("secret-token"));
  CHECK(malformed.status == 400);
  CHECK(malformed.json()["error"] == "malformed JSON body");
  CHECK(c.request("POST", "/v1/attacks", "[1,2]", bearer("secret-token")).status == 400);
  auto invalid = c.request("POST", "/v1/attacks", "{}", bearer("secret-token"));
  CHECK(invalid.status == 400);  // the backend's own validation passes through
  CHECK(f.backend.store().head().count == before + 1);

  CHECK(c.request("POST", "/v1/blacklist/remove", R"({"indicator":"198.51.100.7"})").status == 401);
  CHECK(c.request("GET", "/v1/blacklist/remove", "", bearer("secret-token")).status == 405);
  CHECK(c.request("POST", "/v1/blacklist/remove", "{\"indicator\": ", bearer("secret-token")).status == 400);
  CHECK(c.request("POST", "/v1/blacklist/remove", "{}", bearer("secret-token")).status == 400);
  CHECK(f.backend.store().head().count == before + 1);
  auto removed = c.request("POST", "/v1/blacklist/remove", R"({"indicator":"198.51.100.7"})", bearer("secret-token"));
  CHECK(removed.status == 202);
  CHECK(f.backend.store().head().count == before + 2);
  auto logged = c.get("/v1/events?type=BlacklistRemoved").json();
  REQUIRE(logged["events"].size() == 1);
  CHECK(logged["events"][0]["event"]["data"]["indicator"] == "198.51.100.7");
}

TEST_CASE("without a configured token control endpoints are refused with 403") {
  auto options = test_options();
  options.token.clear();
  ApiFixture f(options);
  auto r = http_once(f.port, "POST", "/v1/simulation/pause", "", bearer(""));
  CHECK(r.status == 403);
  CHECK(r.json()["error"] == "control endpoints are disabled: no api.token configured");
  CHECK(f.backend.pauses == 0);
}

TEST_CASE("body limit gives 413 and rate limit gives 429 with Retry-After") {
  auto options = test_options();
  options.body_limit = 1024;
  options.rate_limit = 5;
  options.rate_burst = 10;
  ApiFixture f(options);
  {
    HttpClient c(f.port);
    auto big = c.request("POST", "/v1/attacks", std::string(100 * 1024, 'x'), bearer("secret-token"));
    CHECK(big.status == 413);
    CHECK(big.json()["limit_bytes"] == 1024);
  }
  HttpClient c(f.port);
  int ok = 0, limited = 0;
  HttpResult last;
  for (int i = 0; i < 30; ++i) {
    auto r = c.get("/v1/chain");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      last = r;
    }
  }
  CHECK(ok >= 9);   // the burst (one token went to the 413 request)
  CHECK(ok <= 12);  // plus what refills during the loop
  CHECK(limited == 30 - ok);
  CHECK(last.header("retry-after") == "1");
  CHECK(last.json()["error"] == "rate limit exceeded");
  CHECK(f.metrics.value("dais_http_rate_limited_total") == limited);
}

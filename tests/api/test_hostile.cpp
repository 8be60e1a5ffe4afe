// Hostile and misbehaving clients: garbage instead of HTTP, oversized headers,
// a slowloris that sends nothing, malformed and oversized WebSocket frames,
// connections past max_connections, a busy port. Each gets a clean error or
// close, and a normal request still works afterwards.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "tests/api/support/fixture.h"

using namespace dais::api;
using namespace dais::api::testing;
using namespace std::chrono_literals;

namespace {
void still_serves(std::uint16_t port) {
  auto r = http_once(port, "GET", "/v1/chain");
  CHECK(r.status == 200);
}
// Upgrades a raw connection to the stream, sends `frame`, and returns the code
// of the close frame the server answers with (-1 when there is none).
int close_code_after(std::uint16_t port, const std::string& frame) {
  RawSocket raw(port);
  raw.send("GET /v1/stream?from=0 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  auto upgraded = raw.read_until("\r\n\r\n", 3s);
  REQUIRE(upgraded.received.rfind("HTTP/1.1 101", 0) == 0);
  raw.send(frame);
  auto r = raw.read_all(3s);
  CHECK(r.server_closed);
  const std::string all = upgraded.received + r.received;
  // Server frames are unmasked: 0x88, length, then the 2-byte code. Event payloads are ASCII JSON.
  const auto at = all.find('\x88', all.find("\r\n\r\n"));
  if (at == std::string::npos || all.size() < at + 4) return -1;
  return (static_cast<unsigned char>(all[at + 2]) << 8) | static_cast<unsigned char>(all[at + 3]);
}
std::string upgrade_request(std::uint16_t port, const std::string& origin) {
  return "GET /v1/stream?from=0 HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + (origin.empty() ? "" : "Origin: " + origin + "\r\n") +
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// The status line of the answer to an upgrade with this Origin ("" = none).
std::string upgrade_status(std::uint16_t port, const std::string& origin) {
  RawSocket raw(port);
  raw.send(upgrade_request(port, origin));
  const auto r = raw.read_until("\r\n\r\n", 3s);
  return r.received.substr(0, r.received.find("\r\n"));
}

// Anonymous resident memory of this process (RssAnon): heap, not the mapped log.
std::size_t rss_anon_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8)) * 1024;
  FAIL("no RssAnon in /proc/self/status");
  return 0;
}
}  // namespace

TEST_CASE("the stream refuses a browser page from another origin with 403 unless api.ws_allowed_origins lets it in") {
  {
    ApiFixture f;
    f.backend.start_run(2);
    const std::string own = "http://127.0.0.1:" + std::to_string(f.port);
    CHECK(upgrade_status(f.port, "") == "HTTP/1.1 101 Switching Protocols");
    CHECK(upgrade_status(f.port, own) == "HTTP/1.1 101 Switching Protocols");
    RawSocket raw(f.port);
    raw.send(upgrade_request(f.port, "http://evil.example"));
    const auto r = raw.read_all(3s);
    CHECK(r.received.rfind("HTTP/1.1 403", 0) == 0);
    CHECK(r.received.find("api.ws_allowed_origins") != std::string::npos);
    CHECK(r.server_closed);
    CHECK(f.metrics.value("dais_ws_origin_refused_total") == 1);
  }
  {
    auto options = test_options();
    options.ws_allowed_origins = {"https://dash.example:8443"};
    ApiFixture f(options);
    CHECK(upgrade_status(f.port, "https://dash.example:8443") == "HTTP/1.1 101 Switching Protocols");
    CHECK(upgrade_status(f.port, "https://dash.example").rfind("HTTP/1.1 403", 0) == 0);
  }
  {
    auto options = test_options();
    options.ws_allowed_origins = {"*"};
    ApiFixture f(options);
    CHECK(upgrade_status(f.port, "http://evil.example") == "HTTP/1.1 101 Switching Protocols");
  }
}

TEST_CASE("500 stream clients that read nothing hold at most api.ws_buffer_bytes each, and the memory comes back") {
  constexpr std::size_t kClients = 500;
  constexpr std::size_t kBudget = 32 * 1024;
  auto options = test_options();
  options.ws_buffer_bytes = kBudget;
  options.max_connections = 2 * kClients;
  options.max_connections_per_address = 2 * kClients;
  options.ws_behind_limit_s = 600;  // stalled, not dropped, while memory is measured
  ApiFixture f(options);
  f.backend.start_run(8);
  f.backend.append_steps(1, 20000, 1000);  // a log of a few MB: far more than any client's buffer
  REQUIRE(f.backend.store().head().count > 20000);

  const std::size_t before = rss_anon_bytes();
  std::vector<std::unique_ptr<WsClient>> clients;
  for (std::size_t i = 0; i < kClients; ++i)
    clients.push_back(std::make_unique<WsClient>(f.port, "/v1/stream?from=0", 10s, 4096));
  // Every client's session fills what it may hold and then waits on its socket: wait until the
  // resident size stops growing (three samples in a row within 256 KiB), or 20 s.
  std::size_t last = rss_anon_bytes();
  for (int steady = 0, i = 0; steady < 3 && i < 80; ++i) {
    std::this_thread::sleep_for(250ms);
    const std::size_t now = rss_anon_bytes();
    steady = now < last + 256 * 1024 ? steady + 1 : 0;
    last = std::max(last, now);
  }
  const std::size_t peak = rss_anon_bytes();
  const std::size_t held = peak > before ? peak - before : 0;
  MESSAGE("RssAnon grew by " << held / 1024 << " KiB for " << kClients << " stalled clients");
  // The budget, plus the session, the WebSocket stream and both ends' small buffers (a few KiB);
  // before the budget a stalled client held about 325 KiB (issue 20).
  CHECK(held / kClients < kBudget + 48 * 1024);

  clients.clear();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (f.metrics.value("dais_ws_clients") > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  REQUIRE(f.metrics.value("dais_ws_clients") == 0);
  std::this_thread::sleep_for(200ms);
  const std::size_t after = rss_anon_bytes();
  MESSAGE("RssAnon after they closed: " << (after > before ? (after - before) / 1024 : 0) << " KiB above the start");
  CHECK(after < before + held / 4 + 4 * 1024 * 1024);
}

TEST_CASE("garbage instead of HTTP gets a 400 and a close") {
  ApiFixture f;
  static constexpr char tls_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n";
  auto r = raw_exchange(f.port, std::string(tls_hello, sizeof tls_hello - 1), 3s);  // NUL bytes included
  CHECK(r.server_closed);
  CHECK(r.received.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(r.received.find("malformed HTTP request") != std::string::npos);
  auto r2 = raw_exchange(f.port, "GET / HTTP/1.1\r\nHost x\r\n\r\n", 3s);  // header without a colon
  CHECK(r2.received.rfind("HTTP/1.1 400", 0) == 0);
  still_serves(f.port);
}

TEST_CASE("an oversized header gets 431 and a close") {
  ApiFixture f;
  const std::string request = "GET /v1/chain HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
  auto r = raw_exchange(f.port, request, 3s);
  CHECK(r.server_closed);
  CHECK(r.received.rfind("HTTP/1.1 431", 0) == 0);
  still_serves(f.port);
}

TEST_CASE("a slowloris connection is closed after the read timeout") {
  auto options = test_options();
  options.read_timeout_s = 1;
  ApiFixture f(options);
  const auto t0 = std::chrono::steady_clock::now();
  RawSocket idle(f.port);      // sends nothing
  RawSocket partial(f.port);   // sends half a request, never finishes
  partial.send("GET /v1/chain HTTP/1.1\r\nHost: x\r\n");
  still_serves(f.port);
  auto a = idle.read_all(5s);
  auto b = partial.read_all(5s);
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(a.server_closed);
  CHECK(b.server_closed);
  CHECK(waited < 3.5);
  still_serves(f.port);
}

TEST_CASE("connections past max_connections are refused with 503, then served again") {
  auto options = test_options();
  options.max_connections = 3;
  ApiFixture f(options);
  HttpClient a(f.port), b(f.port), c(f.port);
  CHECK(a.get("/v1/chain").status == 200);
  CHECK(b.get("/v1/chain").status == 200);
  CHECK(c.get("/v1/chain").status == 200);
  auto refused = raw_exchange(f.port, "GET /v1/chain HTTP/1.1\r\nHost: x\r\n\r\n", 3s);
  CHECK(refused.server_closed);
  CHECK(refused.received.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(f.metrics.value("dais_http_connections_refused_total") == 1);
  // Closing one frees its slot.
  { auto bye = a.request("GET", "/v1/chain", "", {{"Connection", "close"}}); CHECK(bye.status == 200); }
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    auto r = raw_exchange(f.port, "GET /v1/chain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3s);
    served = r.received.rfind("HTTP/1.1 200", 0) == 0;
    if (!served) std::this_thread::sleep_for(10ms);
  }
  CHECK(served);
}

TEST_CASE("a JSON body nested deeper than 64 levels gets 400 naming the limit; 64 levels are accepted") {
  ApiFixture f;
  HttpClient c(f.port);
  const Headers auth{{"Authorization", "Bearer secret-token"}};
  const auto body_with = [](std::size_t levels) {  // the body object itself is the first level
    return R"({"kind":"port_scan","x":)" + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "}";
  };
  const auto deep = c.request("POST", "/v1/attacks", body_with(150000), auth);
  CHECK(deep.status == 400);
  CHECK(deep.body.find("deeper than 64 levels") != std::string::npos);
  CHECK(c.request("POST", "/v1/attacks", body_with(65), auth).status == 400);
  CHECK(c.request("POST", "/v1/attacks", body_with(64), auth).status == 202);
  CHECK(f.backend.store().head().count == 1);  // only the accepted attack was written
  still_serves(f.port);
}

TEST_CASE("a slowloris from one address cannot lock out another address, and is closed at the header timeout") {
  auto options = test_options();
  options.max_connections = 40;
  options.max_connections_per_address = 10;
  options.header_timeout_s = 1;
  options.read_timeout_s = 15;
  ApiFixture f(options);
  const auto t0 = std::chrono::steady_clock::now();
  // A bounded attack from 127.0.0.1: 40 connections, each sending half a header and then nothing.
  std::vector<std::unique_ptr<RawSocket>> attackers;
  for (int i = 0; i < 40; ++i) {
    attackers.push_back(std::make_unique<RawSocket>(f.port, "127.0.0.1"));
    attackers.back()->send("GET /v1/chain HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }
  // Another address still gets its answers while the attack holds its connections.
  for (int i = 0; i < 5; ++i) {
    RawSocket victim(f.port, "127.0.0.2");
    victim.send("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto answer = victim.read_all(3s);
    CHECK(answer.received.rfind("HTTP/1.1 200", 0) == 0);
  }
  // The attacker's connections past its 10 were refused with 503; the 10 it holds are closed at the
  // header timeout (checked once a second), long before the 15 s read timeout.
  std::size_t refused = 0, closed = 0;
  for (auto& a : attackers) {
    const auto r = a->read_all(4s);
    if (r.received.rfind("HTTP/1.1 503", 0) == 0) ++refused;
    if (r.server_closed) ++closed;
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(refused == 30);
  CHECK(closed == 40);
  CHECK(waited < 6.0);
  still_serves(f.port);
}

TEST_CASE("Expect: 100-continue gets a 100 before the body is sent, then the answer") {
  ApiFixture f;
  RawSocket raw(f.port);
  const std::string body = R"({"kind":"port_scan","sources":["10.0.0.1"]})";
  raw.send("POST /v1/attacks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-token\r\n"
           "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
  const auto interim = raw.read_until("\r\n\r\n", 3s);
  CHECK(interim.received.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0) == 0);
  raw.send(body);
  const auto final_answer = raw.read_until("}", 3s);
  CHECK(final_answer.received.find("HTTP/1.1 202") != std::string::npos);
}

TEST_CASE("keep-alive serves many requests on one connection") {
  ApiFixture f;
  HttpClient c(f.port);
  for (int i = 0; i < 200; ++i) REQUIRE(c.get("/v1/chain").status == 200);
  CHECK(f.metrics.value("dais_http_connections") == 1);
}

TEST_CASE("oversized and malformed WebSocket frames close that client only") {
  auto options = test_options();
  options.ws_max_message = 1024;
  ApiFixture f(options);
  f.backend.start_run(2);

  WsClient good(f.port, "/v1/stream?from=0");
  REQUIRE(good.read());  // seq 0

  // A masked text frame announcing 64 KiB, over the 1 KiB limit: closed with 1009 (message too big).
  CHECK(close_code_after(f.port, std::string("\x81\xFE\xFF\xFF\x01\x02\x03\x04", 8) + std::string(1000, 'x')) == 1009);
  // A frame with reserved bits set and no mask: a protocol violation, closed with 1002.
  CHECK(close_code_after(f.port, std::string("\xF1\x05hello", 7)) == 1002);
  // The well-behaved client still streams.
  f.backend.append_steps(1, 3);
  int events = 0;
  while (events < 3) {
    auto m = good.read();
    REQUIRE(m);
    if (nlohmann::json::parse(*m).contains("seq")) ++events;
  }
  still_serves(f.port);
}

TEST_CASE("start() on a busy address throws a clear error; a bad listen value too") {
  ApiFixture f;
  auto options = test_options();
  options.listen = "127.0.0.1:" + std::to_string(f.port);
  Server second(f.backend, f.hub, f.metrics, options);
  CHECK_THROWS_WITH_AS(second.start(), doctest::Contains("cannot bind 127.0.0.1:"), std::runtime_error);
  options.listen = "nowhere";
  Server third(f.backend, f.hub, f.metrics, options);
  CHECK_THROWS_AS(third.start(), std::invalid_argument);
  still_serves(f.port);
}

// The WebSocket stream end to end: catch-up then live with contiguous seqs
// while a writer appends, hashes and prev links verified on the fly, type
// filters with caught_up/checkpoint, reconnect with from=last+1, slow and fast
// clients together, and shutdown with 1001.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/sha256.h"
#include "tests/api/support/fixture.h"

using namespace dais::api;
using namespace dais::api::testing;

namespace {

// Parses stream messages and checks the chain as it goes.
struct ChainChecker {
  std::uint64_t next = 0;
  std::string prev_hash = std::string(64, '0');
  bool check_links = true;
  std::optional<std::uint64_t> caught_up;
  std::vector<std::uint64_t> checkpoints;
  std::uint64_t events = 0;

  // Returns false for control messages.
  bool take(const std::string& text) {
    const auto msg = nlohmann::json::parse(text);
    if (msg.contains("caught_up")) {
      REQUIRE_FALSE(caught_up);
      caught_up = msg["caught_up"].get<std::uint64_t>();
      return false;
    }
    if (msg.contains("checkpoint")) {
      checkpoints.push_back(msg["checkpoint"]);
      return false;
    }
    const std::uint64_t seq = msg.at("seq");
    REQUIRE(seq == next);
    // The event is embedded verbatim: find its raw bytes in the message text.
    const std::size_t start = text.find("\"event\":") + 8;
    const std::string raw = text.substr(start, text.size() - start - 1);
    REQUIRE(dais::to_hex(dais::sha256(raw)) == msg.at("hash"));
    if (check_links) REQUIRE(msg["event"]["prev"] == prev_hash);
    prev_hash = msg["hash"];
    next = seq + 1;
    ++events;
    return true;
  }
};

void wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace

TEST_CASE("a client from 0 receives every event, contiguous and verified, while events are appended") {
  ApiFixture f;
  f.backend.start_run(4);
  f.backend.append_steps(1, 3000, 50);  // history to catch up on

  WsClient ws(f.port, "/v1/stream?from=0");
  std::atomic<bool> writer_done{false};
  constexpr std::uint64_t live_batches = 200, per_batch = 10;
  std::thread writer([&] {
    for (std::uint64_t b = 0; b < live_batches; ++b) {
      f.backend.append_steps(10000 + b * per_batch, per_batch, per_batch);
      if (b % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    writer_done = true;
  });
  const std::uint64_t total = 1 + 3000 + live_batches * per_batch;
  ChainChecker checker;
  while (checker.next < total) {
    auto m = ws.read();
    REQUIRE(m);
    checker.take(*m);
  }
  writer.join();
  CHECK(checker.events == total);
  REQUIRE(checker.caught_up);
  CHECK(*checker.caught_up >= 3001);
  CHECK(*checker.caught_up <= total);
  CHECK(checker.checkpoints.empty());  // no filter: every event is its own checkpoint

  // Nothing more arrives until something is appended; then exactly that.
  f.backend.append_steps(99999, 1);
  auto m = ws.read();
  REQUIRE(m);
  checker.take(*m);
  CHECK(checker.next == total + 1);
  CHECK(f.metrics.value("dais_ws_clients") == 1);
}

TEST_CASE("types filter applies to catch-up and live, with caught_up and checkpoints") {
  ApiFixture f;
  f.backend.start_run(3);
  for (std::uint64_t s = 1; s <= 5; ++s) f.backend.simulate_step(s, true);  // 5 proposals among 31 events
  f.backend.append_steps(100, 2500, 100);                                  // no proposals: checkpoints

  WsClient ws(f.port, "/v1/stream?from=0&types=SignatureProposed,ConsensusReached");
  std::vector<std::uint64_t> seqs;
  std::optional<std::uint64_t> caught_up;
  std::vector<std::uint64_t> checkpoints;
  while (!caught_up) {
    auto m = ws.read();
    REQUIRE(m);
    const auto j = nlohmann::json::parse(*m);
    if (j.contains("caught_up")) {
      caught_up = j["caught_up"];
    } else if (j.contains("checkpoint")) {
      checkpoints.push_back(j["checkpoint"]);
    } else {
      const std::string type = j["event"]["type"];
      CHECK((type == "SignatureProposed" || type == "ConsensusReached"));
      seqs.push_back(j["seq"]);
    }
  }
  CHECK(seqs.size() == 10);
  CHECK(*caught_up == f.backend.store().head().count);
  CHECK(checkpoints.size() >= 2);  // 2500 non-matching events scanned
  for (std::size_t i = 1; i < checkpoints.size(); ++i) CHECK(checkpoints[i] > checkpoints[i - 1]);
  for (auto c : checkpoints) CHECK(c <= *caught_up);

  // Live: only matching events come through.
  f.backend.append_steps(5000, 20);
  f.backend.simulate_step(6000, false);
  std::vector<std::string> live_types;
  while (live_types.size() < 2) {
    auto m = ws.read();
    REQUIRE(m);
    const auto j = nlohmann::json::parse(*m);
    if (j.contains("seq")) live_types.push_back(j["event"]["type"]);
  }
  CHECK(live_types == std::vector<std::string>{"SignatureProposed", "ConsensusReached"});
}

TEST_CASE("reconnecting with from=last+1 misses nothing and repeats nothing") {
  ApiFixture f;
  f.backend.start_run(2);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::uint64_t step = 1;
    while (!stop) {
      f.backend.append_steps(step, 5, 5);
      step += 5;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  ChainChecker checker;
  for (int round = 0; round < 5; ++round) {
    WsClient ws(f.port, "/v1/stream?from=" + std::to_string(checker.next));
    const std::uint64_t until = checker.next + 700;
    while (checker.next < until) {
      auto m = ws.read();
      REQUIRE(m);
      checker.take(*m);
    }
    checker.caught_up.reset();
    // Drop the connection abruptly in some rounds, politely in others.
    if (round % 2 == 0) ws.close();
  }
  stop = true;
  writer.join();
  CHECK(checker.events == 3500);
}

TEST_CASE("a slow client and a fast client both get every event; publishing never waits on them") {
  auto options = test_options();
  options.ws_queue = 64;             // small, so the slow client overflows and falls back to the log
  options.ws_behind_limit_s = 600;   // however slow this build is, it is not closed for it (see the next test)
  options.ws_idle_timeout_s = 600;   // nor for not answering pings while it does not read
  ApiFixture f(options);
  f.backend.start_run(2);

  WsClient fast(f.port, "/v1/stream?from=0");
  WsClient slow(f.port, "/v1/stream?from=0", std::chrono::seconds(10), 4096);
  wait_until([&] { return f.hub.subscriber_count() == 2; });
  REQUIRE(f.hub.subscriber_count() == 2);

  // The slow client reads nothing until far more than any socket buffer could
  // hold was appended (about 11 MB), so its queue overflows whatever the build's speed.
  constexpr std::uint64_t per_batch = 10, batches = 3000, slow_starts_after = 2500;
  constexpr std::uint64_t total = 1 + batches * per_batch;
  std::atomic<std::uint64_t> appended_batches{0};
  std::thread writer([&] {
    for (std::uint64_t b = 0; b < batches; ++b) {
      f.backend.append_steps(1 + b * per_batch, per_batch, per_batch);
      ++appended_batches;
    }
  });
  ChainChecker fast_check, slow_check;
  std::thread fast_reader([&] {
    while (fast_check.next < total) {
      auto m = fast.read();
      if (!m) break;
      fast_check.take(*m);
    }
  });
  wait_until([&] { return appended_batches >= slow_starts_after; }, std::chrono::seconds(300));
  // Publishing never waited on the slow client: all this was appended while it read nothing.
  REQUIRE(appended_batches >= slow_starts_after);
  while (slow_check.next < total) {
    auto m = slow.read();
    if (!m) FAIL("the slow client was closed: ", slow.closed()->code, " ", slow.closed()->reason);
    slow_check.take(*m);
    if (slow_check.next % 2000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  writer.join();
  fast_reader.join();
  CHECK(fast_check.events == total);
  CHECK(slow_check.events == total);
  CHECK(f.metrics.value("dais_ws_catchup_fallbacks_total") >= 1);
}

TEST_CASE("a client that stays behind past the limit is closed with a reason") {
  auto options = test_options();
  options.ws_queue = 16;
  options.ws_behind_limit_s = 1;
  ApiFixture f(options);
  f.backend.start_run(2);
  WsClient slow(f.port, "/v1/stream?from=0", std::chrono::seconds(10), 4096);
  wait_until([&] { return f.hub.subscriber_count() == 1; });
  // Keep appending while the client does not read at all, until the socket
  // buffers are full, its queue has overflowed and it has been behind for the
  // limit (how much that takes depends on the machine and the build).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::uint64_t step = 1;
  while (f.metrics.value("dais_ws_closed_too_slow_total") == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    f.backend.append_steps(step, 200, 200);
    step += 200;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Drain what was sent until the close arrives.
  std::optional<std::string> m;
  std::uint64_t read = 0;
  while ((m = slow.read())) ++read;
  REQUIRE(slow.closed());
  CHECK(slow.closed()->code == 1008);
  CHECK(slow.closed()->reason == "too slow: behind for more than 1 s");
  CHECK(f.metrics.value("dais_ws_closed_too_slow_total") == 1);
}

TEST_CASE("a client that stopped reading is counted as fallen back before it reads again, then gets every event") {
  auto options = test_options();
  options.ws_queue = 16;
  options.ws_behind_limit_s = 600;
  options.ws_idle_timeout_s = 600;
  ApiFixture f(options);
  f.backend.start_run(2);
  WsClient stalled(f.port, "/v1/stream?from=0", std::chrono::seconds(10), 4096);
  wait_until([&] { return f.hub.subscriber_count() == 1; });
  // Small batches, paced so that the session keeps up while the socket has
  // room: the queue overflows once its writes wait on the full socket, that
  // is while the client reads nothing.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::uint64_t step = 1;
  while (f.metrics.value("dais_ws_catchup_fallbacks_total") == 0) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "no fallback counted while the client read nothing");
    f.backend.append_steps(step, 10, 10);
    step += 10;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ChainChecker checker;
  while (checker.next < step) {
    auto m = stalled.read();
    REQUIRE(m);
    checker.take(*m);
  }
  CHECK(checker.events == step);
  CHECK(f.metrics.value("dais_ws_closed_too_slow_total") == 0);
}

TEST_CASE("bad stream parameters are refused before the upgrade") {
  ApiFixture f;
  for (const std::string target : {"/v1/stream?from=x", "/v1/stream?types=a-b", "/v1/stream?from=-3"}) {
    auto r = raw_exchange(f.port,
                          "GET " + target + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                          std::chrono::seconds(3));
    CHECK_MESSAGE(r.received.rfind("HTTP/1.1 400", 0) == 0, target);
    CHECK(r.received.find("{\"error\":") != std::string::npos);
    CHECK(r.server_closed);
  }
  CHECK_THROWS_AS(WsClient(f.port, "/v1/stream?from=x"), std::runtime_error);
  // A plain GET of the stream route explains itself.
  CHECK(http_once(f.port, "GET", "/v1/stream").status == 400);
}

TEST_CASE("stop() closes stream clients with 1001 within a couple of seconds") {
  auto f = std::make_unique<ApiFixture>();
  f->backend.start_run(2);
  WsClient a(f->port, "/v1/stream?from=0");
  WsClient b(f->port, "/v1/stream?from=0");
  REQUIRE(a.read());  // seq 0
  REQUIRE(b.read());
  std::thread reader_a([&] {
    while (a.read()) {
    }
  });
  std::thread reader_b([&] {
    while (b.read()) {
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  f->server.stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  reader_a.join();
  reader_b.join();
  REQUIRE(a.closed());
  REQUIRE(b.closed());
  CHECK(a.closed()->code == 1001);
  CHECK(a.closed()->reason == "server shutting down");
  CHECK(b.closed()->code == 1001);
  CHECK(seconds < 2.5);
}

// The Beast-free pieces of api/: Prometheus rendering and resolved series,
// query parsing, the rate limiter, response heads, stream message framing and
// type filters, listen-address parsing, and the hub's fan-out with bounded
// subscribers.
#include <doctest/doctest.h>

#include "api/event_hub.h"
#include "api/metrics.h"
#include "api/origin_check.h"
#include "api/query.h"
#include "api/rate_limiter.h"
#include "api/response_head.h"
#include "api/server.h"
#include "api/stream_message.h"
#include "common/sha256.h"

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

using namespace dais::api;

TEST_CASE("metrics render counters, gauges and cumulative histograms in text format 0.0.4") {
  Metrics m;
  m.add("dais_events_appended_total", 3, {{"type", "VoteCast"}});
  m.add("dais_events_appended_total", 2, {{"type", "VoteCast"}});
  m.add("dais_events_appended_total", 1, {{"type", "Say \"hi\"\n"}});
  m.set("dais_active_agents", 42);
  m.declare("test_latency_seconds", Metrics::Kind::histogram, "Test.", {0.1, 1});
  m.observe("test_latency_seconds", 0.05);
  m.observe("test_latency_seconds", 0.5);
  m.observe("test_latency_seconds", 5);
  const std::string text = m.render();
  CHECK(text.find("# TYPE dais_events_appended_total counter\n") != std::string::npos);
  CHECK(text.find("dais_events_appended_total{type=\"VoteCast\"} 5\n") != std::string::npos);
  CHECK(text.find("dais_events_appended_total{type=\"Say \\\"hi\\\"\\n\"} 1\n") != std::string::npos);
  CHECK(text.find("dais_active_agents 42\n") != std::string::npos);
  CHECK(text.find("test_latency_seconds_bucket{le=\"0.10000000000000001\"} 1\n") != std::string::npos);
  CHECK(text.find("test_latency_seconds_bucket{le=\"1\"} 2\n") != std::string::npos);
  CHECK(text.find("test_latency_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("test_latency_seconds_count 3\n") != std::string::npos);
  CHECK(text.find("test_latency_seconds_sum 5.5499999999999998\n") != std::string::npos);
  CHECK(m.value("dais_events_appended_total", {{"type", "VoteCast"}}) == 5);
  CHECK(m.count("test_latency_seconds") == 3);
  CHECK_THROWS_AS(m.set("dais_events_appended_total", 1), std::logic_error);
  CHECK_THROWS_AS(m.add("bad name"), std::invalid_argument);
}

TEST_CASE("resolved series update the same values as add/observe, from many threads without loss") {
  Metrics m;
  const Metrics::Counter requests = m.counter("dais_http_requests_total", {{"route", "/v1/chain"}, {"status", "200"}});
  const Metrics::Histogram latency = m.histogram("dais_http_request_seconds");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        requests.add();
        latency.observe(i % 2 ? 0.0002 : 20.0);  // one finite bucket, one past every bound
      }
    });
  }
  for (auto& t : threads) t.join();
  m.add("dais_http_requests_total", 1, {{"route", "/v1/chain"}, {"status", "200"}});
  CHECK(m.value("dais_http_requests_total", {{"route", "/v1/chain"}, {"status", "200"}}) == 40001);
  CHECK(m.count("dais_http_request_seconds") == 40000);
  const std::string text = m.render();
  CHECK(text.find("dais_http_requests_total{route=\"/v1/chain\",status=\"200\"} 40001\n") != std::string::npos);
  CHECK(text.find("dais_http_request_seconds_bucket{le=\"0.00025000000000000001\"} 20000\n") != std::string::npos);
  CHECK(text.find("dais_http_request_seconds_bucket{le=\"10\"} 20000\n") != std::string::npos);
  CHECK(text.find("dais_http_request_seconds_bucket{le=\"+Inf\"} 40000\n") != std::string::npos);
  CHECK(text.find("dais_http_request_seconds_count 40000\n") != std::string::npos);
  // A handle of one kind cannot be taken for a family of another.
  CHECK_THROWS_AS(m.histogram("dais_http_requests_total"), std::logic_error);
  Metrics::Counter unset;
  unset.add();  // a default handle does nothing
}

TEST_CASE("response heads: status line, defaults, replaced and extra headers, framing, no header injection") {
  HttpResponse r;
  r.body = "{}";
  std::string head;
  write_response_head(r, ResponseFraming{}, head);
  CHECK(head ==
        "HTTP/1.1 200 OK\r\nServer: dais\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
        "Content-Length: 2\r\n\r\n");

  HttpResponse asset;
  asset.content_type = "text/html; charset=utf-8";
  asset.body = "<html></html>";
  asset.headers = {{"cache-control", "public, max-age=3600"}, {"Allow", "GET, HEAD"}};
  head.clear();
  write_response_head(asset, ResponseFraming{11, false, "http://localhost:3000"}, head);
  CHECK(head.find("Cache-Control: no-store") == std::string::npos);
  CHECK(head.find("cache-control: public, max-age=3600\r\n") != std::string::npos);
  CHECK(head.find("Allow: GET, HEAD\r\n") != std::string::npos);
  CHECK(head.find("Access-Control-Allow-Origin: http://localhost:3000\r\nVary: Origin\r\n") != std::string::npos);
  CHECK(head.find("Content-Length: 13\r\nConnection: close\r\n\r\n") != std::string::npos);

  HttpResponse refused;
  refused.status = 429;
  refused.headers = {{"Retry-After", "1\r\nSet-Cookie: evil"}};
  head.clear();
  write_response_head(refused, ResponseFraming{10, true, {}}, head);
  CHECK(head.rfind("HTTP/1.0 429 Too Many Requests\r\n", 0) == 0);
  CHECK(head.find("Retry-After: 1  Set-Cookie: evil\r\n") != std::string::npos);
  CHECK(head.find("\r\nSet-Cookie") == std::string::npos);
  CHECK(head.find("Connection: keep-alive\r\n") != std::string::npos);  // HTTP/1.0 must be told

  HttpResponse closing;
  closing.headers = {{"Connection", "close"}};
  head.clear();
  write_response_head(closing, ResponseFraming{11, false, {}}, head);
  CHECK(head.find("Connection: close\r\n") == head.rfind("Connection"));  // stated once
}

TEST_CASE("query parsing decodes and validates parameters") {
  const auto t = parse_target("/v1/events%2Fx?from=10&limit=5&type=A%2CB&q=a+b&flag");
  CHECK(t.path == "/v1/events/x");
  CHECK(t.params.at("type") == "A,B");
  CHECK(t.params.at("q") == "a b");
  CHECK(t.params.at("flag").empty());
  CHECK(uint_param(t, "from", 0, 0, 100) == 10);
  CHECK(uint_param(t, "missing", 7, 0, 100) == 7);
  CHECK_THROWS_AS(uint_param(t, "from", 0, 0, 9), BadRequest);
  CHECK_THROWS_AS(uint_param(parse_target("/?n=1x"), "n", 0, 0, 9), BadRequest);
  CHECK_THROWS_AS(uint_param(parse_target("/?n=-1"), "n", 0, 0, 9), BadRequest);
  CHECK_THROWS_AS(parse_target("/a%g0"), BadRequest);
  CHECK_THROWS_AS(parse_target("/a%2"), BadRequest);
  CHECK(parse_uint("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(parse_uint("18446744073709551616"));
  CHECK_FALSE(parse_uint(""));
}

TEST_CASE("rate limiter: burst, refill, per client, disabled at 0") {
  RateLimiter limiter(10, 5);
  const auto t0 = RateLimiter::Clock::now();
  unsigned retry = 0;
  for (int i = 0; i < 5; ++i) CHECK(limiter.allow("a", retry, t0));
  CHECK_FALSE(limiter.allow("a", retry, t0));
  CHECK(retry == 1);
  CHECK(limiter.allow("b", retry, t0));                                     // another client has its own bucket
  CHECK(limiter.allow("a", retry, t0 + std::chrono::milliseconds(100)));  // one token refilled
  CHECK_FALSE(limiter.allow("a", retry, t0 + std::chrono::milliseconds(100)));
  RateLimiter slow(0.1, 1);
  CHECK(slow.allow("a", retry, t0));
  CHECK_FALSE(slow.allow("a", retry, t0));
  CHECK(retry == 10);
  RateLimiter off(0, 1);
  for (int i = 0; i < 1000; ++i) CHECK(off.allow("a", retry, t0));
  RateLimiter tiny(1, 1, 2);  // evicts the least recently seen client
  CHECK(tiny.allow("a", retry, t0));
  CHECK(tiny.allow("b", retry, t0));
  CHECK(tiny.allow("c", retry, t0));
  CHECK(tiny.allow("a", retry, t0));  // "a" was evicted: a fresh bucket
}

TEST_CASE("stream messages embed the stored bytes verbatim; type filters") {
  dais::eventstore::StoredEvent e;
  e.seq = 12;
  e.bytes = R"({"seq":12,"type":"VoteCast","step":3,"prev":"00","data":{"x":1.50}})";
  e.hash = dais::sha256(e.bytes);
  const std::string m = stream_message(e);
  CHECK(m == "{\"seq\":12,\"hash\":\"" + dais::to_hex(e.hash) + "\",\"event\":" + e.bytes + "}");
  const auto f = parse_type_filter("VoteCast,,ConsensusReached");
  CHECK(f.accepts("VoteCast"));
  CHECK_FALSE(f.accepts("StepCompleted"));
  CHECK(parse_type_filter("").accepts("Anything"));
  CHECK_THROWS_AS(parse_type_filter("Vote-Cast"), std::invalid_argument);
  CHECK_THROWS_AS(parse_type_filter("1abc"), std::invalid_argument);
}

TEST_CASE("listen addresses") {
  CHECK(parse_listen("127.0.0.1:8080").port == 8080);
  // Reachable from other hosts without a token: warned; loopback or a token: not.
  ServerOptions open;
  open.listen = "0.0.0.0:8080";
  REQUIRE(exposure_warning(open).has_value());
  CHECK(exposure_warning(open)->find("no api.token") != std::string::npos);
  open.listen = "[::]:8080";
  CHECK(exposure_warning(open).has_value());
  open.listen = "127.0.0.1:8080";
  CHECK_FALSE(exposure_warning(open).has_value());
  open.listen = "[::1]:8080";
  CHECK_FALSE(exposure_warning(open).has_value());
  open.listen = "0.0.0.0:8080";
  open.token = "t";
  CHECK_FALSE(exposure_warning(open).has_value());
  CHECK(parse_listen("[::1]:0").host == "::1");
  CHECK_THROWS_AS(parse_listen("127.0.0.1"), std::invalid_argument);
  CHECK_THROWS_AS(parse_listen("127.0.0.1:70000"), std::invalid_argument);
  CHECK_THROWS_AS(parse_listen("127.0.0.1:80x"), std::invalid_argument);
  CHECK_THROWS_AS(parse_listen(":80"), std::invalid_argument);
}

namespace {
struct Recorder : StreamSubscriber {
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> types;
  void deliver(const std::shared_ptr<const StreamBatch>& batch) override {
    for (const auto& e : *batch) {
      seqs.push_back(e.seq);
      types.push_back(e.type);
    }
  }
};
}  // namespace

TEST_CASE("the hub delivers each batch to live subscribers and forgets expired ones") {
  EventHub hub;
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  hub.subscribe(a);
  hub.subscribe(b);
  CHECK(hub.subscriber_count() == 2);
  std::vector<dais::eventstore::StoredEvent> batch(2);
  batch[0].seq = 0;
  batch[0].bytes = R"({"seq":0,"type":"RunStarted","step":0,"prev":"0","data":{}})";
  batch[0].type = "RunStarted";  // the type travels with a stored event; the hub never parses it
  batch[1].seq = 1;
  batch[1].bytes = R"({"seq":1,"type":"StepCompleted","step":1,"prev":"0","data":{}})";
  batch[1].type = "StepCompleted";
  hub.publish(batch);
  CHECK(a->seqs == std::vector<std::uint64_t>{0, 1});
  CHECK(b->types == std::vector<std::string>{"RunStarted", "StepCompleted"});
  CHECK(hub.next_seq() == 2);
  b.reset();
  CHECK(hub.subscriber_count() == 1);
  hub.unsubscribe(a.get());
  CHECK(hub.subscriber_count() == 0);
  hub.publish(batch);
  CHECK(a->seqs.size() == 2);
}

namespace {
// Unsubscribes itself when destroyed, as a stream session does.
struct SelfRemoving : StreamSubscriber {
  explicit SelfRemoving(EventHub& h) : hub(h) {}
  ~SelfRemoving() override { hub.unsubscribe(this); }
  void deliver(const std::shared_ptr<const StreamBatch>&) override {}
  EventHub& hub;
};
}  // namespace

TEST_CASE("subscribers that unsubscribe when destroyed, while others unsubscribe, never deadlock the hub") {
  // The last owner of a subscriber may let go while another thread is inside
  // unsubscribe(): the hub must never become that owner under its own lock.
  EventHub hub;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> churned{0};
  auto churn = [&] {
    while (!stop) {
      auto s = std::make_shared<SelfRemoving>(hub);
      hub.subscribe(s);
      s.reset();  // the destructor unsubscribes
      ++churned;
    }
  };
  auto done = std::async(std::launch::async, [&] {
    std::thread other(churn);
    const SelfRemoving never_subscribed(hub);
    while (churned < 100000) hub.unsubscribe(&never_subscribed);
    stop = true;
    other.join();
  });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    std::fprintf(stderr, "the hub deadlocked (unsubscribe became the last owner of a subscriber)\n");
    std::_Exit(1);  // the stuck threads cannot be joined
  }
  CHECK(hub.subscriber_count() == 0);
}

TEST_CASE("stream origins: none, the server's own, listed ones, or any with \"*\"") {
  const std::vector<std::string> none;
  CHECK(origin_allowed("", "127.0.0.1:8080", none));  // not a browser
  CHECK(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", none));
  CHECK(origin_allowed("HTTPS://LocalHost:8080", "localhost:8080", none));
  CHECK_FALSE(origin_allowed("http://127.0.0.1:8081", "127.0.0.1:8080", none));
  CHECK_FALSE(origin_allowed("http://evil.example", "127.0.0.1:8080", none));
  CHECK_FALSE(origin_allowed("http://127.0.0.1:8080.evil.example", "127.0.0.1:8080", none));
  CHECK_FALSE(origin_allowed("null", "127.0.0.1:8080", none));
  CHECK_FALSE(origin_allowed("http://", "", none));
  const std::vector<std::string> listed{"https://dash.example:8443"};
  CHECK(origin_allowed("https://dash.example:8443", "127.0.0.1:8080", listed));
  CHECK(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", listed));
  CHECK_FALSE(origin_allowed("https://dash.example", "127.0.0.1:8080", listed));
  CHECK(origin_allowed("http://anything.example", "127.0.0.1:8080", {"*"}));
}

// dais-bench stream: WebSocket stream delivery with 1, 10 and 100 subscribers
// (from an epoll client thread in the same process) while a writer appends to
// a real store and publishes each batch to the EventHub, as daisd does.
//  - throughput: the writer appends --events events in batches of 100 as fast
//    as it can; events/s delivered = subscribers x events / (first append ->
//    last delivery), with append-to-delivery latency under that load;
//  - paced latency: the writer appends 10 events every 5 ms (2000 events/s)
//    for 2 s; append-to-delivery latency p50/p99.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "api/server.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "projections/projections.h"
#include "tools/bench/event_log_data.h"
#include "tools/bench/http_load.h"
#include "tools/bench/percentile.h"
#include "tools/bench/registry.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace api = dais::api;
namespace ev = dais::events;
namespace es = dais::eventstore;

class StreamBackend : public api::Backend {
 public:
  explicit StreamBackend(const std::filesystem::path& dir) {
    es::StoreOptions options;
    options.sync = es::SyncMode::none;
    store_ = es::Store::open(dir, options);
  }
  const es::Store& store() const override { return *store_; }
  es::Store& writable() { return *store_; }
  std::shared_ptr<const dais::projections::Projections> projections() const override { return projections_; }
  api::ControlResult pause() override { return {409, {{"error", "benchmark backend"}}}; }
  api::ControlResult resume() override { return pause(); }
  api::ControlResult step_once() override { return pause(); }
  api::ControlResult inject_attack(const nlohmann::json&) override { return pause(); }
  api::ControlResult remove_blacklist(const nlohmann::json&) override { return pause(); }
  api::HealthReport health() const override { return {true, nlohmann::json::object()}; }

 private:
  std::unique_ptr<es::Store> store_;
  std::shared_ptr<const dais::projections::Projections> projections_ =
      std::make_shared<const dais::projections::Projections>();
};

struct Subscriber {
  int fd = -1;
  std::string in;
  std::size_t offset = 0;
  std::uint64_t received = 0;  // events (not control messages)
  std::uint64_t next = 0;
};

int connect_stream(std::uint16_t port) {
  const int fd = dais::bench::connect_loopback(port);
  const std::string upgrade =
      "GET /v1/stream?from=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ::send(fd, upgrade.data(), upgrade.size(), MSG_NOSIGNAL);
  std::string response;
  char c;
  while (response.find("\r\n\r\n") == std::string::npos) {
    if (::recv(fd, &c, 1, 0) != 1) throw std::runtime_error("stream upgrade failed");
    response += c;
  }
  if (response.rfind("HTTP/1.1 101", 0) != 0) throw std::runtime_error("stream upgrade refused: " + response);
  return fd;
}

struct Run {
  std::uint64_t events = 0;
  double append_seconds = 0;
  double deliver_seconds = 0;
  std::vector<double> latencies_us;
};

// Runs the writer with `pace` (0 = flat out) and reads on this thread until every subscriber has every event.
Run stream_run(StreamBackend& backend, api::EventHub& hub, std::vector<Subscriber>& subs, std::uint64_t first_seq,
               std::uint64_t events, std::size_t batch, std::chrono::microseconds pace) {
  std::vector<std::atomic<std::int64_t>> appended_at(events);
  const auto t0 = Clock::now();
  const auto since_t0 = [&t0] { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count(); };
  Run run;
  run.events = events;
  std::thread writer([&] {
    std::vector<es::EventDraft> drafts(batch);
    auto next_batch_at = Clock::now();  // paced on a fixed schedule, so the rate is the one asked for
    for (std::uint64_t done = 0; done < events;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch, events - done));
      drafts.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        ev::StepCompleted s;
        s.flows = 1000 + done + i;
        s.attack_flows = 31;
        s.true_positives = 29;
        s.active_agents = 100;
        drafts[i] = {ev::type::step_completed, first_seq + done + i, ev::encode_data(s)};
      }
      const auto r = backend.writable().append(drafts);
      const std::int64_t now = since_t0();
      for (std::size_t i = 0; i < n; ++i) appended_at[r.first_seq - first_seq + i].store(now);
      hub.publish(r.events);
      done += n;
      if (pace.count() > 0) std::this_thread::sleep_until(next_batch_at += pace);
    }
    run.append_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  });

  const int ep = ::epoll_create1(0);
  for (std::size_t i = 0; i < subs.size(); ++i) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, subs[i].fd, &e);
  }
  const std::uint64_t last = first_seq + events;
  std::size_t finished = 0;
  for (auto& s : subs) {
    if (s.next >= last) ++finished;
  }
  run.latencies_us.reserve(static_cast<std::size_t>(events) * subs.size());
  std::vector<epoll_event> ready(subs.size());
  std::vector<char> buf(256 * 1024);
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (finished < subs.size()) {
    if (Clock::now() > deadline) throw std::runtime_error("stream benchmark timed out");
    const int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 100);
    for (int k = 0; k < n; ++k) {
      Subscriber& s = subs[ready[k].data.u64];
      const ssize_t got = ::recv(s.fd, buf.data(), buf.size(), 0);
      if (got <= 0) throw std::runtime_error("the server closed a subscriber");
      s.in.append(buf.data(), static_cast<std::size_t>(got));
      const std::int64_t now = since_t0();
      for (;;) {  // parse complete server frames (unmasked)
        const std::size_t avail = s.in.size() - s.offset;
        if (avail < 2) break;
        const auto* p = reinterpret_cast<const unsigned char*>(s.in.data() + s.offset);
        std::size_t header = 2;
        std::uint64_t length = p[1] & 0x7f;
        if (length == 126) {
          if (avail < 4) break;
          length = (std::uint64_t{p[2]} << 8) | p[3];
          header = 4;
        } else if (length == 127) {
          if (avail < 10) break;
          length = 0;
          for (int b = 0; b < 8; ++b) length = (length << 8) | p[2 + b];
          header = 10;
        }
        if (avail < header + length) break;
        const int opcode = p[0] & 0x0f;
        if (opcode == 8) throw std::runtime_error("the server closed a subscriber");
        const std::string_view payload(s.in.data() + s.offset + header, static_cast<std::size_t>(length));
        if (opcode == 1 && payload.starts_with("{\"seq\":")) {
          const std::uint64_t seq = std::stoull(std::string(payload.substr(7, 20)));
          if (seq != s.next) throw std::runtime_error("stream out of order");
          s.next = seq + 1;
          ++s.received;
          if (seq >= first_seq) {
            run.latencies_us.push_back(static_cast<double>(now - appended_at[seq - first_seq].load()) / 1000.0);
          }
          if (s.next == last) ++finished;
        }
        s.offset += header + static_cast<std::size_t>(length);
      }
      if (s.offset > (1u << 20) || s.offset == s.in.size()) {
        s.in.erase(0, s.offset);
        s.offset = 0;
      }
    }
  }
  run.deliver_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  writer.join();
  ::close(ep);
  return run;
}

using dais::bench::percentile;

// The reference: with 100 subscribers, 200 000 events/s delivered in
// total (the paced run asks exactly that) with p99 append-to-delivery below 20 ms.
constexpr std::size_t kTargetSubscribers = 100;
constexpr double kTargetDelivered = 200000;
constexpr double kTargetP99Ms = 20;
// The paced run: batches of 10 events every 5 ms, 2000 events/s.
constexpr std::size_t kPacedBatch = 10;
constexpr std::chrono::microseconds kPacedInterval{5000};
constexpr double kPacedEventsPerS = kPacedBatch * 1e6 / static_cast<double>(kPacedInterval.count());

int run(std::vector<std::string> args) {
  CLI::App app("dais-bench stream: WebSocket delivery throughput and latency with 1, 10, 100 subscribers");
  std::uint64_t events = 20000;
  std::vector<std::size_t> counts = {1, 10, 100};
  unsigned threads = 2;
  bool json = false;
  app.add_option("--events", events, "events appended flat out per subscriber count")->check(CLI::Range(100, 10000000));
  app.add_option("--subscribers", counts, "subscriber counts to run");
  app.add_option("--threads", threads, "server io threads")->check(CLI::Range(1, 64));
  app.add_flag("--json", json, "print JSON");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  nlohmann::json results = nlohmann::json::array();
  for (const std::size_t count : counts) {
    dais::TempDir dir;
    StreamBackend backend(dir.path());
    api::EventHub hub;
    api::Metrics metrics;
    api::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.rate_limit = 0;
    options.threads = threads;
    options.max_connections = count + 16;
    options.max_connections_per_address = count + 16;  // every client comes from 127.0.0.1
    api::Server server(backend, hub, metrics, options);
    server.start();
    std::vector<Subscriber> subs(count);
    for (auto& s : subs) s.fd = connect_stream(server.port());
    for (int i = 0; i < 500 && hub.subscriber_count() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));

    const Run flat = stream_run(backend, hub, subs, 0, events, 100, std::chrono::microseconds(0));
    const std::uint64_t paced_events = 4000;
    const Run paced = stream_run(backend, hub, subs, events, paced_events, kPacedBatch, kPacedInterval);
    const double delivered_per_s = static_cast<double>(count * flat.events) / flat.deliver_seconds;
    nlohmann::json r = {
        {"subscribers", count},
        {"events", flat.events},
        {"append_events_per_s", std::round(static_cast<double>(flat.events) / flat.append_seconds)},
        {"delivered_events_per_s", std::round(delivered_per_s)},
        {"flat_out_latency_p50_ms", percentile(flat.latencies_us, 0.5) / 1000},
        {"flat_out_latency_p99_ms", percentile(flat.latencies_us, 0.99) / 1000},
        {"paced_events_per_s", kPacedEventsPerS},
        {"paced_delivered_events_per_s",
         std::round(static_cast<double>(count * paced.events) / paced.deliver_seconds)},
        {"paced_latency_p50_ms", percentile(paced.latencies_us, 0.5) / 1000},
        {"paced_latency_p99_ms", percentile(paced.latencies_us, 0.99) / 1000},
        {"catchup_fallbacks", metrics.value("dais_ws_catchup_fallbacks_total")}};
    if (count == kTargetSubscribers) {
      r["target_delivered_events_per_s"] = kTargetDelivered;
      r["target_latency_p99_ms"] = kTargetP99Ms;
      r["delivered_ratio_to_target"] = delivered_per_s / kTargetDelivered;
      r["paced_p99_ratio_to_target"] = r["paced_latency_p99_ms"].get<double>() / kTargetP99Ms;
    }
    results.push_back(r);
    if (!json) {
      std::printf("%3zu subscribers: flat out %9.0f events/s delivered (appended %.0f/s), latency p50 %.2f ms p99 %.2f ms; "
                  "paced %.0f/s: %.0f events/s delivered, latency p50 %.2f ms p99 %.2f ms; %g catch-up fallbacks\n",
                  count, delivered_per_s, r["append_events_per_s"].get<double>(),
                  r["flat_out_latency_p50_ms"].get<double>(), r["flat_out_latency_p99_ms"].get<double>(), kPacedEventsPerS,
                  r["paced_delivered_events_per_s"].get<double>(), r["paced_latency_p50_ms"].get<double>(),
                  r["paced_latency_p99_ms"].get<double>(), r["catchup_fallbacks"].get<double>());
      if (count == kTargetSubscribers) {
        std::printf("     targets: %.0f events/s delivered (flat out: %.2f x), paced p99 below %.0f ms (%.2f of it)\n",
                    kTargetDelivered, r["delivered_ratio_to_target"].get<double>(), kTargetP99Ms,
                    r["paced_p99_ratio_to_target"].get<double>());
      }
    }
    for (auto& s : subs) ::close(s.fd);
    server.stop();
  }
  if (json) {
    const nlohmann::json out = {{"bench", "stream"},
                                {"server_threads", threads},
                                {"client", "epoll, 1 thread, same process"},
                                {"batch", 100},
                                {"results", results}};
    std::printf("%s\n", out.dump(2).c_str());
  }
  return 0;
}

const dais::bench::Registration registration("stream", "WebSocket stream delivery with 1, 10, 100 subscribers", run);

}  // namespace

// dais-bench http: requests/s and latency of the API server for GET /v1/chain
// (store head) and GET /v1/stats (a projection view) over keep-alive loopback
// connections, from an epoll client thread in the same process (one request in
// flight per connection). The server runs over a real store holding a small
// consistent run, with the rate limiter off.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

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

template <typename T> es::EventDraft draft(std::uint64_t step, const T& data) {
  return {ev::type_name<T>(), step, ev::encode_data(data)};
}

// Serves a fixed run: a store and the projections folded from it.
class FixedRunBackend : public api::Backend {
 public:
  FixedRunBackend(const std::filesystem::path& dir, std::uint32_t agents, std::uint64_t steps) {
    es::StoreOptions options;
    options.sync = es::SyncMode::none;
    store_ = es::Store::open(dir, options);
    ev::RunStarted run;
    run.agents = agents;
    run.seed = 1;
    run.version = "bench";
    run.format = "dais-log/1";
    run.steps = steps;
    run.config = nlohmann::json::object();
    append({draft(0, run)});
    for (std::uint64_t step = 1; step <= steps; ++step) {
      std::vector<es::EventDraft> batch;
      ev::SignatureProposed p;
      p.signature_id = "sig-" + std::to_string(step);
      p.agent = static_cast<std::uint32_t>(step % agents);
      p.indicator = "10.1." + std::to_string(step / 250) + "." + std::to_string(step % 250);
      p.centroid = p.lower = p.upper = {0.1, 0.2, 0.3};
      p.confidence = 0.9;
      p.observations = 4;
      p.deadline_step = step + 2;
      batch.push_back(draft(step, p));
      for (std::uint32_t a = 0; a < agents; ++a) {
        if (a == p.agent) continue;
        ev::VoteCast v;
        v.signature_id = p.signature_id;
        v.voter = a;
        v.approve = step % 3 != 0;
        batch.push_back(draft(step, v));
      }
      ev::ConsensusReached c;
      c.signature_id = p.signature_id;
      c.accepted = step % 3 != 0;
      (c.accepted ? c.yes : c.no) = agents - 1;
      c.voters = agents - 1;
      c.reason = c.accepted ? "majority" : "minority";
      c.indicator = p.indicator;
      c.expires_step = c.accepted ? step + 50 : 0;
      batch.push_back(draft(step, c));
      ev::StepCompleted s;
      s.flows = 1000;
      s.attack_flows = 30;
      s.true_positives = 25;
      s.false_negatives = 5;
      s.active_agents = agents;
      batch.push_back(draft(step, s));
      append(batch);
    }
  }

  const es::Store& store() const override { return *store_; }
  std::shared_ptr<const dais::projections::Projections> projections() const override { return projections_; }
  api::ControlResult pause() override { return {409, {{"error", "benchmark backend"}}}; }
  api::ControlResult resume() override { return pause(); }
  api::ControlResult step_once() override { return pause(); }
  api::ControlResult inject_attack(const nlohmann::json&) override { return pause(); }
  api::ControlResult remove_blacklist(const nlohmann::json&) override { return pause(); }
  api::HealthReport health() const override { return {true, nlohmann::json::object()}; }

 private:
  void append(const std::vector<es::EventDraft>& batch) {
    const auto r = store_->append(batch);
    auto p = std::make_shared<dais::projections::Projections>(projections_ ? *projections_
                                                                           : dais::projections::Projections());
    for (const auto& e : r.events) p->apply(ev::parse_event(e.bytes));
    projections_ = std::move(p);
  }
  std::unique_ptr<es::Store> store_;
  std::shared_ptr<const dais::projections::Projections> projections_;
};

using dais::bench::run_load;
using dais::bench::percentile;

constexpr double kChainTarget = 50000;

int run(std::vector<std::string> args) {
  CLI::App app("dais-bench http: API requests/s and latency over keep-alive loopback connections");
  std::size_t connections = 50;
  double seconds = 5;
  unsigned threads = 2;
  std::uint64_t steps = 300;
  bool json = false;
  app.add_option("--connections", connections, "keep-alive connections")->check(CLI::Range(1, 1000));
  app.add_option("--seconds", seconds, "measured seconds per endpoint")->check(CLI::Range(0.1, 600.0));
  app.add_option("--threads", threads, "server io threads")->check(CLI::Range(1, 64));
  app.add_option("--steps", steps, "steps in the served run (10 agents)")->check(CLI::Range(1, 100000));
  app.add_flag("--json", json, "print JSON");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  dais::TempDir dir;
  FixedRunBackend backend(dir.path(), 10, steps);
  api::EventHub hub;
  api::Metrics metrics;
  api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.rate_limit = 0;
  options.threads = threads;
  options.max_connections = connections + 16;
  options.max_connections_per_address = connections + 16;  // every client comes from 127.0.0.1
  api::Server server(backend, hub, metrics, options);
  server.start();

  nlohmann::json results = nlohmann::json::array();
  for (const std::string target : {"/v1/chain", "/v1/stats"}) {
    auto r = run_load(server.port(), [&target] { return target; }, connections, seconds);
    const double rps = static_cast<double>(r.requests) / r.seconds;
    nlohmann::json result = {{"endpoint", target},
                             {"requests", r.requests},
                             {"errors", r.errors},
                             {"requests_per_s", std::round(rps)},
                             {"p50_us", std::round(percentile(r.latencies_us, 0.50))},
                             {"p99_us", std::round(percentile(r.latencies_us, 0.99))}};
    // The reference: 50 000 requests/s for GET /v1/chain on 2 cores.
    if (target == "/v1/chain") {
      result["target_requests_per_s"] = kChainTarget;
      result["ratio_to_target"] = rps / kChainTarget;
    }
    results.push_back(result);
    if (!json) {
      std::printf("GET %-10s %9.0f req/s  p50 %7.0f us  p99 %7.0f us  (%llu requests, %llu errors)", target.c_str(),
                  rps, percentile(r.latencies_us, 0.50), percentile(r.latencies_us, 0.99),
                  static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.errors));
      if (target == "/v1/chain") std::printf("  %.2f x the %.0f req/s target", rps / kChainTarget, kChainTarget);
      std::printf("\n");
    }
  }
  server.stop();
  if (json) {
    const nlohmann::json out = {{"bench", "http"},
                                {"connections", connections},
                                {"seconds", seconds},
                                {"server_threads", threads},
                                {"client", "epoll, 1 thread, same process"},
                                {"events_in_log", backend.store().head().count},
                                {"results", results}};
    std::printf("%s\n", out.dump(2).c_str());
  }
  return 0;
}

const dais::bench::Registration registration("http", "API server requests/s and latency (GET /v1/chain, /v1/stats)",
                                             run);

}  // namespace

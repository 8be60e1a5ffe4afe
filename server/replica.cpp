#include "server/replica.h"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "api/backend.h"
#include "api/event_hub.h"
#include "api/metrics.h"
#include "api/server.h"
#include "config/logging.h"
#include "eventstore/store.h"
#include "events/events.h"
#include "projections/projections.h"
#include "server/api_options.h"
#include "server/follower.h"
#include "server/leader_client.h"

namespace dais::server {

namespace {

constexpr int kUsageError = 2;
constexpr int kFailed = 1;

// The projections of the replica's log, folded as entries are stored; API threads get copies.
class FoldedProjections {
 public:
  explicit FoldedProjections(projections::HistoryLimits limits) : projections_(limits) {
    snapshot_ = std::make_shared<const projections::Projections>(projections_);
  }
  void apply(const eventstore::StoredEvent& stored) {
    auto event = events::parse_event(stored.bytes);
    event.hash = to_hex(stored.hash);
    projections_.apply(event);
  }
  void publish() {
    auto copy = std::make_shared<const projections::Projections>(projections_);
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(copy);
  }
  std::shared_ptr<const projections::Projections> snapshot() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
  }

 private:
  projections::Projections projections_;  // the follower's thread only
  mutable std::mutex mutex_;
  std::shared_ptr<const projections::Projections> snapshot_;
};

class ReplicaBackend final : public api::Backend {
 public:
  ReplicaBackend(const eventstore::Store& store, const FoldedProjections& folded, const Follower& follower,
                 std::string leader)
      : store_(store), folded_(folded), follower_(follower), leader_(std::move(leader)) {}

  const eventstore::Store& store() const override { return store_; }
  std::shared_ptr<const projections::Projections> projections() const override { return folded_.snapshot(); }
  std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint() const override { return follower_.checkpoint(); }

  std::optional<api::ControlResult> refuse_changes() const override { return refusal(); }
  api::ControlResult pause() override { return refusal(); }
  api::ControlResult resume() override { return refusal(); }
  api::ControlResult step_once() override { return refusal(); }
  api::ControlResult inject_attack(const nlohmann::json&) override { return refusal(); }
  api::ControlResult remove_blacklist(const nlohmann::json&) override { return refusal(); }

  api::HealthReport health() const override {
    api::HealthReport report;
    const bool store_ok = store_.head_intact();
    report.healthy = store_ok && failure_.empty();
    report.components = {
        {"store", {{"ok", store_ok}, {"writable", false}, {"head_seq", store_.head().count - 1}}},
        {"replica",
         {{"ok", failure_.empty()}, {"leader", leader_}, {"connected", follower_.connected()}, {"error", failure_}}},
    };
    return report;
  }
  // Set once the follower has stopped for good (before the server stops).
  void set_failure(std::string why) { failure_ = std::move(why); }

 private:
  api::ControlResult refusal() const {
    return {403,
            {{"error", "this daisd is a read-only replica of " + leader_ + ": send changes to the leader"},
             {"leader", leader_}}};
  }

  const eventstore::Store& store_;
  const FoldedProjections& folded_;
  const Follower& follower_;
  std::string leader_;
  std::string failure_;
};

}  // namespace

int run_replica(const config::Config& cfg, const ReplicaSetup& setup) {
  LeaderAddress leader;
  try {
    leader = parse_leader_url(setup.leader_url);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "daisd: --follow: %s\n", e.what());
    return kUsageError;
  }
  FollowerOptions options;
  const std::string key_text = cfg.get_string("log.leader_key");
  if (key_text.empty()) {
    std::fprintf(stderr,
                 "daisd: --follow needs log.leader_key: the leader's verifier key, which `daisd --data DIR "
                 "--print-verifier-key` prints on the leader (e.g. --set log.leader_key=dais.local/log+1234abcd+AQ...)\n");
    return kUsageError;
  }
  try {
    options.leader_key = eventstore::note::VerifierKey::parse(key_text);
  } catch (const eventstore::note::NoteError& e) {
    std::fprintf(stderr, "daisd: log.leader_key: %s\n", e.what());
    return kUsageError;
  }
  if (std::filesystem::exists(std::filesystem::path(setup.data_dir) / "data.mdb")) {
    if (const int code = setup.check_existing_log(setup.data_dir); code != 0) return code;
  }

  // SIGINT/SIGTERM/SIGHUP are blocked in every thread and taken by one waiter (as daisd does).
  sigset_t signal_set;
  sigemptyset(&signal_set);
  sigaddset(&signal_set, SIGINT);
  sigaddset(&signal_set, SIGTERM);
  sigaddset(&signal_set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signal_set, nullptr);

  config::setup_logging(cfg);
  auto log = config::logger("daisd");
  std::unique_ptr<eventstore::Store> store;
  try {
    eventstore::StoreOptions store_options;
    store_options.sync = cfg.get_string("store.sync") == "none" ? eventstore::SyncMode::none : eventstore::SyncMode::full;
    store_options.initial_map_bytes = static_cast<std::size_t>(cfg.get_int("store.map_size_mb")) << 20;
    store_options.report_failure = [store_log = config::logger("store")](std::string_view problem) {
      store_log->error("{}", problem);
    };
    store = eventstore::Store::open(setup.data_dir, store_options);
  } catch (const eventstore::StoreError& e) {
    std::fprintf(stderr, "daisd: %s\n", e.what());
    return kUsageError;
  }

  projections::HistoryLimits limits;
  limits.recent_steps = static_cast<std::size_t>(cfg.get_int("api.stats_recent_steps"));
  FoldedProjections folded(limits);
  try {
    store->scan(0, [&](const eventstore::StoredEvent& e) {
      folded.apply(e);
      return true;
    });
    folded.publish();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "daisd: cannot fold the replica's log in %s: %s\n", setup.data_dir.c_str(), e.what());
    return kFailed;
  }

  api::EventHub hub;
  api::Metrics metrics;
  options.on_committed = [&](const std::vector<eventstore::StoredEvent>& appended,
                             std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint) {
    for (const auto& e : appended) {
      folded.apply(e);
      metrics.add("dais_events_appended_total", 1, {{"type", e.type}});
    }
    folded.publish();
    hub.publish(appended, std::move(checkpoint));
    if (!appended.empty()) metrics.set("dais_head_seq", static_cast<double>(appended.back().seq));
  };
  options.on_problem = [log](const std::string& problem) { log->warn("leader: {}", problem); };
  LeaderClient client(leader);
  Follower follower(*store, client, options);
  ReplicaBackend backend(*store, folded, follower, leader.text());

  std::thread([&follower, signal_set, log] {
    for (;;) {
      int number = 0;
      if (sigwait(&signal_set, &number) != 0) continue;
      if (number == SIGHUP) {
        log->info("SIGHUP: a replica has nothing to reload");
        continue;
      }
      follower.stop();
    }
  }).detach();

  std::unique_ptr<api::Server> api_server;
  if (setup.serve) {
    const api::ServerOptions server_options = api_server_options(cfg);
    if (const auto warning = api::exposure_warning(server_options)) config::logger("api")->warn("{}", *warning);
    try {
      api_server = std::make_unique<api::Server>(backend, hub, metrics, server_options);
      api_server->start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "daisd: cannot serve: %s\n", e.what());
      return kFailed;
    }
    std::fprintf(stderr, "daisd: replica of %s serving http://%s (port %u), read-only\n", leader.text().c_str(),
                 server_options.listen.c_str(), api_server->port());
  }
  log->info("following {} from seq {} into {}", leader.text(), store->head().count, setup.data_dir);

  int status = 0;
  try {
    follower.run();
    log->info("stopped at seq {} (head {})", store->head().count, to_hex(store->head().hash));
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    backend.set_failure(e.what());
    status = kFailed;
  }
  if (api_server) api_server->stop();
  store->sync();
  return status;
}

}  // namespace dais::server

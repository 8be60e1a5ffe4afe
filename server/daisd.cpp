// daisd: runs a DAIS simulation on an LMDB log and, with --serve, serves the
// HTTP/WebSocket API while it runs and after it ends. Exit codes: 0 done,
// 1 runtime failure, 2 usage or configuration error.
// Each problem reaches the user once: start-up errors (usage, configuration, the
// data directory, the listen address) as one plain "daisd: ..." line on stderr;
// anything after start-up through the component's logger (config/logging.h):
// "daisd", "engine" (the simulation loop), "store" (the store's background syncs),
// "api" (the server).
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "api/backend.h"
#include "api/event_hub.h"
#include "api/metrics.h"
#include "api/server.h"
#include "config/config.h"
#include "config/logging.h"
#include "config/schema.h"
#include "eventstore/checkpoint_check.h"
#include "eventstore/checkpointer.h"
#include "eventstore/guarded_scan.h"
#include "eventstore/store.h"
#include "projections/projections.h"
#include "server/api_options.h"
#include "server/progress.h"
#include "server/rank_commands.h"
#include "server/rank_exchange.h"
#include "server/replica.h"
#include "server/run.h"
#include "server/service_notify.h"
#include "server/simulation.h"
#ifdef DAIS_HAVE_MPI
#include "server/rank_exchange_mpi.h"
#endif

extern char** environ;

namespace {

using namespace dais;

constexpr int kUsageError = 2;
constexpr int kRunFailed = 1;

// The API's view of the running simulation.
class SimulationBackend final : public api::Backend {
 public:
  SimulationBackend(eventstore::Store& store, server::Simulation& simulation, std::filesystem::path data_dir,
                    const eventstore::Checkpointer& checkpointer)
      : store_(store), simulation_(simulation), data_dir_(std::move(data_dir)), checkpointer_(checkpointer) {}

  std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint() const override { return checkpointer_.latest(); }

  const eventstore::Store& store() const override { return store_; }
  std::shared_ptr<const projections::Projections> projections() const override { return simulation_.projections(); }
  api::ControlResult pause() override { return convert(simulation_.pause()); }
  api::ControlResult resume() override { return convert(simulation_.resume()); }
  api::ControlResult step_once() override { return convert(simulation_.step_once()); }
  api::ControlResult inject_attack(const nlohmann::json& request) override {
    return convert(simulation_.inject_attack(request));
  }
  api::ControlResult remove_blacklist(const nlohmann::json& request) override {
    return convert(simulation_.remove_blacklist(request));
  }

  api::HealthReport health() const override {
    api::HealthReport report;
    const bool store_ok = store_.head_intact();
    const bool engine_ok = simulation_.loop_alive() && !simulation_.stopping();
    struct statvfs fs {};
    double free_bytes = -1;
    if (statvfs(data_dir_.c_str(), &fs) == 0) free_bytes = static_cast<double>(fs.f_bavail) * fs.f_frsize;
    const bool disk_ok = free_bytes < 0 || free_bytes > 64.0 * 1024 * 1024;
    report.healthy = store_ok && engine_ok && disk_ok;
    report.components = {
        {"store", {{"ok", store_ok}, {"writable", store_ok}, {"head_seq", store_.head().count - 1}}},
        {"engine",
         {{"ok", engine_ok},
          {"finished", simulation_.finished()},
          {"seconds_since_last_step", simulation_.seconds_since_last_step()}}},
        {"disk", {{"ok", disk_ok}, {"free_bytes", free_bytes}}},
    };
    return report;
  }

 private:
  static api::ControlResult convert(server::ControlReply reply) { return {reply.status, std::move(reply.body)}; }
  eventstore::Store& store_;
  server::Simulation& simulation_;
  std::filesystem::path data_dir_;
  const eventstore::Checkpointer& checkpointer_;
};

// log.signing_key, or dais-signing.key beside the data directory (never inside it: the
// directory holds the LMDB log alone, and the key outlives any one run).
std::filesystem::path signing_key_path(const config::Config& cfg, const std::string& data_dir) {
  const std::string configured = cfg.get_string("log.signing_key");
  if (!configured.empty()) return configured;
  auto dir = std::filesystem::absolute(data_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  return dir.parent_path() / "dais-signing.key";
}

// SIGINT/SIGTERM/SIGHUP are blocked in every thread and taken by one waiter thread,
// so a signal never interrupts a write in the middle. SIGINT/SIGTERM stop the run;
// SIGHUP asks for a reload (see reload_configuration) and may come any number of times.
class SignalWaiter {
 public:
  SignalWaiter() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  void start(std::function<void()> on_stop, std::function<void()> on_reload) {
    thread_ = std::thread([this, on_stop = std::move(on_stop), on_reload = std::move(on_reload)] {
      for (;;) {
        int signal_number = 0;
        if (sigwait(&set_, &signal_number) != 0) continue;
        if (signal_number == SIGHUP) {
          on_reload();
        } else if (received_.exchange(signal_number) == 0) {
          on_stop();
        }
      }
    });
    thread_.detach();
  }
  int received() const { return received_.load(); }

 private:
  sigset_t set_{};
  std::thread thread_;
  std::atomic<int> received_{0};
};

// The API server a reload applies api.* keys to: set once it serves, cleared before it stops.
struct ReloadableApi {
  std::mutex mutex;
  api::Server* server = nullptr;
};

// The api.* keys a running server takes on a reload (api::Server::reload).
bool reloadable_api_key(std::string_view key) {
  return key == "api.token" || key == "api.rate_limit" || key == "api.rate_burst";
}

// SIGHUP: the configuration is loaded again the way it was at start (the same --config file,
// read anew; the environment and --set/flags of the start). Its log.* keys are applied
// (level, format, file), which setup_logging may do while other threads log, and, while the
// API serves, api.token, api.rate_limit and api.rate_burst (for every request from then on).
// Every other key is fixed for the life of the process; a change to one is named in the log
// as needing a restart. The token's value is never logged.
void reload_configuration(const config::LoadRequest& request, const config::Config& started, ReloadableApi& api) {
  auto log = config::logger("daisd");
  server::notify_service_manager("RELOADING=1");
  try {
    const auto fresh = config::load(request);
    const auto api_fresh = server::api_server_options(fresh);
    config::setup_logging(fresh);
    std::string applied = "log.* (level " + fresh.get_string("log.level") + ")";
    bool serving = false;
    {
      std::lock_guard lock(api.mutex);
      if (api.server != nullptr) {
        api.server->reload(api_fresh);
        serving = true;
        applied += fmt::format(", api.token ({}), api.rate_limit {}, api.rate_burst {}",
                               api_fresh.token.empty() ? "empty: control endpoints disabled" : "set",
                               api_fresh.rate_limit, api_fresh.rate_burst);
      }
    }
    if (serving) {
      if (const auto warning = api::exposure_warning(api_fresh)) config::logger("api")->warn("{}", *warning);
    }
    const auto before = started.to_json();
    const auto after = fresh.to_json();
    std::string ignored;
    for (auto it = after.begin(); it != after.end(); ++it) {
      if (it.key().rfind("log.", 0) == 0 || (serving && reloadable_api_key(it.key())) ||
          before.value(it.key(), nlohmann::json()) == it.value()) {
        continue;
      }
      ignored += (ignored.empty() ? "" : ", ") + it.key();
    }
    log->info("SIGHUP: reloaded {}", applied);
    if (!ignored.empty()) log->warn("SIGHUP: changed keys that only a restart applies, kept as started: {}", ignored);
  } catch (const std::exception& e) {
    log->error("SIGHUP: the configuration was not reloaded, nothing changed: {}", e.what());
  }
  server::notify_service_manager("READY=1");
}

// Tells systemd (Type=notify) that daisd is ready; a failure is logged, never fatal.
void notify_ready(const std::string& status) {
  const auto state = "READY=1\nSTATUS=" + status;
  if (auto why = server::notify_service_manager(state); !why.empty()) config::logger("daisd")->warn("{}", why);
}

// The API declares the standard dais_* families; daisd adds what only it knows.
void declare_metrics(api::Metrics& m) {
  m.declare("dais_steps_total", api::Metrics::Kind::counter, "Simulation steps completed.");
}

// Opens the log in `dir` read-only in a child process and verifies it whole (guarded_scan.h).
// 0 when it is intact; otherwise prints why and returns the exit code: 1 for a damaged log
// (a crash inside LMDB or a failed check), 2 for a directory that is no DAIS log.
int check_existing_log(const std::string& dir) {
  const auto fate = eventstore::run_in_child([&](std::atomic<std::uint64_t>& checked) -> int {
    std::unique_ptr<eventstore::Store> store;
    try {
      eventstore::StoreOptions options;
      options.read_only = true;
      options.create = false;
      store = eventstore::Store::open(dir, options);
    } catch (const eventstore::BlankLogError&) {
      return 0;  // killed while creating it: the writable open makes it a new log
    } catch (const eventstore::StoreError& e) {
      std::fprintf(stderr, "daisd: %s\n", e.what());
      return kUsageError;
    }
    eventstore::VerifyOptions verify;
    verify.threads = 1;
    verify.progress = [&](std::uint64_t done, std::uint64_t) { checked.store(done); };
    try {
      const auto report = store->verify(0, std::nullopt, verify);
      if (report.ok) {
        // The tree too: daisd signs its root, so a damaged tile must stop it, not be signed.
        const std::string problem = eventstore::tree_problem(*store);
        if (problem.empty()) return 0;
        std::fprintf(stderr, "daisd: the log in %s is damaged: %s; nothing was run (see dais-verify %s)\n",
                     dir.c_str(), problem.c_str(), dir.c_str());
        return kRunFailed;
      }
      std::fprintf(stderr, "daisd: the log in %s is damaged at seq %llu: %s: %s; nothing was run (see dais-verify %s)\n",
                   dir.c_str(), static_cast<unsigned long long>(*report.bad_seq),
                   eventstore::problem_name(report.problem), report.reason.c_str(), dir.c_str());
    } catch (const eventstore::StoreError& e) {
      std::fprintf(stderr, "daisd: cannot read the log: %s; nothing was run (see dais-verify %s)\n", e.what(),
                   dir.c_str());
    }
    return kRunFailed;
  });
  if (fate.crashed()) {
    std::fprintf(stderr,
                 "daisd: %s/data.mdb is damaged: reading it crashed LMDB (%s) after %llu entries had checked out; "
                 "nothing was run (see dais-verify %s)\n",
                 dir.c_str(), eventstore::describe_crash_signal(fate.signal).c_str(),
                 static_cast<unsigned long long>(fate.progress), dir.c_str());
    return kRunFailed;
  }
  return fate.exit_code;
}


// What crossed ranks in an MPI run, for docs/SCALING.md: rank 0 receives every rank's phase results.
void print_exchange(const server::RankExchange& ranks, const std::string& partition) {
  const auto& c = ranks.counters();
  const double steps = c.steps > 0 ? static_cast<double>(c.steps) : 1.0;
  std::fprintf(stderr,
               "daisd: MPI %d ranks (partition %s), %llu steps: %llu collectives (%.1f per step), %.0f bytes of "
               "phase results and commands per step reached rank 0 (%llu in all), rank 0 sent %llu\n",
               ranks.size(), partition.c_str(), static_cast<unsigned long long>(c.steps),
               static_cast<unsigned long long>(c.collectives), static_cast<double>(c.collectives) / steps,
               static_cast<double>(c.bytes_gathered) / steps, static_cast<unsigned long long>(c.bytes_gathered),
               static_cast<unsigned long long>(c.bytes_sent));
}

int daisd_main(int argc, char** argv, server::RankExchange* ranks) {
  CLI::App app{"daisd: runs a DAIS simulation of collaborating security agents on a hash-chained LMDB log.\n"
               "With --steps and without --serve it runs the steps, prints a summary and exits 0; a data directory "
               "that already holds the run is resumed, not overwritten. With --serve it serves the HTTP/WebSocket "
               "API while it runs and after it ends. SIGINT/SIGTERM finish the current step, flush and exit 0.\n"
               "Configuration: defaults < --config FILE < DAIS_SECTION__KEY environment < --set key=value < flags."};
  std::string data_dir;
  std::string config_file;
  std::vector<std::string> sets;
  std::optional<std::int64_t> agents, steps, seed, threads;
  std::optional<std::string> listen, summary_json, follow;
  bool print_verifier_key = false;
  bool serve = false, print_config = false, config_help = false, show_version = false, quiet = false, verify_full = false;
  app.add_option("--data", data_dir, "Data directory holding the LMDB log (created if absent)");
  app.add_option("--config", config_file, "YAML configuration file (see config/daisd.yaml)")->check(CLI::ExistingFile);
  app.add_option("--set", sets, "Set one configuration key, e.g. --set consensus.majority=0.66 (repeatable)");
  app.add_option("--agents", agents, "simulation.agents: number of agents");
  app.add_option("--steps", steps, "simulation.steps: steps to run (0 = until stopped)");
  app.add_option("--seed", seed, "simulation.seed: run seed");
  app.add_option("--threads", threads, "simulation.threads: worker threads (0 = cores)");
  app.add_option("--listen", listen, "api.listen: HOST:PORT to serve on (default 127.0.0.1:8080)");
  app.add_flag("--serve", serve, "Serve the API while running and after the run ends");
  app.add_flag("--verify-full", verify_full,
               "On resume, re-execute the whole log instead of starting from the newest engine snapshot");
  app.add_option("--summary-json", summary_json, "Write the run summary as JSON to this file");
  app.add_flag("--print-config", print_config, "Print the effective configuration with each value's source, and exit");
  app.add_flag("--config-help", config_help, "List every configuration key with its type, default and range, and exit");
  app.add_flag("--print-verifier-key", print_verifier_key,
               "Print the verifier key of the checkpoint signing key (created if missing), and exit");
  app.add_option("--follow", follow,
                 "Run as a read replica of the daisd at http://HOST:PORT (log.leader_key names its verifier key)");
  app.add_flag("--quiet", quiet, "No progress output");
  app.add_flag("--version", show_version, "Print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  if (show_version) {
    std::printf("daisd %s\n", DAIS_VERSION);
    return 0;
  }
  if (config_help) {
    std::fputs(config::schema_help().c_str(), stdout);
    return 0;
  }

  config::Config cfg;
  config::LoadRequest request;
  try {
    if (!config_file.empty()) request.file = config_file;
    for (char** e = environ; e && *e; ++e) request.environment.emplace_back(*e);
    request.sets = sets;
    if (agents) request.flags.push_back({"simulation.agents", std::to_string(*agents), "--agents"});
    if (steps) request.flags.push_back({"simulation.steps", std::to_string(*steps), "--steps"});
    if (seed) request.flags.push_back({"simulation.seed", std::to_string(*seed), "--seed"});
    if (threads) request.flags.push_back({"simulation.threads", std::to_string(*threads), "--threads"});
    if (listen) request.flags.push_back({"api.listen", *listen, "--listen"});
    cfg = config::load(request);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "daisd: configuration error: %s\n", e.what());
    return config::exit_code_for(e);
  }
  if (print_config) {
    std::fputs(cfg.describe().c_str(), stdout);
    return 0;
  }
  if (data_dir.empty() && !(print_verifier_key && !cfg.get_string("log.signing_key").empty())) {
    std::fprintf(stderr, "daisd: --data DIR is required (the directory of the run's LMDB log)\n");
    return kUsageError;
  }
  if (follow) {
    if (steps || agents || seed || print_verifier_key || summary_json) {
      std::fprintf(stderr, "daisd: --follow copies the leader's run: --steps, --agents, --seed, --summary-json and "
                           "--print-verifier-key do not apply\n");
      return kUsageError;
    }
    if (ranks != nullptr && ranks->size() > 1) {  // the other ranks would wait for a simulation that never starts
      std::fprintf(stderr, "daisd: --follow is one process: start it without mpirun\n");
      return kUsageError;
    }
    return server::run_replica(cfg, {data_dir, *follow, serve, check_existing_log});
  }
  std::optional<eventstore::note::SigningKey> signing_key;
  try {
    signing_key = eventstore::load_or_create_key(signing_key_path(cfg, data_dir), cfg.get_string("log.origin"));
  } catch (const eventstore::note::NoteError& e) {
    std::fprintf(stderr, "daisd: %s\n", e.what());
    return kUsageError;
  }
  if (print_verifier_key) {
    std::printf("%s\n", signing_key->verifier().text().c_str());
    return 0;
  }
  config::setup_logging(cfg);
  auto log = config::logger("daisd");

  // An existing log is read once in a child process first: LMDB asserts or faults on some damaged
  // pages, and that must end in a message, not a crash; a log that fails the check is not run on.
  if (std::filesystem::exists(std::filesystem::path(data_dir) / "data.mdb")) {
    if (const int code = check_existing_log(data_dir); code != 0) return code;
  }

  SignalWaiter signals;  // before any thread starts, so every thread inherits the mask
  std::unique_ptr<eventstore::Store> store;
  try {
    eventstore::StoreOptions options;
    options.sync = cfg.get_string("store.sync") == "none" ? eventstore::SyncMode::none : eventstore::SyncMode::full;
    options.initial_map_bytes = static_cast<std::size_t>(cfg.get_int("store.map_size_mb")) << 20;
    options.report_failure = [store_log = config::logger("store")](std::string_view problem) {
      store_log->error("{}", problem);
    };
    store = eventstore::Store::open(data_dir, options);
  } catch (const eventstore::StoreError& e) {
    std::fprintf(stderr, "daisd: %s\n", e.what());
    return kUsageError;
  }

  eventstore::Checkpointer checkpointer(*store, std::move(*signing_key));
  api::EventHub hub;
  api::Metrics metrics;
  declare_metrics(metrics);
  server::ProgressReporter progress("daisd", !quiet && !serve);

  server::Run::Options run_options;
  run_options.stats_history.recent_steps = static_cast<std::size_t>(cfg.get_int("api.stats_recent_steps"));
  run_options.version = DAIS_VERSION;
  run_options.ranks = ranks;
  run_options.snapshot_interval_steps = static_cast<std::uint64_t>(cfg.get_int("store.snapshot_interval_steps"));
  run_options.verify_full = verify_full;
  run_options.on_snapshot_note = [](const std::string& note) { config::logger("store")->warn("{}", note); };
  run_options.on_snapshot_written = [](const server::SnapshotWritten& s) {
    config::logger("store")->debug("engine snapshot at step {} (seq {}): {} bytes in {:.1f} ms", s.step, s.seq,
                                   s.bytes, s.seconds * 1e3);
  };
  if (steps) run_options.steps = static_cast<std::uint64_t>(*steps);
  run_options.on_appended = [&](const std::vector<eventstore::StoredEvent>& appended, double append_seconds) {
    // Beside the chain: a signed checkpoint of the tree after every commit, streamed after its events.
    hub.publish(appended, checkpointer.refresh());
    metrics.observe("dais_append_seconds", append_seconds);
    for (const auto& e : appended) metrics.add("dais_events_appended_total", 1, {{"type", e.type}});
    if (!appended.empty()) metrics.set("dais_head_seq", static_cast<double>(appended.back().seq));
  };
  std::chrono::steady_clock::time_point step_started = std::chrono::steady_clock::now();
  server::Run* run_ptr = nullptr;
  run_options.on_progress = [&](const server::Progress& p) {
    if (!p.checking) {
      const auto now = std::chrono::steady_clock::now();
      metrics.observe("dais_step_seconds", std::chrono::duration<double>(now - step_started).count());
      step_started = now;
      metrics.add("dais_steps_total");
      if (run_ptr) {
        const auto& stats = run_ptr->stats();
        const auto rates = stats.rates();
        const auto counts = run_ptr->signature_counts();
        metrics.set("dais_detection_precision", rates.precision);
        metrics.set("dais_detection_recall", rates.recall);
        metrics.set("dais_signatures", static_cast<double>(counts.accepted), {{"status", "accepted"}});
        metrics.set("dais_signatures", static_cast<double>(counts.rejected), {{"status", "rejected"}});
        metrics.set("dais_signatures", static_cast<double>(counts.pending), {{"status", "pending"}});
        metrics.set("dais_signatures", static_cast<double>(counts.revoked), {{"status", "revoked"}});
        metrics.set("dais_active_agents", static_cast<double>(run_ptr->last_active_agents()));
      }
    }
    progress.update(p.step, p.total_steps, std::to_string(p.head_seq + 1) + " events" + (p.checking ? " (checking the log)" : ""));
  };

  std::unique_ptr<server::Run> run;
  try {
    run = server::Run::open(*store, cfg, run_options);
  } catch (const server::RunError& e) {
    progress.finish();
    std::fprintf(stderr, "daisd: %s\n", e.what());
    return kUsageError;
  } catch (const config::ConfigError& e) {
    progress.finish();
    std::fprintf(stderr, "daisd: the log's configuration is invalid: %s\n", e.what());
    return kUsageError;
  } catch (const eventstore::StoreError& e) {
    progress.finish();
    std::fprintf(stderr, "daisd: cannot read the log: %s; run dais-verify %s\n", e.what(), data_dir.c_str());
    return kRunFailed;
  }
  run_ptr = run.get();
  if (run->resumed() && run->resumed_from_snapshot()) {
    log->info("resumed the run in {} at step {} (head seq {}) from the engine snapshot at seq {}, the events after "
              "it re-executed and identical",
              data_dir, run->completed_steps(), run->head().seq(), *run->resumed_from_snapshot());
  } else if (run->resumed()) {
    log->info("resumed the run in {} at step {} (head seq {}), every logged event re-executed and identical",
              data_dir, run->completed_steps(), run->head().seq());
  }

  server::Simulation simulation(*run, std::chrono::milliseconds(cfg.get_int("simulation.step_interval_ms")));
  ReloadableApi reloadable_api;
  signals.start(
      [&] {
        server::notify_service_manager("STOPPING=1");
        simulation.stop();
      },
      [&request, &cfg, &reloadable_api] { reload_configuration(request, cfg, reloadable_api); });

  try {
    checkpointer.refresh();  // a resumed or finished run serves its checkpoint at once
  } catch (const std::exception& e) {
    std::fprintf(stderr, "daisd: cannot sign a checkpoint of the log: %s\n", e.what());
    return kRunFailed;
  }
  SimulationBackend backend(*store, simulation, data_dir, checkpointer);
  std::unique_ptr<api::Server> api_server;
  if (serve) {
    const api::ServerOptions o = server::api_server_options(cfg);
    if (const auto warning = api::exposure_warning(o)) config::logger("api")->warn("{}", *warning);
    try {
      api_server = std::make_unique<api::Server>(backend, hub, metrics, o);
      api_server->start();
      std::lock_guard lock(reloadable_api.mutex);
      reloadable_api.server = api_server.get();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "daisd: cannot serve: %s\n", e.what());
      return 1;
    }
    std::fprintf(stderr, "daisd: serving http://%s (port %u); dashboard at /, API under /v1\n", o.listen.c_str(),
                 api_server->port());
    notify_ready("serving http://" + o.listen + " (port " + std::to_string(api_server->port()) + ")");
  } else if (run->finished()) {
    std::printf("daisd: the run in %s is already finished (%llu steps); nothing to do\n", data_dir.c_str(),
                static_cast<unsigned long long>(run->completed_steps()));
  }

  if (!serve) notify_ready("running " + data_dir);
  int status = 0;
  try {
    simulation.run_loop(/*stop_when_finished=*/!serve);
  } catch (const std::exception& e) {
    progress.finish();
    config::logger("engine")->error("the simulation stopped: {}", e.what());
    status = 1;
  }
  progress.finish();
  {
    std::lock_guard lock(reloadable_api.mutex);
    reloadable_api.server = nullptr;
  }
  if (api_server) api_server->stop();
  store->sync();

  if (signals.received()) log->info("signal {} received: stopped after step {}", signals.received(), run->completed_steps());
  const auto summary = run->summary();
  std::fputs(summary.text().c_str(), stdout);
  if (summary_json) {
    std::ofstream out(*summary_json);
    out << nlohmann::json(summary).dump(2) << "\n";
    if (!out) {
      log->error("cannot write the summary to {}", *summary_json);
      status = 1;
    }
  }
  std::fflush(stdout);
  if (ranks != nullptr && ranks->size() > 1) print_exchange(*ranks, cfg.get_string("simulation.partition"));
  return status;
}

#ifdef DAIS_HAVE_MPI
// Under mpirun: rank 0 is daisd as usual (log, projections, API) and drives the others,
// which follow its commands (server/rank_commands.h) until it sends stop. An exception on any
// rank ends the whole job with its reason (MPI_Abort), so no rank waits forever.
int main_under_mpi(int argc, char** argv) {
  std::unique_ptr<server::RankExchange> ranks;
  try {
    ranks = server::open_mpi_exchange(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "daisd: cannot start MPI: %s\n", e.what());
    return kRunFailed;
  }
  if (ranks->rank() != 0) {
    try {
      return server::follow_rank_zero(*ranks);
    } catch (const std::exception& e) {
      ranks->abort(e.what());
    }
  }
  int status = kRunFailed;
  try {
    status = daisd_main(argc, argv, ranks.get());
  } catch (const std::exception& e) {
    ranks->abort(e.what());
  }
  // Every way out of daisd_main on rank 0 is between steps: the others wait for a command.
  if (ranks->size() > 1) ranks->broadcast(server::encode_stop_command());
  return status;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef DAIS_HAVE_MPI
  if (server::launched_by_mpirun()) return main_under_mpi(argc, argv);
#endif
  return daisd_main(argc, argv, nullptr);
}

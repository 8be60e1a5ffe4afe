// dais-bench engine: agent-steps per second of the full step engine (traffic,
// detection, signatures, voting, consensus, retraining, one append per step)
// on a fresh log in no-sync mode, with time per phase, events per step, log
// growth per agent-step (stored event bytes, and the LMDB file) and peak
// resident memory, CPU time per step beside wall time (on a shared machine
// wall time also counts other people's work). Targets (issue 17; 2 cores,
// default settings): 100 agents >= 100 steps/s, 1000 agents >= 10 steps/s,
// <= 1 MiB resident per agent up to 10,000 agents.
// It also reports the engine snapshots (server/engine_snapshot.h): those the run wrote every
// store.snapshot_interval_steps (count, mean write time, size) and, after the run, the time to
// encode the engine's state and to restore it into a fresh engine.
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "common/temp_dir.h"
#include "config/config.h"
#include "events/events.h"
#include "eventstore/store.h"
#include "server/engine_snapshot.h"
#include "server/run.h"
#include "tools/bench/registry.h"

namespace {

// The engine's evidence phase is not added: it is ~0 unless that defence is on, and the bench has
// always counted it under "commit" (the rest of a step's wall time).
void add_phases(dais::server::Engine::PhaseTimes& sum, const dais::server::Engine::PhaseTimes& step) {
  sum.faults += step.faults;
  sum.observe += step.observe;
  sum.propose += step.propose;
  sum.vote += step.vote;
  sum.decide += step.decide;
  sum.apply += step.apply;
}

double peak_rss_bytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;
}

// CPU seconds of every thread of this process: on a shared machine wall clock also counts the
// time other people's work held the cores, CPU time does not.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// CPU time of the calling thread: what an operation costs, whatever else the machine runs.
double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double current_rss_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

int run_engine(std::vector<std::string> args) {
  CLI::App app{"dais-bench engine: throughput of the step engine"};
  std::uint32_t agents = 100;
  std::uint64_t steps = 100;
  unsigned threads = 0;
  std::uint64_t seed = 1;
  std::vector<std::string> sets;
  bool json = false;
  app.add_option("--agents", agents, "Agents")->check(CLI::Range(1u, 65535u));
  app.add_option("--steps", steps, "Steps")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}));
  app.add_option("--threads", threads, "Threads (0 = cores)");
  app.add_option("--seed", seed, "Seed");
  app.add_option("--set", sets, "Extra configuration key=value (repeatable)");
  app.add_flag("--json", json, "Print JSON");
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  dais::config::Config cfg;
  cfg.set_text("simulation.agents", std::to_string(agents), "--agents");
  cfg.set_text("simulation.steps", std::to_string(steps), "--steps");
  cfg.set_text("simulation.seed", std::to_string(seed), "--seed");
  cfg.set_text("simulation.threads", std::to_string(threads), "--threads");
  cfg.set_text("store.sync", "none", "bench");
  for (const auto& s : sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--set needs key=value, got '" + s + "'");
    cfg.set_text(s.substr(0, eq), s.substr(eq + 1), "--set");
  }

  dais::TempDir scratch;
  const auto dir = scratch / "log";
  const double rss_before = current_rss_bytes();
  dais::server::Engine::PhaseTimes phase, phase_cpu;  // summed over the measured steps
  std::uint64_t retrained = 0, most_retrained = 0;  // ModelRetrained events: in all, and in the busiest step
  double seconds = 0, first_step_seconds = 0, cpu_seconds = 0;
  std::uint64_t events = 0, event_bytes = 0;
  std::uintmax_t file_bytes_first = 0, file_bytes = 0;
  bool measuring = false;
  std::uint64_t snapshots = 0;
  double peak = 0;
  double snapshot_write_s = 0, snapshot_bytes = 0, engine_save_s = 0, engine_restore_s = 0, engine_bytes = 0;
  double engine_save_cpu_s = 0, engine_restore_cpu_s = 0;
  {
    dais::eventstore::StoreOptions store_options;
    store_options.sync = dais::eventstore::SyncMode::none;
    auto store = dais::eventstore::Store::open(dir, store_options);
    dais::server::Run::Options options;
    options.version = DAIS_VERSION;
    options.threads = threads;
    // Each stored entry is the event bytes plus its 32-byte hash (docs/LOG_FORMAT.md), keyed by an 8-byte seq.
    options.on_appended = [&](const std::vector<dais::eventstore::StoredEvent>& appended, double) {
      if (!measuring) return;
      std::uint64_t step_retrained = 0;
      for (const auto& e : appended) {
        event_bytes += e.bytes.size() + e.hash.size() + 8;
        if (e.type == dais::events::type::model_retrained) ++step_retrained;
      }
      retrained += step_retrained;
      most_retrained = std::max(most_retrained, step_retrained);
    };
    options.snapshot_interval_steps = static_cast<std::uint64_t>(cfg.get_int("store.snapshot_interval_steps"));
    options.on_snapshot_written = [&](const dais::server::SnapshotWritten& w) {
      ++snapshots;
      snapshot_write_s += w.seconds;
      snapshot_bytes = static_cast<double>(w.bytes);
    };
    auto run = dais::server::Run::open(*store, cfg, options);
    // Step 0 trains every agent's first model; it is reported apart from the steady state.
    auto t0 = std::chrono::steady_clock::now();
    run->step();
    first_step_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto events_after_first = store->head().count;
    store->sync();
    file_bytes_first = std::filesystem::file_size(dir / "data.mdb");
    measuring = true;
    cpu_seconds = process_cpu_seconds();
    t0 = std::chrono::steady_clock::now();
    while (!run->finished()) {
      run->step();
      add_phases(phase, run->engine().last_phase_times());
      add_phases(phase_cpu, run->engine().last_phase_cpu());
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu_seconds = process_cpu_seconds() - cpu_seconds;
    events = store->head().count - events_after_first;
    store->sync();
    file_bytes = std::filesystem::file_size(dir / "data.mdb");
    // Memory of the run itself: the snapshot's bytes and the second engine below are not the run's.
    peak = peak_rss_bytes();
    auto t = std::chrono::steady_clock::now();
    double cpu = thread_cpu_s();
    const auto saved = dais::server::EngineSnapshot::save(run->engine());
    engine_save_cpu_s = thread_cpu_s() - cpu;
    engine_save_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    engine_bytes = static_cast<double>(saved.size());
    dais::server::ThreadPool pool(1);
    dais::server::Engine fresh(run->settings(), pool);
    t = std::chrono::steady_clock::now();
    cpu = thread_cpu_s();
    dais::server::EngineSnapshot::restore(fresh, saved);
    engine_restore_cpu_s = thread_cpu_s() - cpu;
    engine_restore_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }
  const double measured_steps = static_cast<double>(steps > 1 ? steps - 1 : 1);
  const double steps_per_s = measured_steps / seconds;
  const double target = agents >= 1000 ? 10.0 : agents >= 100 ? 100.0 : 0.0;
  nlohmann::json out = {
      {"agents", agents},
      {"steps", steps},
      {"threads", threads},
      {"steps_per_s", steps_per_s},
      {"agent_steps_per_s", steps_per_s * agents},
      {"cpu_ms_per_step", 1e3 * cpu_seconds / measured_steps},
      {"first_step_s", first_step_seconds},
      {"events_per_step", static_cast<double>(events) / measured_steps},
      {"log_bytes_per_agent_step", static_cast<double>(event_bytes) / (measured_steps * agents)},
      {"file_bytes_per_agent_step",
       static_cast<double>(file_bytes - std::min(file_bytes, file_bytes_first)) / (measured_steps * agents)},
      {"phase_ms_per_step",
       {{"faults", 1e3 * phase.faults / measured_steps},
        {"observe_detect", 1e3 * phase.observe / measured_steps},
        {"propose", 1e3 * phase.propose / measured_steps},
        {"vote", 1e3 * phase.vote / measured_steps},
        {"decide", 1e3 * phase.decide / measured_steps},
        {"apply_retrain", 1e3 * phase.apply / measured_steps},
        // The rest of the step: encoding, hashing, appending, folding into the projections, publishing.
        {"commit", 1e3 * std::max(0.0, seconds - (phase.faults + phase.observe + phase.propose + phase.vote + phase.decide + phase.apply)) /
                       measured_steps}}},
      {"snapshots_written", snapshots},
      {"snapshot_write_s_mean", snapshots > 0 ? snapshot_write_s / static_cast<double>(snapshots) : 0.0},
      {"snapshot_bytes", snapshot_bytes},
      {"engine_snapshot_bytes", engine_bytes},
      {"engine_snapshot_save_s", engine_save_s},
      {"engine_snapshot_restore_s", engine_restore_s},
      {"engine_snapshot_save_cpu_s", engine_save_cpu_s},
      {"engine_snapshot_restore_cpu_s", engine_restore_cpu_s},
      // CPU of all threads per wall second of a phase: 2 on 2 busy threads, 1 when serial.
      {"phase_cpu_per_wall",
       {{"observe_detect", phase.observe > 0 ? phase_cpu.observe / phase.observe : 0.0},
        {"vote", phase.vote > 0 ? phase_cpu.vote / phase.vote : 0.0},
        {"apply_retrain", phase.apply > 0 ? phase_cpu.apply / phase.apply : 0.0}}},
      {"retrained_per_step", static_cast<double>(retrained) / measured_steps},
      {"most_retrained_in_a_step", most_retrained},
      {"peak_rss_bytes", peak},
      {"rss_per_agent_bytes", (peak - rss_before) / agents},
      {"target_steps_per_s", target},
      {"ratio_to_target", target > 0 ? steps_per_s / target : 0.0},
  };
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("engine: %u agents, %.3g steps/s (%.0f agent-steps/s), %.1f events/step, log %.0f B/agent-step "
                "(LMDB file %.0f B/agent-step), peak RSS %.1f MiB (%.0f KiB/agent)\n",
                agents, steps_per_s, steps_per_s * agents, out["events_per_step"].get<double>(),
                out["log_bytes_per_agent_step"].get<double>(), out["file_bytes_per_agent_step"].get<double>(),
                peak / 1048576.0, out["rss_per_agent_bytes"].get<double>() / 1024.0);
    const auto& ms = out["phase_ms_per_step"];
    std::printf("  ms/step: wall %.1f, CPU %.1f (all threads); phases: faults %.1f, observe_detect %.1f, propose %.1f, "
                "vote %.1f, decide %.1f, apply_retrain %.1f, commit %.1f; first step %.1f s\n",
                1e3 / steps_per_s, out["cpu_ms_per_step"].get<double>(), ms["faults"].get<double>(),
                ms["observe_detect"].get<double>(), ms["propose"].get<double>(), ms["vote"].get<double>(),
                ms["decide"].get<double>(), ms["apply_retrain"].get<double>(), ms["commit"].get<double>(),
                first_step_seconds);
    const auto& busy = out["phase_cpu_per_wall"];
    std::printf("  CPU/wall: observe_detect %.2f, vote %.2f, apply_retrain %.2f; models retrained %.1f/step (at most %llu)\n",
                busy["observe_detect"].get<double>(), busy["vote"].get<double>(), busy["apply_retrain"].get<double>(),
                out["retrained_per_step"].get<double>(), static_cast<unsigned long long>(most_retrained));
    std::printf("engine snapshot: %.2f MB, encoded in %.0f ms (%.0f ms CPU), restored in %.0f ms (%.0f ms CPU); "
                "%llu written during the run (%.2f MB each, %.0f ms each to encode and write)\n",
                engine_bytes / 1e6, engine_save_s * 1e3, engine_save_cpu_s * 1e3, engine_restore_s * 1e3,
                engine_restore_cpu_s * 1e3,
                static_cast<unsigned long long>(snapshots), snapshot_bytes / 1e6,
                snapshots > 0 ? snapshot_write_s / static_cast<double>(snapshots) * 1e3 : 0.0);
  }
  return 0;
}

const dais::bench::Registration registration("engine", "step engine throughput, phases, events/step, memory",
                                             run_engine);

}  // namespace

// A run: the engine bound to its log. Run::open() starts a new run in an empty
// store (appending RunStarted: what determines the simulation, see
// run_started.h) or resumes the run a store already holds: it re-executes every
// logged step and checks each regenerated event byte for byte against the log
// (model digests included), then continues from the step after the last
// complete one. Run::replay() does the same check against a log without
// writing anything (dais-replay).
// One commit path: every event the run writes (RunStarted, a step's batch, an
// operator input) goes through one private commit(), which appends it in one
// write transaction, folds it into the projections and publishes exactly the
// committed events (on_appended); nothing is read back from the store.
// Operator inputs are committed on their own, between steps, so a replay feeds
// them back at the same place.
// Engine snapshots (server/run_snapshot.h, docs/OPERATIONS.md): with
// Options::snapshot_interval_steps N > 0, step() writes one after every N-th step beside
// the store's log, in its directory (a failure to write one throws SnapshotError); open() resumes from the newest snapshot that decodes,
// lies on the log's chain and restores cleanly, re-executing only the steps after it
// (and still checking them byte for byte). A snapshot that fails any of that, or whose
// tail does not reproduce the log, is skipped (reported through on_snapshot_note) and
// the next one, or in the end the whole log, is used instead; verify_full ignores them.
// Thread safety: one thread drives a Run (open, step, append_operator_input);
// projections_snapshot() may be called from any thread.
// Errors (run_errors.h): RunError for a directory holding another kind of data,
// a log from another program version, a configuration that contradicts the
// log, or a divergence (DivergenceError, naming the first differing seq and
// fields).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "eventstore/store.h"
#include "events/events.h"
#include "projections/projections.h"
#include "server/engine.h"
#include "server/run_errors.h"
#include "server/run_summary.h"
#include "server/settings.h"
#include "server/thread_pool.h"

namespace dais::server {

// What only the run itself counts; every other figure comes from the RunStats projection.
struct RunCounters {
  std::uint64_t retrained = 0, local_blocks = 0, crashes = 0;
};

// A replay whose log (or --to) ends inside a step: that step was re-executed
// and matched as far as the log goes, but the log holds only part of it.
struct PartialStep {
  std::uint64_t step = 0;
  std::size_t logged = 0;    // events of the step in the log
  std::size_t expected = 0;  // events the step produces
};

struct Progress {
  std::uint64_t step = 0;         // steps completed
  std::uint64_t total_steps = 0;  // 0 = unbounded
  std::uint64_t head_seq = 0;
  bool checking = false;          // re-executing logged steps
};

struct SnapshotWritten {
  std::uint64_t seq = 0;   // the last event it includes
  std::uint64_t step = 0;  // steps completed
  std::size_t bytes = 0;
  double seconds = 0;      // encoding and writing
};

class Run {
 public:
  using AppendedFn = std::function<void(const std::vector<eventstore::StoredEvent>&, double append_seconds)>;
  using ProgressFn = std::function<void(const Progress&)>;

  struct Options {
    std::string version;           // this program's version
    unsigned threads = 0;          // overrides simulation.threads; 0 = keep
    std::optional<Partition> partition;  // overrides simulation.partition (a runtime key); nullopt = keep
    std::optional<std::uint64_t> steps;  // overrides the step target (extend a run); nullopt = keep
    AppendedFn on_appended;        // after every committed batch (live API, metrics)
    ProgressFn on_progress;        // after every step
    projections::HistoryLimits stats_history;  // per-step history kept by the stats projection
    // Rank 0 of an MPI run (server/rank_exchange.h): the run's configuration goes to the other
    // ranks before its engine starts, and every step is shared with them. Null: one process.
    RankExchange* ranks = nullptr;
    // Recorded traffic of a resumed or replayed run: the folder holding its files, when they are no
    // longer where its configuration says (each must still match RunStarted's digest).
    std::optional<std::filesystem::path> traffic_dir;
    std::uint64_t snapshot_interval_steps = 0;  // write an engine snapshot after every N-th step; 0 = never (one process only)
    bool verify_full = false;                   // resume by re-executing the whole log, ignoring snapshots
    std::function<void(const std::string&)> on_snapshot_note;  // why a snapshot was skipped on resume
    std::function<void(const SnapshotWritten&)> on_snapshot_written;
  };

  // New or resumed run on `store` with the requested configuration (see the header comment).
  static std::unique_ptr<Run> open(eventstore::Store& store, const config::Config& requested, Options options);

  // Re-executes the log in `source` (up to `to_seq`, default its head) without writing,
  // throwing DivergenceError at the first difference. Returns the checked run.
  static std::unique_ptr<Run> replay(const eventstore::Store& source, std::optional<std::uint64_t> to_seq,
                                     Options options);

  ~Run();

  bool finished() const;               // the step target is reached (never for target 0)
  std::uint64_t completed_steps() const { return engine_->next_step(); }
  bool resumed() const { return resumed_; }
  // The seq of the snapshot a resume started from; nullopt when it re-executed the whole log.
  const std::optional<std::uint64_t>& resumed_from_snapshot() const { return resumed_from_snapshot_; }
  const Engine& engine() const { return *engine_; }
  const EngineSettings& settings() const { return engine_->settings(); }
  // Run statistics folded from the log (driving thread only; API threads use projections_snapshot()).
  const projections::RunStats& stats() const { return projections_.stats(); }
  // Signatures by their status now, as GET /v1/signatures counts them (driving thread only).
  projections::SignatureCounts signature_counts() const { return projections_.signatures().counts(); }
  std::uint32_t last_active_agents() const {
    const auto& rows = projections_.stats().rows();
    return rows.empty() ? 0 : rows.back().stats.active_agents;
  }
  eventstore::Head head() const;

  // Set by replay() when the checked log ends inside a step.
  const std::optional<PartialStep>& partial_step() const { return partial_step_; }

  // Runs and appends one step.
  void step();
  // Appends an operator input now (between steps) and applies it to the engine.
  // For POST /v1/attacks use attack_from_request first (throws std::invalid_argument).
  void append_operator_input(const std::string& type, const nlohmann::json& data);
  events::AttackInjected attack_from_request(const nlohmann::json& request) const;
  bool paused() const { return paused_; }

  // The projections as of the last committed batch: an immutable copy published by the
  // driving thread after each commit, so a reader only takes a pointer copy under a lock
  // the step loop holds just as long. Null while a resume is re-executing the log.
  std::shared_ptr<const projections::Projections> projections_snapshot() const;

  // The run summary (DESIGN.md "Run summary").
  RunSummary summary() const;

 private:
  // `logged_files`: the recorded traffic files the log names (resume, replay); null for a new run.
  Run(const config::Config& config, Options options, const std::vector<events::TrafficFile>* logged_files);
  // Appends `produced` in one write transaction, folds it and publishes what was committed.
  void commit(std::vector<Produced> produced);
  void apply_produced(std::uint64_t seq, const std::string& type, std::uint64_t step, nlohmann::json data,
                      const eventstore::Hash& hash);
  void count(const std::string& type);
  void check_log(const eventstore::Store& source, std::uint64_t last_seq, bool may_end_inside_step);
  // A run resumed from the newest usable snapshot in `store` (header comment), or null.
  static std::unique_ptr<Run> resume_from_snapshot(eventstore::Store& store, const config::Config& config,
                                                   const std::vector<events::TrafficFile>& logged_files,
                                                   const Options& options, const eventstore::Hash& run_hash);
  void write_snapshot();

  Options options_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Engine> engine_;
  eventstore::Store* store_ = nullptr;  // null for replay
  eventstore::Hash prev_hash_{};
  std::uint64_t next_seq_ = 0;
  std::uint64_t target_steps_ = 0;
  bool resumed_ = false;
  std::optional<std::uint64_t> resumed_from_snapshot_;
  bool paused_ = false;
  RunCounters counters_;
  std::optional<PartialStep> partial_step_;

  // Publishes a copy of projections_ for projections_snapshot() (driving thread).
  void publish();

  projections::Projections projections_;  // driving thread only
  mutable std::mutex snapshot_mutex_;     // guards snapshot_ (a pointer swap, never a copy)
  std::shared_ptr<const projections::Projections> snapshot_;

  std::uint64_t live_steps_ = 0;
  double live_seconds_ = 0;
};

}  // namespace dais::server

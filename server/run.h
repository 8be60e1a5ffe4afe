// A run: the engine bound to its log. Run::open() starts a new run in an empty
// store (appending RunStarted with the full effective configuration, seed and
// version) or resumes the run a store already holds: it re-executes every
// logged step and checks each regenerated event byte for byte against the log
// (model digests included), then continues from the step after the last
// complete one. Run::replay() does the same check against a log without
// writing anything (dais-replay).
// Each step is appended in one write transaction; operator inputs are appended
// on their own, between steps, so a replay feeds them back at the same place.
// Thread safety: one thread drives a Run (open, step, append_operator_input);
// projections_snapshot() may be called from any thread.
// Errors: RunError for a directory holding another kind of data, a log from
// another program version, a configuration that contradicts the log, or a
// divergence (DivergenceError, naming the first differing seq and fields).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "eventstore/store.h"
#include "projections/events.h"
#include "projections/projections.h"
#include "server/engine.h"
#include "server/settings.h"
#include "server/thread_pool.h"

namespace dais::server {

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Divergence {
  std::uint64_t seq = 0;
  std::string type;                 // the logged event's type ("" when the log ended early)
  std::string regenerated_type;     // what the re-execution produced ("" when it produced nothing more)
  std::vector<std::string> fields;  // JSON fields that differ, e.g. "data.model_digest"
  std::string describe() const;
};

class DivergenceError : public RunError {
 public:
  explicit DivergenceError(Divergence d) : RunError(d.describe()), divergence(std::move(d)) {}
  Divergence divergence;
};

// The version of a log that this program did not write.
class VersionMismatchError : public RunError {
 public:
  VersionMismatchError(std::string logged, std::string ours)
      : RunError("log written by DAIS " + logged + ", this is DAIS " + ours +
                 ": a different version may simulate differently, so it is not compared"),
        logged_version(std::move(logged)), our_version(std::move(ours)) {}
  std::string logged_version, our_version;
};

// What only the run itself counts; every other figure comes from the RunStats projection.
struct RunCounters {
  std::uint64_t retrained = 0, local_blocks = 0, crashes = 0;
};

struct Progress {
  std::uint64_t step = 0;         // steps completed
  std::uint64_t total_steps = 0;  // 0 = unbounded
  std::uint64_t head_seq = 0;
  bool checking = false;          // re-executing logged steps
};

class Run {
 public:
  using AppendedFn = std::function<void(const std::vector<eventstore::StoredEvent>&, double append_seconds)>;
  using ProgressFn = std::function<void(const Progress&)>;

  struct Options {
    std::string version;           // this program's version
    unsigned threads = 0;          // overrides simulation.threads; 0 = keep
    std::optional<std::uint64_t> steps;  // overrides the step target (extend a run); nullopt = keep
    AppendedFn on_appended;        // after every committed batch (live API, metrics)
    ProgressFn on_progress;        // after every step
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
  const Engine& engine() const { return *engine_; }
  const EngineSettings& settings() const { return engine_->settings(); }
  // Run statistics folded from the log (driving thread only; API threads use projections_snapshot()).
  const projections::RunStats& stats() const { return projections_.stats(); }
  std::uint32_t last_active_agents() const {
    const auto& rows = projections_.stats().rows();
    return rows.empty() ? 0 : rows.back().stats.active_agents;
  }
  eventstore::Head head() const;

  // Runs and appends one step.
  void step();
  // Appends an operator input now (between steps) and applies it to the engine.
  // For POST /v1/attacks use attack_from_request first (throws std::invalid_argument).
  void append_operator_input(const std::string& type, const nlohmann::json& data);
  events::AttackInjected attack_from_request(const nlohmann::json& request) const;
  bool paused() const { return paused_; }

  // A consistent copy of the projections, refreshed at most once per appended batch.
  std::shared_ptr<const projections::Projections> projections_snapshot() const;

  // The run summary as JSON (DESIGN.md "Run summary") and as text lines.
  nlohmann::json summary() const;
  std::string summary_text() const;

 private:
  Run(EngineSettings settings, Options options);
  void apply_produced(std::uint64_t seq, const std::string& type, std::uint64_t step, nlohmann::json data);
  void count(const std::string& type);
  void check_log(const eventstore::Store& source, std::uint64_t last_seq, bool may_end_inside_step);

  Options options_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Engine> engine_;
  eventstore::Store* store_ = nullptr;  // null for replay
  eventstore::Hash prev_hash_{};
  std::uint64_t next_seq_ = 0;
  std::uint64_t target_steps_ = 0;
  bool resumed_ = false;
  bool paused_ = false;
  RunCounters counters_;

  mutable std::mutex projections_mutex_;
  projections::Projections projections_;
  mutable std::shared_ptr<const projections::Projections> snapshot_;

  std::uint64_t live_steps_ = 0;
  double live_seconds_ = 0;
};

// Keys that may differ between the command line and a logged run: they change
// how a run is executed or served, never what it logs.
bool is_runtime_key(std::string_view key);

}  // namespace dais::server

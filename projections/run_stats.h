// Projection: the run's statistics. Exact cumulative totals; a bounded
// per-step history (step_history.h: the last N rows in full, the whole run in
// coarse buckets) so memory stays flat however long the run; consensus
// counts from the events themselves; the mean decision latency
// (decided step - proposed step, over every ConsensusReached); the head step;
// the pause state (SimulationPaused/SimulationResumed).
// Serves GET /v1/stats and the run summary.
// Rates: precision = tp / (tp + fp), recall = tp / (tp + fn),
// f1 = 2pr / (p + r); each is 0 when its denominator is 0.
// Errors: ProjectionError for malformed data. Not internally synchronised.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/events.h"
#include "projections/step_history.h"

namespace dais::projections {

struct ConsensusTotals {
  std::uint64_t proposed = 0, endorsed = 0, votes = 0, accepted = 0, rejected = 0;
  std::map<std::string, std::uint64_t> by_reason;
  std::uint64_t latency_sum = 0;  // over decided signatures
};

struct Rates {
  double precision = 0, recall = 0, f1 = 0;
};
Rates rates(std::uint64_t tp, std::uint64_t fp, std::uint64_t fn);

class RunStats {
 public:
  explicit RunStats(HistoryLimits history = {}) : history_(history) {}

  void apply(const events::Event& event);

  // The most recent rows (at most history().limits().recent_steps), in step order.
  const std::deque<StepRow>& rows() const { return history_.recent(); }
  const StepHistory& history() const { return history_; }
  const StepTotals& totals() const { return totals_; }
  const ConsensusTotals& consensus() const { return consensus_; }
  Rates rates() const { return projections::rates(totals_.true_positives, totals_.false_positives,
                                                  totals_.false_negatives); }
  // Mean (decided_step - proposed_step) over decisions; 0 before any.
  double mean_decision_latency() const;
  // Highest step of any event folded; nullopt before any.
  std::optional<std::uint64_t> head_step() const { return head_step_; }
  std::uint64_t steps_completed() const { return history_.steps(); }
  bool paused() const { return paused_; }

  // {"run", "head_step", "steps_completed", "paused", "paused_by", "totals", "rates", "consensus", "last_step"}.
  nlohmann::json view() const;
  // Recent rows [from_step, ...), at most `limit`: {"rows": [...]} in step order (older rows are only in buckets).
  nlohmann::json rows_json(std::uint64_t from_step, std::size_t limit) const;
  static nlohmann::json row_json(const StepRow& row);

  nlohmann::json to_json() const;
  static RunStats from_json(const nlohmann::json& json);

 private:
  StepHistory history_;
  StepTotals totals_;
  ConsensusTotals consensus_;
  std::map<std::string, std::uint64_t> open_;  // pending signature -> proposed step
  std::optional<std::uint64_t> head_step_;
  bool paused_ = false;
  std::string paused_by_;
  std::uint64_t retrained_ = 0, crashes_ = 0, recoveries_ = 0, attacks_injected_ = 0;
  nlohmann::json run_ = nullptr;  // {"agents", "steps", "seed", "version", "format"} from RunStarted
};

}  // namespace dais::projections

// Projection: the run's statistics. One row per StepCompleted (all kept: a
// row is ~200 bytes, so 10^5 steps is ~20 MB) and cumulative totals; consensus
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

namespace dais::projections {

struct StepRow {
  std::uint64_t step = 0;
  events::StepCompleted stats;      // blacklist_hits left empty to bound memory...
  std::uint64_t blacklist_hits = 0; // ...summed here instead
};

struct StepTotals {
  std::uint64_t flows = 0, attack_flows = 0, flagged = 0;
  std::uint64_t true_positives = 0, false_positives = 0, false_negatives = 0;
  std::uint64_t blocked = 0, blocked_attack = 0, blocked_benign = 0, blacklist_hits = 0;
  std::uint64_t flows_while_down = 0, missed_while_down = 0;  // included in flows / false_negatives
};

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
  void apply(const events::Event& event);

  const std::vector<StepRow>& rows() const { return rows_; }
  const StepTotals& totals() const { return totals_; }
  const ConsensusTotals& consensus() const { return consensus_; }
  Rates rates() const { return projections::rates(totals_.true_positives, totals_.false_positives,
                                                  totals_.false_negatives); }
  // Mean (decided_step - proposed_step) over decisions; 0 before any.
  double mean_decision_latency() const;
  // Highest step of any event folded; nullopt before any.
  std::optional<std::uint64_t> head_step() const { return head_step_; }
  std::uint64_t steps_completed() const { return rows_.size(); }
  bool paused() const { return paused_; }

  // {"run", "head_step", "steps_completed", "paused", "paused_by", "totals", "rates", "consensus", "last_step"}.
  nlohmann::json view() const;
  // Rows [from_step, ...), at most `limit`: {"rows": [...]} in step order.
  nlohmann::json rows_json(std::uint64_t from_step, std::size_t limit) const;
  static nlohmann::json row_json(const StepRow& row);

  nlohmann::json to_json() const;
  static RunStats from_json(const nlohmann::json& json);

 private:
  std::vector<StepRow> rows_;
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

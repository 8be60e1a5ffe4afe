// Bounded per-step history of a run: the last `recent_steps` StepCompleted rows
// in full, and the whole run in at most `max_buckets` coarse buckets of step
// totals. Buckets start `bucket_steps` steps wide; when they are all used, each
// adjacent pair is merged and the width doubles, so memory stays bounded for a
// run of any length while every bucket sum stays exact.
// Deterministic (bucket bounds depend only on the number of steps added).
// Not internally synchronised; copyable (snapshots copy it whole).
// Errors: the constructor throws std::invalid_argument for limits of 0 or an
// odd max_buckets; add() throws std::invalid_argument for a step not above the last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

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
  bool operator==(const StepTotals&) const = default;
};
void add_row(StepTotals& totals, const StepRow& row);
void add_totals(StepTotals& totals, const StepTotals& more);

// Steps [first_step, last_step] (`steps` StepCompleted rows) and their summed counts.
struct StepBucket {
  std::uint64_t first_step = 0, last_step = 0, steps = 0;
  StepTotals totals;
  bool operator==(const StepBucket&) const = default;
};

struct HistoryLimits {
  std::size_t recent_steps = 1000;  // full rows kept (~250 bytes each)
  std::size_t bucket_steps = 1000;  // initial bucket width in steps
  std::size_t max_buckets = 256;    // even; buckets kept for the whole run
};

class StepHistory {
 public:
  explicit StepHistory(HistoryLimits limits = {});

  void add(StepRow row);

  const std::deque<StepRow>& recent() const { return recent_; }
  const std::vector<StepBucket>& buckets() const { return buckets_; }
  const HistoryLimits& limits() const { return limits_; }
  // Width in steps of every bucket but the last (which may be partly filled).
  std::uint64_t bucket_width() const { return width_; }
  std::uint64_t steps() const { return steps_; }

  // Restores a state written by a snapshot; throws std::invalid_argument when
  // the parts do not fit the limits (more rows or buckets than allowed).
  static StepHistory restore(HistoryLimits limits, std::deque<StepRow> recent, std::vector<StepBucket> buckets,
                             std::uint64_t width, std::uint64_t steps);

 private:
  HistoryLimits limits_;
  std::deque<StepRow> recent_;
  std::vector<StepBucket> buckets_;
  std::uint64_t width_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace dais::projections

#include "projections/step_history.h"

#include <stdexcept>
#include <string>

namespace dais::projections {

void add_totals(StepTotals& t, const StepTotals& m) {
  t.flows += m.flows;
  t.attack_flows += m.attack_flows;
  t.flagged += m.flagged;
  t.true_positives += m.true_positives;
  t.false_positives += m.false_positives;
  t.false_negatives += m.false_negatives;
  t.blocked += m.blocked;
  t.blocked_attack += m.blocked_attack;
  t.blocked_benign += m.blocked_benign;
  t.blacklist_hits += m.blacklist_hits;
  t.flows_while_down += m.flows_while_down;
  t.missed_while_down += m.missed_while_down;
}

void add_row(StepTotals& t, const StepRow& row) {
  const auto& s = row.stats;
  t.flows += s.flows;
  t.attack_flows += s.attack_flows;
  t.flagged += s.flagged;
  t.true_positives += s.true_positives;
  t.false_positives += s.false_positives;
  t.false_negatives += s.false_negatives;
  t.blocked += s.blocked;
  t.blocked_attack += s.blocked_attack;
  t.blocked_benign += s.blocked_benign;
  t.blacklist_hits += row.blacklist_hits;
  t.flows_while_down += s.flows_while_down;
  t.missed_while_down += s.missed_while_down;
}

StepHistory::StepHistory(HistoryLimits limits) : limits_(limits), width_(limits.bucket_steps) {
  if (limits.recent_steps == 0 || limits.bucket_steps == 0 || limits.max_buckets < 2 ||
      limits.max_buckets % 2 != 0) {
    throw std::invalid_argument("step history limits must be positive and max_buckets even and at least 2");
  }
}

void StepHistory::add(StepRow row) {
  if (!recent_.empty() && recent_.back().step >= row.step) {
    throw std::invalid_argument("StepCompleted for step " + std::to_string(row.step) + " after step " +
                                std::to_string(recent_.back().step));
  }
  // Bucket of this row by its ordinal, so bounds depend only on the number of steps.
  if (steps_ / width_ >= limits_.max_buckets) {
    std::vector<StepBucket> merged;
    merged.reserve(limits_.max_buckets);
    for (std::size_t i = 0; i + 1 < buckets_.size(); i += 2) {
      StepBucket b = buckets_[i];
      b.last_step = buckets_[i + 1].last_step;
      b.steps += buckets_[i + 1].steps;
      add_totals(b.totals, buckets_[i + 1].totals);
      merged.push_back(b);
    }
    buckets_ = std::move(merged);
    width_ *= 2;
  }
  if (buckets_.size() <= steps_ / width_) buckets_.push_back(StepBucket{row.step, row.step, 0, {}});
  auto& bucket = buckets_.back();
  bucket.last_step = row.step;
  ++bucket.steps;
  add_row(bucket.totals, row);
  ++steps_;
  recent_.push_back(std::move(row));
  if (recent_.size() > limits_.recent_steps) recent_.pop_front();
}

StepHistory StepHistory::restore(HistoryLimits limits, std::deque<StepRow> recent, std::vector<StepBucket> buckets,
                                 std::uint64_t width, std::uint64_t steps) {
  StepHistory h(limits);
  std::uint64_t bucketed = 0;
  for (const auto& b : buckets) bucketed += b.steps;
  if (recent.size() > limits.recent_steps || buckets.size() > limits.max_buckets || width < limits.bucket_steps ||
      bucketed != steps || recent.size() > steps || (steps > 0 && buckets.size() != (steps - 1) / width + 1)) {
    throw std::invalid_argument("step history does not fit its limits");
  }
  h.recent_ = std::move(recent);
  h.buckets_ = std::move(buckets);
  h.width_ = width;
  h.steps_ = steps;
  return h;
}

}  // namespace dais::projections

// Per-feature mean and standard deviation over a bounded window of recent
// feature vectors, for z-scores (x - mean) / sd. The window is a ring: adding
// beyond capacity forgets the oldest vector. SDs are floored at kMinSd so a
// near-constant feature (e.g. failed logins on a quiet segment) cannot blow a
// z-score up to infinity. add() only records; the statistics are recomputed
// exactly on the first read after a change (most windows change every step and
// are read far less often), or at once by refresh(). Value type; not
// thread-safe while mutated, and a read may recompute the cache: call refresh()
// before several threads read one Standardizer at once. No I/O.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include "agents/features.h"

namespace dais::agents {

class Standardizer {
 public:
  static constexpr double kMinSd = 0.05;

  // capacity >= 1 (std::invalid_argument otherwise).
  explicit Standardizer(std::size_t capacity = 1024);

  void add(const FeatureVector& features);
  // Recomputes mean and sd from the window now (exactly, so no drift over long runs).
  void refresh() const;
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return ring_.size(); }

  // Mean / sd of the window as it is; mean 0 and sd 1 while it is empty.
  const std::array<double, kFeatureCount>& mean() const {
    if (stale_) refresh();
    return mean_;
  }
  const std::array<double, kFeatureCount>& sd() const {
    if (stale_) refresh();
    return sd_;
  }
  std::array<double, kFeatureCount> standardise(const FeatureVector& features) const;

  // Everything it holds, for engine snapshots (server/engine_snapshot.h): restore(state())
  // gives an equal standardizer. window is ring slots [0, size()); next the slot written next.
  struct State {
    std::vector<FeatureVector> window;
    std::size_t next = 0;
    std::array<double, kFeatureCount> mean{}, sd{};
  };
  State state() const;
  // std::invalid_argument when the state cannot come from a standardizer of this capacity.
  void restore(State state);

 private:
  std::vector<FeatureVector> ring_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  // A cache of the window's statistics, valid unless stale_.
  mutable std::array<double, kFeatureCount> mean_{};
  mutable std::array<double, kFeatureCount> sd_{};
  mutable bool stale_ = false;
};

// Cosine similarity of two vectors; 0 when either has zero length.
double cosine_similarity(const std::array<double, kFeatureCount>& a, const std::array<double, kFeatureCount>& b);

}  // namespace dais::agents

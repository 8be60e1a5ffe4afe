// The recent clean flows an agent trains its model on: a bounded FIFO of
// feature vectors with their source address. Flows from an indicator that the
// agent later blacklists can be purged, so blocked traffic never trains the model.
// Value type; not thread-safe; owned by one agent.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "agents/features.h"

namespace dais::server {

class TrainingWindow {
 public:
  explicit TrainingWindow(std::size_t capacity) : capacity_(capacity) {}

  void add(const agents::FeatureVector& features, std::uint32_t source) {
    entries_.push_back({features, source});
    if (entries_.size() > capacity_) entries_.pop_front();
  }
  // Removes every flow whose source lies in the prefix (indicator, prefix_len), one
  // address for 32; returns how many were removed.
  std::size_t purge(std::uint32_t indicator, unsigned prefix_len = 32);
  bool contains(std::uint32_t source) const;
  std::size_t size() const { return entries_.size(); }
  // Row-major copy, oldest first: the training matrix.
  std::vector<float> rows() const;

 private:
  friend class EngineSnapshot;  // server/engine_snapshot.h
  struct Entry {
    agents::FeatureVector features;
    std::uint32_t source;
  };
  std::size_t capacity_;
  std::deque<Entry> entries_;
};

}  // namespace dais::server

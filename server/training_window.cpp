#include "server/training_window.h"

#include <algorithm>

#include "agents/indicator.h"

namespace dais::server {

std::size_t TrainingWindow::purge(std::uint32_t indicator, unsigned prefix_len) {
  const auto before = entries_.size();
  // agents::covers with the mask computed once: every agent scans its whole window for every
  // indicator that reaches it, so this loop runs millions of times a step at 1000 agents.
  const std::uint32_t mask = agents::prefix_mask(prefix_len);
  const std::uint32_t network = indicator & mask;
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const Entry& e) { return (e.source & mask) == network; }),
                 entries_.end());
  return before - entries_.size();
}

bool TrainingWindow::contains(std::uint32_t source) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.source == source; });
}

std::vector<float> TrainingWindow::rows() const {
  std::vector<float> out;
  out.reserve(entries_.size() * agents::kFeatureCount);
  for (const auto& e : entries_) out.insert(out.end(), e.features.begin(), e.features.end());
  return out;
}

}  // namespace dais::server

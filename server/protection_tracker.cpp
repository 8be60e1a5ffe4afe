#include "server/protection_tracker.h"

#include <algorithm>

namespace dais::server {

void ProtectionTracker::add_campaigns(const std::vector<agents::Campaign>& campaigns) {
  for (std::size_t c = known_campaigns_; c < campaigns.size(); ++c) {
    const auto& campaign = campaigns[c];
    for (std::size_t i = 0; i < campaign.targets.size(); ++i) {
      pairs_.push_back(Pair{static_cast<std::uint32_t>(c), campaign.targets[i], campaign.arrival_step(i), {}});
    }
  }
  known_campaigns_ = campaigns.size();
}

void ProtectionTracker::observe(std::uint64_t step, const std::vector<agents::Campaign>& campaigns,
                                const std::function<bool(std::uint32_t, std::uint32_t)>& blocks) {
  for (auto& pair : pairs_) {
    if (pair.protected_step || pair.arrival_step > step) continue;
    const auto& sources = campaigns[pair.campaign].sources;
    const bool all_blocked =
        std::all_of(sources.begin(), sources.end(), [&](std::uint32_t s) { return blocks(pair.agent, s); });
    if (all_blocked) pair.protected_step = step;
  }
}

std::size_t ProtectionTracker::pairs_arrived(std::uint64_t through_step) const {
  return static_cast<std::size_t>(
      std::count_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) { return p.arrival_step <= through_step; }));
}

std::size_t ProtectionTracker::protected_before_hit() const {
  return static_cast<std::size_t>(std::count_if(pairs_.begin(), pairs_.end(), [](const Pair& p) {
    return p.protected_step && *p.protected_step <= p.arrival_step;
  }));
}

std::size_t ProtectionTracker::protected_after_hit() const {
  return static_cast<std::size_t>(std::count_if(pairs_.begin(), pairs_.end(), [](const Pair& p) {
    return p.protected_step && *p.protected_step > p.arrival_step;
  }));
}

double ProtectionTracker::mean_time_to_protect() const {
  double sum = 0;
  std::size_t n = 0;
  for (const auto& p : pairs_) {
    if (!p.protected_step) continue;
    sum += static_cast<double>(*p.protected_step > p.arrival_step ? *p.protected_step - p.arrival_step : 0);
    ++n;
  }
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace dais::server

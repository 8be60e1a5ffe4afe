// Time-to-protect, measured from ground truth: for each campaign and each
// agent it reaches, was the agent already blocking every source of the
// campaign when it arrived, and if not, how many steps until it did.
// Not thread-safe; owned by the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "agents/campaigns.h"

namespace dais::server {

class ProtectionTracker {
 public:
  struct Pair {
    std::uint32_t campaign = 0;
    std::uint32_t agent = 0;
    std::uint64_t arrival_step = 0;
    std::optional<std::uint64_t> protected_step;  // first step at whose start every source was blocked
  };

  // Registers every (campaign, target) pair of these campaigns not yet known.
  void add_campaigns(const std::vector<agents::Campaign>& campaigns);

  // Called at the start of `step`, before traffic is observed, with a predicate
  // telling whether an agent currently blocks an address.
  void observe(std::uint64_t step, const std::vector<agents::Campaign>& campaigns,
               const std::function<bool(std::uint32_t agent, std::uint32_t address)>& blocks);

  std::size_t pairs_arrived(std::uint64_t through_step) const;
  std::size_t protected_before_hit() const;
  std::size_t protected_after_hit() const;
  // Mean over arrived pairs that got protected (0 for protected before the hit).
  double mean_time_to_protect() const;

 private:
  std::vector<Pair> pairs_;
  std::size_t known_campaigns_ = 0;
};

}  // namespace dais::server

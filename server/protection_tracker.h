// Time-to-protect, measured from ground truth: for each campaign and each
// agent it reaches, was the agent already blocking every source the campaign
// uses there (agents::sources_at: with an infrastructure, the target's own
// subset at that step) when it arrived, and if not, how many steps until it did.
// figures() reports them so that they cannot flatter: pairs never protected
// are counted and shared out, the mean over protected pairs is absent (not 0)
// when none was protected, and a censored mean counts every unprotected pair
// as unprotected up to the run's end; per attack kind on request.
// Not thread-safe; owned by the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "agents/campaigns.h"

namespace dais::server {

// Attack flows of one campaign kind and how many of them were detected (flagged or blocked).
struct KindDetection {
  std::uint64_t attack_flows = 0, detected = 0;
};

class ProtectionTracker {
 public:
  struct Pair {
    std::uint32_t campaign = 0;
    agents::CampaignKind kind = agents::CampaignKind::port_scan;
    std::uint32_t agent = 0;
    std::uint64_t arrival_step = 0;
    std::size_t target_index = 0;  // the agent's position in the campaign's targets
    std::optional<std::uint64_t> protected_step;  // first step at whose start every source was blocked
    agents::SlotGenerations generations;          // memo of sources_at for this target (not state)
  };

  // Registers every (campaign, target) pair of these campaigns not yet known.
  void add_campaigns(const std::vector<agents::Campaign>& campaigns);

  // Called at the start of `step`, before traffic is observed, with a predicate
  // telling whether an agent currently blocks an address.
  void observe(std::uint64_t step, const std::vector<agents::Campaign>& campaigns,
               const std::function<bool(std::uint32_t agent, std::uint32_t address)>& blocks);

  struct Figures {
    std::size_t arrived = 0;  // pairs whose campaign reached the agent by the last step
    std::size_t protected_before_hit = 0, protected_after_hit = 0, never_protected = 0;
    // Steps from arrival to protection (0 when protected before the hit), over protected
    // pairs; nullopt when no pair was protected.
    std::optional<double> time_to_protect_mean;
    // The same over every arrived pair, an unprotected one counting the steps from its
    // arrival to the end of the run (last_step + 1): a lower bound that never hides the
    // pairs left unprotected; nullopt when no pair arrived.
    std::optional<double> time_to_protect_censored_mean;
    double share_before_hit() const;   // of arrived pairs; 0 when none arrived
    double share_never_protected() const;
  };
  // Over the pairs arrived by `last_step` (the run's last step), of one kind when given.
  Figures figures(std::uint64_t last_step, std::optional<agents::CampaignKind> kind = std::nullopt) const;

 private:
  friend class EngineSnapshot;  // server/engine_snapshot.h
  std::vector<Pair> pairs_;
  std::size_t known_campaigns_ = 0;
};

}  // namespace dais::server

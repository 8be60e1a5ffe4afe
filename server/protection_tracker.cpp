#include "server/protection_tracker.h"

#include <algorithm>

namespace dais::server {

void ProtectionTracker::add_campaigns(const std::vector<agents::Campaign>& campaigns) {
  for (std::size_t c = known_campaigns_; c < campaigns.size(); ++c) {
    const auto& campaign = campaigns[c];
    for (std::size_t i = 0; i < campaign.targets.size(); ++i) {
      pairs_.push_back(
          Pair{static_cast<std::uint32_t>(c), campaign.kind, campaign.targets[i], campaign.arrival_step(i), i, {}, {}});
    }
  }
  known_campaigns_ = campaigns.size();
}

void ProtectionTracker::observe(std::uint64_t step, const std::vector<agents::Campaign>& campaigns,
                                const std::function<bool(std::uint32_t, std::uint32_t)>& blocks) {
  for (auto& pair : pairs_) {
    if (pair.protected_step || pair.arrival_step > step) continue;
    const auto& campaign = campaigns[pair.campaign];
    // Classroom campaigns use the same fixed sources everywhere: read them in place.
    std::vector<std::uint32_t> current;
    if (campaign.infrastructure.pool_size > 0) {
      current = agents::sources_at(campaign, pair.target_index, step, pair.generations);
    }
    const auto& sources = campaign.infrastructure.pool_size > 0 ? current : campaign.sources;
    const bool all_blocked =
        std::all_of(sources.begin(), sources.end(), [&](std::uint32_t s) { return blocks(pair.agent, s); });
    if (all_blocked) pair.protected_step = step;
  }
}

namespace {
double share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}
}  // namespace

double ProtectionTracker::Figures::share_before_hit() const { return share(protected_before_hit, arrived); }

double ProtectionTracker::Figures::share_never_protected() const { return share(never_protected, arrived); }

ProtectionTracker::Figures ProtectionTracker::figures(std::uint64_t last_step,
                                                      std::optional<agents::CampaignKind> kind) const {
  Figures f;
  double protected_sum = 0, censored_sum = 0;
  for (const auto& p : pairs_) {
    if (p.arrival_step > last_step || (kind && p.kind != *kind)) continue;
    ++f.arrived;
    if (!p.protected_step) {
      ++f.never_protected;
      censored_sum += static_cast<double>(last_step + 1 - p.arrival_step);
      continue;
    }
    const auto steps = *p.protected_step - p.arrival_step;  // observe() never protects before arrival
    (steps == 0 ? f.protected_before_hit : f.protected_after_hit) += 1;
    protected_sum += static_cast<double>(steps);
    censored_sum += static_cast<double>(steps);
  }
  const auto protected_pairs = f.protected_before_hit + f.protected_after_hit;
  if (protected_pairs > 0) f.time_to_protect_mean = protected_sum / static_cast<double>(protected_pairs);
  if (f.arrived > 0) f.time_to_protect_censored_mean = censored_sum / static_cast<double>(f.arrived);
  return f;
}

}  // namespace dais::server

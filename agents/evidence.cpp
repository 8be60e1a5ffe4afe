#include "agents/evidence.h"

namespace dais::agents {

Verdict judge(const EvidenceCount& count, const ValidatorViewParams& params) {
  const std::uint64_t total = count.clean + count.flagged;
  if (total == 0) return Verdict::none;
  const double share = static_cast<double>(count.flagged) / static_cast<double>(total);
  if (count.clean >= params.benign_min_clean && share <= params.benign_max_flagged_share) return Verdict::dispute;
  if (count.flagged >= params.min_flagged && share >= params.suspicious_min_flagged_share) return Verdict::corroborate;
  return Verdict::none;
}

bool should_revoke(std::uint32_t disputes, double dispute_weight, double corroboration_weight) {
  return disputes >= kMinDisputes && dispute_weight > corroboration_weight;
}

}  // namespace dais::agents

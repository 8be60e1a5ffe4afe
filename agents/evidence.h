// Later evidence about an accepted signature (validation.defence evidence): an agent that
// blocks the signature's indicator keeps scoring the blocked flows with its own model and
// counts them here; once they give the indicator a standing, the agent judges the signature.
// The standing uses the validator's own rule (ValidatorViewParams): at least benign_min_clean
// clean flows with at most benign_max_flagged_share flagged -> dispute (the source behaves
// benignly here); at least min_flagged flagged making up at least
// suspicious_min_flagged_share -> corroborate (it is seen attacking); otherwise no judgement
// yet. Revocation: an accepted signature is revoked once at least kMinDisputes agents dispute
// it and the reputation weight of its disputes exceeds that of its corroborations.
// Flow::label is never read (nothing here sees flows at all: only the agent's own counts).
// Pure functions and plain values; no I/O; thread-compatible.
#pragma once

#include <cstdint>

#include "agents/validation.h"

namespace dais::agents {

// Blocked flows from one indicator, scored by the agent's own model since it listed it.
struct EvidenceCount {
  std::uint64_t clean = 0;
  std::uint64_t flagged = 0;
  bool operator==(const EvidenceCount&) const = default;
};

enum class Verdict { none, dispute, corroborate };

// The judgement the counts support now (see above).
Verdict judge(const EvidenceCount& count, const ValidatorViewParams& params = {});

// One noisy agent alone never revokes an entry: a revocation needs this many disputing agents.
inline constexpr std::uint32_t kMinDisputes = 2;

// True when disputes outweigh corroborations by the rule above.
bool should_revoke(std::uint32_t disputes, double dispute_weight, double corroboration_weight);

}  // namespace dais::agents

// Events of the evidence defence (validation.defence evidence / evidence_abstain; docs/SIMULATION.md
// "Defences", docs/LOG_FORMAT.md "Event types"): an agent's own later evidence about an accepted
// signature whose entry it holds, and the revocation that enough disputes bring. Kept beside
// events.h rather than in it so that only the code that writes or folds them depends on them.
// Pure value types with their JSON shape; no I/O; thread-compatible. Parsing errors throw
// nlohmann::json exceptions.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::events {

namespace type {
inline constexpr const char* signature_disputed = "SignatureDisputed";
inline constexpr const char* signature_corroborated = "SignatureCorroborated";
inline constexpr const char* signature_revoked = "SignatureRevoked";
}  // namespace type

// The flows from the indicator that the agent's blacklist blocked since it listed it, scored by
// its own model, make the source look benign there (SignatureDisputed) or like an attacker
// (SignatureCorroborated). One judgement per agent and acceptance; `weight` is the agent's
// reputation weight when it judged (1 without consensus.reputation).
struct SignatureDisputed {
  std::string signature_id;
  std::uint32_t agent = 0;
  std::string indicator;
  std::uint64_t clean = 0;    // blocked flows from the indicator its model judged clean
  std::uint64_t flagged = 0;  // and flagged
  double weight = 1;
};

struct SignatureCorroborated {
  std::string signature_id;
  std::uint32_t agent = 0;
  std::string indicator;
  std::uint64_t clean = 0;
  std::uint64_t flagged = 0;
  double weight = 1;
};

// Disputes outweighed corroborations (agents/evidence.h): the indicator leaves the network
// blacklist and every agent's list at once, as with BlacklistRemoved.
struct SignatureRevoked {
  std::string signature_id;
  std::string indicator;
  std::uint32_t disputes = 0;
  std::uint32_t corroborations = 0;
  double dispute_weight = 0;
  double corroboration_weight = 0;
};

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SignatureDisputed, signature_id, agent, indicator, clean, flagged, weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SignatureCorroborated, signature_id, agent, indicator, clean, flagged, weight)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SignatureRevoked, signature_id, indicator, disputes, corroborations,
                                   dispute_weight, corroboration_weight)

template <> constexpr const char* type_name<SignatureDisputed>() { return type::signature_disputed; }
template <> constexpr const char* type_name<SignatureCorroborated>() { return type::signature_corroborated; }
template <> constexpr const char* type_name<SignatureRevoked>() { return type::signature_revoked; }

}  // namespace dais::events

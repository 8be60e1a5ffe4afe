// Blocklists of what the network blacklist lists at the export point (live accepted signatures only; a
// signature that later evidence revoked is never a decision or a line, even before its expiry):
//   - CrowdSec decisions, the JSON array `cscli decisions import -i FILE` reads: scope "Ip" or "Range",
//     value, duration (the remaining blacklist time, "<seconds>s"), type "ban", origin "dais", and a
//     reason (CrowdSec's scenario) that says the decision is simulated;
//   - plain text, one address or prefix a line;
//   - CSV with a header line, for firewalls and spreadsheets.
// Rows are sorted by indicator, then signature id. Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "intel/threat_list.h"

namespace dais::intel {

inline constexpr const char* kCrowdSecOrigin = "dais";
inline constexpr const char* kCrowdSecScenario = "dais/simulated-consensus-signature";

nlohmann::json crowdsec_decisions(const ThreatList& list, const ExportClock& clock);
std::string plain_blocklist(const ThreatList& list);
// Columns: indicator,kind,signature_id,round,confidence,decided_seq,decided_hash,expires_at,label
std::string csv_blocklist(const ThreatList& list, const ExportClock& clock);

}  // namespace dais::intel

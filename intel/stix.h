// STIX 2.1 objects for a ThreatList (docs/API.md "STIX 2.1"): one `identity` for the run (UUIDv5 of
// "run/<seq 0 hash>") and, per accepted signature, an `indicator` (UUIDv5 of the signature id; of
// "<id>/<round>" from its second round on, because a revoked id is never reused; every accepted round
// keeps its indicator, so a later export holds every object an earlier one did). Versions are never
// edited in place: version 1 at the decision; a renewed version when blacklist hits moved the expiry
// (modified = the renewing hit's step); a revoked version (`revoked: true`) once it stops blocking, whose
// description also says so when later evidence revoked it (SignatureRevoked).
// Every object carries the label "simulated"; provenance (the decision's seq and event hash) sits in
// external_references. Pure functions; thread-safe; output depends only on the ThreatList and clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "intel/threat_list.h"

namespace dais::intel {

// "identity--<uuid>" of the run.
std::string stix_identity_id(const std::string& run_hash);
// "indicator--<uuid>" of a signature's round.
std::string stix_indicator_id(const std::string& signature_id, std::uint32_t round);
// The STIX pattern for an indicator: [ipv4-addr:value = '…'], [ipv6-addr:value = '…'], or ISSUBSET for a prefix.
std::string stix_pattern(const std::string& indicator, const ParsedIndicator& parsed);

// One object version and the log event whose fold added it (TAXII's date_added and paging cursor):
// seq 0 for the identity, the decision for version 1, the StepCompleted that recorded a renewal, and
// the event that ended the listing for the revoked version.
struct StixVersion {
  nlohmann::json object;
  std::uint64_t added_seq = 0;
  std::uint64_t added_step = 0;
};

// Every object version, in order: the identity, then each signature's versions oldest first.
std::vector<StixVersion> stix_versions(const ThreatList& list, const ExportClock& clock);
// The objects of stix_versions, same order.
nlohmann::json stix_objects(const ThreatList& list, const ExportClock& clock);
// {"type": "bundle", "id": "bundle--<uuid>", "objects": [...]}; the bundle id is UUIDv5 of
// "bundle/<run hash>/<as_of_seq>", so the same log prefix gives the same bundle.
nlohmann::json stix_bundle(const ThreatList& list, const ExportClock& clock);

}  // namespace dais::intel

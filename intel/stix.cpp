#include "intel/stix.h"

#include "intel/uuid5.h"

namespace dais::intel {

namespace {

using nlohmann::json;

std::string escape_stix_string(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

json indicator_version1(const AcceptedSignature& s, const std::string& identity, const ExportClock& clock) {
  const auto decided = step_timestamp(clock, s.decided_step);
  json j = {{"type", "indicator"},
            {"spec_version", "2.1"},
            {"id", stix_indicator_id(s.signature_id, s.round)},
            {"created_by_ref", identity},
            {"created", decided},
            {"modified", decided},
            {"name", "DAIS signature " + s.signature_id.substr(0, 16) + " (" + s.indicator + ")"},
            {"description", "SIMULATED: accepted by consensus in a DAIS simulation run (" + std::to_string(s.yes) +
                                " yes, " + std::to_string(s.no) + " no of " + std::to_string(s.voters) +
                                " eligible voters). Not observed on a real network: do not block real traffic on it."},
            {"indicator_types", json::array({"malicious-activity"})},
            {"pattern", stix_pattern(s.indicator, s.parsed)},
            {"pattern_type", "stix"},
            {"pattern_version", "2.1"},
            {"valid_from", decided},
            {"confidence", s.confidence},
            {"labels", json::array({"simulated"})},
            {"external_references",
             json::array({{{"source_name", "dais"},
                           {"description", "ConsensusReached event of signature " + s.signature_id + " (round " +
                                               std::to_string(s.round) + ") at log seq " +
                                               std::to_string(s.decided_seq)},
                           {"external_id", "seq:" + std::to_string(s.decided_seq)},
                           {"hashes", {{"SHA-256", s.decided_hash}}}}})}};
  if (s.decided_expires > s.decided_step) j["valid_until"] = step_timestamp(clock, s.decided_expires);
  return j;
}

}  // namespace

std::string stix_identity_id(const std::string& run_hash) {
  return "identity--" + uuid5(kExportNamespace, "run/" + run_hash);
}

std::string stix_indicator_id(const std::string& signature_id, std::uint32_t round) {
  return "indicator--" + uuid5(kExportNamespace, round <= 1 ? signature_id : signature_id + "/" + std::to_string(round));
}

std::string stix_pattern(const std::string& indicator, const ParsedIndicator& parsed) {
  const char* object = parsed.kind == AddressKind::ipv4 ? "ipv4-addr" : "ipv6-addr";
  const char* op = parsed.prefix ? "ISSUBSET" : "=";
  return std::string("[") + object + ":value " + op + " '" + escape_stix_string(indicator) + "']";
}

std::vector<StixVersion> stix_versions(const ThreatList& list, const ExportClock& clock) {
  std::vector<StixVersion> versions;
  const auto identity = stix_identity_id(list.run_hash);
  const auto started = step_timestamp(clock, 0);
  versions.push_back({{{"type", "identity"},
                       {"spec_version", "2.1"},
                       {"id", identity},
                       {"created", started},
                       {"modified", started},
                       {"name", "DAIS simulation run " + list.run_hash.substr(0, 16)},
                       {"description", "SIMULATED: the consensus of a DAIS simulation run whose log starts with the "
                                       "event of SHA-256 " + list.run_hash + "."},
                       {"identity_class", "system"},
                       {"labels", json::array({"simulated"})}},
                      0,
                      0});
  for (const auto& s : list.signatures) {
    auto version = indicator_version1(s, identity, clock);
    versions.push_back({version, s.decided_seq, s.decided_step});
    std::uint64_t last_step = s.decided_step;
    for (const auto& renewal : s.renewals) {
      version["modified"] = step_timestamp(clock, renewal.step);
      version["valid_until"] = step_timestamp(clock, renewal.until);
      versions.push_back({version, renewal.at_seq, renewal.at_step});
      last_step = renewal.step;
    }
    if (s.ended_step) {
      // Ended in the step of its latest version (taken over at once): one millisecond later, so no two
      // versions share a `modified`.
      const bool same_step = *s.ended_step <= last_step;
      version["modified"] = step_timestamp(clock, same_step ? last_step : *s.ended_step, same_step ? 1 : 0);
      if (*s.ended_step > s.decided_step) version["valid_until"] = step_timestamp(clock, *s.ended_step);
      version["revoked"] = true;
      if (s.revoked) {
        // Say why, so a consumer does not read the revocation as a plain expiry.
        version["description"] = version["description"].get<std::string>() +
                                 " Revoked at step " + std::to_string(*s.revoked->revoked_step) +
                                 " (log seq " + std::to_string(s.revoked->revoked_seq.value_or(0)) +
                                 "): later evidence from agents that blocked it disputed it (" +
                                 std::to_string(s.revoked->disputes) + " disputes, " +
                                 std::to_string(s.revoked->corroborations) + " corroborations).";
      }
      versions.push_back({std::move(version), s.ended_at_seq, s.ended_at_step});
    }
  }
  return versions;
}

json stix_objects(const ThreatList& list, const ExportClock& clock) {
  json objects = json::array();
  for (auto& v : stix_versions(list, clock)) objects.push_back(std::move(v.object));
  return objects;
}

json stix_bundle(const ThreatList& list, const ExportClock& clock) {
  return {{"type", "bundle"},
          {"id", "bundle--" + uuid5(kExportNamespace, "bundle/" + list.run_hash + "/" + std::to_string(list.as_of_seq))},
          {"objects", stix_objects(list, clock)}};
}

}  // namespace dais::intel

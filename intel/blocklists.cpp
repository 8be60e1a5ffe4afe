#include "intel/blocklists.h"

#include <algorithm>
#include <vector>

namespace dais::intel {

namespace {

// Live signatures sorted by (indicator, signature id): one blacklist entry per indicator at most.
std::vector<const AcceptedSignature*> live(const ThreatList& list) {
  std::vector<const AcceptedSignature*> out;
  for (const auto& s : list.signatures) {
    if (s.live && !s.revoked && s.expires_step > list.now_step) out.push_back(&s);
  }
  std::sort(out.begin(), out.end(), [](const AcceptedSignature* a, const AcceptedSignature* b) {
    return a->indicator != b->indicator ? a->indicator < b->indicator : a->signature_id < b->signature_id;
  });
  return out;
}

const char* kind_name(const ParsedIndicator& p) {
  if (p.kind == AddressKind::ipv4) return p.prefix ? "ipv4-prefix" : "ipv4";
  return p.prefix ? "ipv6-prefix" : "ipv6";
}

}  // namespace

nlohmann::json crowdsec_decisions(const ThreatList& list, const ExportClock& clock) {
  auto out = nlohmann::json::array();
  for (const auto* s : live(list)) {
    const auto seconds = static_cast<std::int64_t>(s->expires_step - list.now_step) * clock.step_seconds;
    out.push_back({{"duration", std::to_string(seconds) + "s"},
                   {"origin", kCrowdSecOrigin},
                   {"reason", kCrowdSecScenario},
                   {"scope", s->parsed.prefix ? "Range" : "Ip"},
                   {"type", "ban"},
                   {"value", s->indicator}});
  }
  return out;
}

std::string plain_blocklist(const ThreatList& list) {
  std::string out;
  for (const auto* s : live(list)) out += s->indicator + "\n";
  return out;
}

std::string csv_blocklist(const ThreatList& list, const ExportClock& clock) {
  std::string out = "indicator,kind,signature_id,round,confidence,decided_seq,decided_hash,expires_at,label\n";
  // Every field is an address, a hex id, a number or a timestamp: none needs quoting.
  for (const auto* s : live(list)) {
    out += s->indicator + "," + kind_name(s->parsed) + "," + s->signature_id + "," + std::to_string(s->round) + "," +
           std::to_string(s->confidence) + "," + std::to_string(s->decided_seq) + "," + s->decided_hash + "," +
           step_timestamp(clock, s->expires_step) + ",simulated\n";
  }
  return out;
}

}  // namespace dais::intel

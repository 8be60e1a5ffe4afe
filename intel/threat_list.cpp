#include "intel/threat_list.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace dais::intel {

std::string step_timestamp(const ExportClock& clock, std::uint64_t step, std::int64_t extra_ms) {
  const std::int64_t ms = (clock.epoch_unix_seconds + static_cast<std::int64_t>(step) * clock.step_seconds) * 1000 +
                          extra_ms;
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ms % 1000));
  return text.data();
}

std::optional<ParsedIndicator> parse_indicator(const std::string& text) {
  ParsedIndicator out;
  std::string address = text;
  int max_prefix = 32;
  const auto slash = text.find('/');
  if (slash != std::string::npos) {
    out.prefix = true;
    address = text.substr(0, slash);
  }
  std::array<unsigned char, 16> buffer{};
  if (inet_pton(AF_INET, address.c_str(), buffer.data()) == 1) {
    out.kind = AddressKind::ipv4;
  } else if (inet_pton(AF_INET6, address.c_str(), buffer.data()) == 1) {
    out.kind = AddressKind::ipv6;
    max_prefix = 128;
  } else {
    return std::nullopt;
  }
  if (out.prefix) {
    const auto length = text.substr(slash + 1);
    if (length.empty() || length.size() > 3 || !std::all_of(length.begin(), length.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      return std::nullopt;
    }
    if (std::stoi(length) > max_prefix) return std::nullopt;
  }
  return out;
}

int vote_confidence(double yes_weight, double no_weight) {
  const double total = yes_weight + no_weight;
  if (!(total > 0)) return 0;
  return static_cast<int>(std::lround(std::clamp(100.0 * yes_weight / total, 0.0, 100.0)));
}

namespace {

// One accepted round: the decision's figures and the network entry's published validity.
struct Round {
  std::uint32_t round = 1;
  std::uint64_t decided_step = 0, decided_seq = 0, expires_step = 0;
  std::string decided_hash;
  std::uint32_t yes = 0, no = 0, voters = 0;
  double yes_weight = 0, no_weight = 0;
  projections::EvidenceRecord evidence;
};

AcceptedSignature accepted_round(const projections::SignatureRecord& r, const Round& round,
                                 const projections::NetworkValidity& validity, const ParsedIndicator& parsed) {
  AcceptedSignature s;
  s.signature_id = r.id;
  s.round = round.round;
  s.indicator = r.indicator;
  s.parsed = parsed;
  s.proposer = r.proposer;
  s.observations = r.observations;
  if (round.decided_seq == 0 || round.decided_hash.empty()) {
    throw ExportError("signature " + r.id + " (round " + std::to_string(round.round) +
                      "): its decision has no log seq or event hash");
  }
  if (validity.decided_step != round.decided_step) {
    throw ExportError("signature " + r.id + " (round " + std::to_string(round.round) +
                      "): the network blacklist has no entry from its decision");
  }
  s.decided_step = round.decided_step;
  s.decided_seq = round.decided_seq;
  s.decided_hash = round.decided_hash;
  s.decided_expires = round.expires_step;
  s.yes = round.yes;
  s.no = round.no;
  s.voters = round.voters;
  s.confidence = vote_confidence(round.yes_weight, round.no_weight);
  s.renewals = validity.renewals;
  s.ended_step = validity.ended_step;
  s.ended_at_seq = validity.ended_at_seq;
  s.ended_at_step = validity.ended_at_step;
  if (round.evidence.revoked_step) {
    if (!validity.ended_step || *validity.ended_step != *round.evidence.revoked_step) {
      throw ExportError("signature " + r.id + " (round " + std::to_string(round.round) +
                        "): revoked, but the network blacklist did not end its entry then");
    }
    s.revoked = round.evidence;
  }
  return s;
}

}  // namespace

ThreatList threat_list(const projections::Projections& projections) {
  ThreatList list;
  list.run_hash = projections.run_hash();
  if (projections.next_seq() == 0) throw ExportError("the log holds no events to export");
  if (list.run_hash.empty()) throw ExportError("the projections were folded without event hashes");
  list.as_of_seq = projections.applied_seq();
  list.now_step = projections.stats().steps_completed();
  const auto& blacklists = projections.blacklists();
  const auto& network = blacklists.network();
  for (const auto* record : projections.signatures().list()) {
    const auto& r = *record;
    // Accepted rounds oldest first; they pair in order with the network entry's validities (the earlier
    // ones, then the current one), because each acceptance opens exactly one validity.
    std::vector<Round> rounds;
    for (const auto& d : r.history) {
      if (d.accepted) {
        rounds.push_back(Round{d.round, d.decided_step, d.decided_seq, d.expires_step, d.decided_hash, d.yes, d.no,
                               d.voters, d.yes_weight, d.no_weight, d.evidence});
      }
    }
    // A revoked round was accepted and published: it stays in the export, as ended.
    const bool current =
        r.status == projections::SignatureStatus::accepted || r.status == projections::SignatureStatus::revoked;
    if (current) {
      if (!r.decided_step || !r.decided_seq) {
        throw ExportError("signature " + r.id + ": its decision has no log seq or event hash");
      }
      rounds.push_back(Round{r.round, *r.decided_step, *r.decided_seq, r.expires_step.value_or(*r.decided_step),
                             r.decided_hash, r.yes.value_or(0), r.no.value_or(0), r.voters.value_or(0),
                             r.yes_weight.value_or(0), r.no_weight.value_or(0), r.evidence});
    }
    if (rounds.empty()) continue;
    const auto parsed = parse_indicator(r.indicator);
    if (!parsed) {
      throw ExportError("signature " + r.id + ": indicator '" + r.indicator +
                        "' is not an IPv4/IPv6 address or CIDR prefix");
    }
    std::vector<const projections::NetworkValidity*> validities;
    for (const auto& v : blacklists.earlier_network_validity(r.id)) validities.push_back(&v);
    if (const auto* v = blacklists.network_validity(r.id)) validities.push_back(v);
    if (validities.size() != rounds.size()) {
      throw ExportError("signature " + r.id + ": the network blacklist has no entry from its decision");
    }
    for (std::size_t i = 0; i < rounds.size(); ++i) {
      auto s = accepted_round(r, rounds[i], *validities[i], *parsed);
      if (current && i + 1 == rounds.size()) {
        const auto entry = network.find(r.indicator);
        s.live = !s.revoked && !s.ended_step && entry != network.end() && entry->second.signature_id == r.id;
        s.expires_step = s.live ? entry->second.expires_step : validities[i]->valid_until;
      } else {
        s.expires_step = validities[i]->valid_until;
      }
      list.signatures.push_back(std::move(s));
    }
  }
  std::sort(list.signatures.begin(), list.signatures.end(),
            [](const AcceptedSignature& a, const AcceptedSignature& b) { return a.decided_seq < b.decided_seq; });
  return list;
}

}  // namespace dais::intel

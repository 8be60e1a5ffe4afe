// What every export format is made of: the run's accepted signatures as of the folded seq (also those
// that later evidence revoked: what a feed once published stays, marked as revoked), each with its
// decision's provenance (log seq and event hash), its vote, its indicator parsed as an address or prefix,
// and whether the network blacklist still lists it. Built from the projections alone (a pure read; no I/O),
// in decision order (the decision's seq), so every export of the same log prefix is the same.
// Simulation time maps to timestamps through ExportClock: step s is epoch + s * step_seconds, never the
// wall clock (docs/API.md "Exports").
// Thread safety: pure functions over a const Projections; thread-safe.
// Errors: ExportError when the projections lack what an export needs (folded without event hashes) or a
// signature's indicator is not an IPv4/IPv6 address or CIDR prefix; the message names the signature.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "projections/projections.h"

namespace dais::intel {

class ExportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ExportClock {
  std::int64_t epoch_unix_seconds = 1577836800;  // 2020-01-01T00:00:00Z
  std::int64_t step_seconds = 60;
};

// RFC 3339 UTC with milliseconds ("2020-01-01T00:01:00.000Z") of step `step` plus `extra_ms`.
std::string step_timestamp(const ExportClock& clock, std::uint64_t step, std::int64_t extra_ms = 0);

enum class AddressKind { ipv4, ipv6 };

struct ParsedIndicator {
  AddressKind kind = AddressKind::ipv4;
  bool prefix = false;  // "a.b.c.d/len" rather than one address
};

// Parses "192.0.2.7", "2001:db8::1", "198.51.100.0/24" or "2001:db8::/32"; nullopt for anything else.
std::optional<ParsedIndicator> parse_indicator(const std::string& text);

struct AcceptedSignature {
  std::string signature_id;
  std::uint32_t round = 1;
  std::string indicator;
  ParsedIndicator parsed;
  std::uint32_t proposer = 0;
  std::uint32_t observations = 0;
  std::uint64_t decided_step = 0;
  std::uint64_t decided_seq = 0;
  std::string decided_hash;           // SHA-256 of the ConsensusReached event bytes, hex
  std::uint64_t decided_expires = 0;  // the blacklist expiry the decision set
  std::uint32_t yes = 0, no = 0, voters = 0;
  int confidence = 0;                 // 0-100, see vote_confidence
  // Its published validity (projections::NetworkValidity): renewals while hits kept it listed, and the step
  // it stopped blocking. While listed (live), expires_step is the blacklist's current expiry.
  std::vector<projections::Renewal> renewals;
  std::optional<std::uint64_t> ended_step;
  std::uint64_t ended_at_seq = 0, ended_at_step = 0;  // with ended_step: the event that recorded the end
  bool live = false;  // never for a revoked round
  std::uint64_t expires_step = 0;
  // Set when later evidence revoked this round (SignatureRevoked, validation.defence evidence): the
  // disputes and corroborations that decided it. Its listing ended at that step (ended_step).
  std::optional<projections::EvidenceRecord> revoked;
};

struct ThreatList {
  std::string run_hash;           // the stored hash of seq 0, names the run
  std::uint64_t as_of_seq = 0;    // the last folded seq
  std::uint64_t now_step = 0;     // the step the next event belongs to (steps completed)
  std::vector<AcceptedSignature> signatures;  // decision order
};

// Confidence 0-100 from the vote: the approving share of the weighted ballots (yes_weight / (yes_weight +
// no_weight)), rounded to the nearest integer; 0 when no ballot was cast.
int vote_confidence(double yes_weight, double no_weight);

// Every accepted round of every signature of `projections`: a signature accepted, expired and accepted
// again appears once per accepted round (its earlier rounds ended, so never live), because what a feed
// once published must stay in every later export.
ThreatList threat_list(const projections::Projections& projections);

}  // namespace dais::intel

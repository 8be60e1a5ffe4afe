// Projection: every signature and its ballots, folded from SignatureProposed,
// SignatureEndorsed, VoteCast and ConsensusReached, and the later evidence about an
// accepted one (events/evidence.h: SignatureDisputed, SignatureCorroborated and
// SignatureRevoked, which moves it from accepted to revoked: validation.defence
// evidence took it off every blacklist, so no view may present it as live).
// Other types are ignored.
// Serves GET /v1/signatures and /v1/signatures/{id} and tells the engine which
// pending signatures reach their deadline.
// Lists are in proposal order (the seq of the signature's latest
// SignatureProposed), so every view is deterministic.
// A signature id is a content hash, so a decided signature can be proposed
// again (after its rejection cool-down or blacklist expiry): that opens a new
// round; the earlier rounds' decisions (with their provenance and tallies) stay in `history`, their
// votes do not.
// Yes/no counts and weights are the ConsensusReached figures (null while
// pending: supporters' weights are not in the log until the decision);
// votes_approve/votes_reject count the VoteCast ballots at any time.
// The decision's seq and event hash (events::Event::hash) are kept for provenance.
// Errors: ProjectionError (fold.h) for malformed data, for a vote, endorsement
// or decision of a signature that is not pending, for a second vote by the
// same voter, for a proposal of a signature that is already pending, and for a
// judgement or revocation of a signature that is not accepted.
// Not internally synchronised: one writer; copy views out for readers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::projections {

enum class SignatureStatus { pending, accepted, rejected, revoked };
const char* to_string(SignatureStatus status);
// "pending", "accepted", "rejected", "revoked"; nullopt otherwise.
std::optional<SignatureStatus> parse_signature_status(std::string_view text);

struct VoteRecord {
  std::uint32_t voter = 0;
  bool approve = false;
  double similarity = 0;
  double confidence = 0;
  double weight = 1;
  std::uint64_t step = 0;
  std::uint64_t seq = 0;
};

struct EndorsementRecord {
  std::uint32_t agent = 0;
  double confidence = 0;
  std::uint32_t observations = 0;
  std::uint64_t step = 0;
};

// The later evidence about one accepted round (validation.defence evidence): the judgements
// logged so far, and the revocation when disputes outweighed corroborations. At the
// revocation the figures are the SignatureRevoked event's (the engine's own tally).
struct EvidenceRecord {
  std::uint32_t disputes = 0, corroborations = 0;
  double dispute_weight = 0, corroboration_weight = 0;
  std::optional<std::uint64_t> revoked_step;
  std::optional<std::uint64_t> revoked_seq;  // the SignatureRevoked's log seq and stored hash
  std::string revoked_hash;                  // (empty when the fold was given no hashes)
};

struct DecisionRecord {  // one finished round
  std::uint32_t round = 0;
  std::uint64_t proposed_step = 0;
  std::uint64_t decided_step = 0;
  bool accepted = false;  // by consensus: stays true when evidence revoked it later (see evidence)
  std::string reason;
  // The round's ConsensusReached (exports keep publishing an earlier round's indicator, see intel/):
  // its seq and stored hash, tallies and weights, and the expiry it set when accepted. A round closed
  // without a decision (cannot happen in the engine, which decides every round) keeps zeros.
  std::uint64_t decided_seq = 0;
  std::string decided_hash;
  std::uint32_t yes = 0, no = 0, voters = 0;
  double yes_weight = 0, no_weight = 0;
  std::uint64_t expires_step = 0;
  EvidenceRecord evidence;  // accepted rounds only
};

struct SignatureRecord {
  std::string id;
  SignatureStatus status = SignatureStatus::pending;
  std::uint32_t round = 1;
  std::string indicator;
  std::uint32_t proposer = 0;
  std::vector<EndorsementRecord> endorsers;
  std::vector<double> centroid, lower, upper;
  double confidence = 0;
  std::uint32_t observations = 0;
  std::uint64_t proposed_seq = 0;
  std::uint64_t proposed_step = 0;
  std::uint64_t deadline_step = 0;
  std::vector<VoteRecord> votes;  // log order
  std::uint32_t votes_approve = 0;
  std::uint32_t votes_reject = 0;
  // Set by ConsensusReached:
  std::optional<std::uint64_t> decided_step;
  std::optional<std::uint64_t> decided_seq;  // the decision's log seq and stored hash (provenance for exports);
  std::string decided_hash;                  // the hash is empty when the fold was given no hashes
  std::string reason;
  std::optional<std::uint32_t> yes, no, voters;
  std::optional<double> yes_weight, no_weight;
  std::optional<std::uint64_t> expires_step;  // accepted (and then revoked) only
  EvidenceRecord evidence;                    // of this round, once accepted
  std::vector<DecisionRecord> history;        // earlier rounds, oldest first
};

struct SignatureCounts {
  std::uint64_t pending = 0, accepted = 0, rejected = 0, revoked = 0;
  std::uint64_t total() const { return pending + accepted + rejected + revoked; }
};

class Signatures {
 public:
  void apply(const events::Event& event);

  const SignatureRecord* find(std::string_view id) const;
  // Every signature with this status (all when nullopt), in proposal order.
  std::vector<const SignatureRecord*> list(std::optional<SignatureStatus> status = std::nullopt) const;
  // Pending signatures whose deadline_step == step / <= step, in (deadline, proposal) order.
  std::vector<std::string> pending_due_at(std::uint64_t step) const;
  std::vector<std::string> pending_due_by(std::uint64_t step) const;
  SignatureCounts counts() const;

  // API views. with_votes = false leaves out votes, bounds and centroid (list pages).
  static nlohmann::json view(const SignatureRecord& record, bool with_votes);
  // A page of list(status) views: {"total", "offset", "signatures": [...]}.
  nlohmann::json list_json(std::optional<SignatureStatus> status, std::size_t offset, std::size_t limit) const;
  nlohmann::json counts_json() const;

  // Full state for snapshots; from_json throws ProjectionError on a malformed snapshot.
  nlohmann::json to_json() const;
  static Signatures from_json(const nlohmann::json& json);

 private:
  void on_proposed(const events::Event& event);
  void on_endorsed(const events::Event& event);
  void on_vote(const events::Event& event);
  void on_decided(const events::Event& event);
  void on_judged(const events::Event& event, bool dispute);
  void on_revoked(const events::Event& event);
  SignatureRecord& accepted_record(const events::Event& event, const std::string& id);
  SignatureRecord& pending_record(const events::Event& event, const std::string& id);
  void insert_indices(const SignatureRecord& record);

  std::map<std::string, SignatureRecord, std::less<>> records_;
  std::map<std::uint64_t, std::string> order_;  // proposed_seq -> id
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> pending_by_deadline_;  // (deadline, seq) -> id
  std::map<std::string, std::set<std::uint32_t>, std::less<>> pending_voters_;        // who voted, pending only
  SignatureCounts counts_;
};

}  // namespace dais::projections

#include "projections/signatures.h"

#include "events/evidence.h"
#include "projections/fold.h"

namespace dais::projections {

namespace {

using nlohmann::json;

json vote_json(const VoteRecord& v) {
  return {{"voter", v.voter},     {"approve", v.approve}, {"similarity", v.similarity}, {"confidence", v.confidence},
          {"weight", v.weight},   {"step", v.step},       {"seq", v.seq}};
}

VoteRecord vote_from(const json& j) {
  return VoteRecord{j.at("voter").get<std::uint32_t>(),  j.at("approve").get<bool>(),
                    j.at("similarity").get<double>(),    j.at("confidence").get<double>(),
                    j.at("weight").get<double>(),        j.at("step").get<std::uint64_t>(),
                    j.at("seq").get<std::uint64_t>()};
}

json endorsement_json(const EndorsementRecord& e) {
  return {{"agent", e.agent}, {"confidence", e.confidence}, {"observations", e.observations}, {"step", e.step}};
}

EndorsementRecord endorsement_from(const json& j) {
  return EndorsementRecord{j.at("agent").get<std::uint32_t>(), j.at("confidence").get<double>(),
                           j.at("observations").get<std::uint32_t>(), j.at("step").get<std::uint64_t>()};
}

json evidence_json(const EvidenceRecord& e) {
  return {{"disputes", e.disputes},
          {"corroborations", e.corroborations},
          {"dispute_weight", e.dispute_weight},
          {"corroboration_weight", e.corroboration_weight},
          {"revoked_step", or_null(e.revoked_step)},
          {"revoked_seq", or_null(e.revoked_seq)},
          {"revoked_hash", e.revoked_hash.empty() ? json(nullptr) : json(e.revoked_hash)}};
}

EvidenceRecord evidence_from(const json& j) {
  EvidenceRecord e;
  e.disputes = j.at("disputes").get<std::uint32_t>();
  e.corroborations = j.at("corroborations").get<std::uint32_t>();
  e.dispute_weight = j.at("dispute_weight").get<double>();
  e.corroboration_weight = j.at("corroboration_weight").get<double>();
  e.revoked_step = optional_from<std::uint64_t>(j, "revoked_step");
  e.revoked_seq = optional_from<std::uint64_t>(j, "revoked_seq");
  e.revoked_hash = j.at("revoked_hash").is_null() ? std::string{} : j.at("revoked_hash").get<std::string>();
  return e;
}

json decision_json(const DecisionRecord& d) {
  return {{"round", d.round},         {"proposed_step", d.proposed_step}, {"decided_step", d.decided_step},
          {"accepted", d.accepted},   {"reason", d.reason},               {"decided_seq", d.decided_seq},
          {"decided_hash", d.decided_hash}, {"yes", d.yes},              {"no", d.no},
          {"voters", d.voters},       {"yes_weight", d.yes_weight},       {"no_weight", d.no_weight},
          {"expires_step", d.expires_step}, {"evidence", evidence_json(d.evidence)}};
}

DecisionRecord decision_from(const json& j) {
  DecisionRecord d;
  d.round = j.at("round").get<std::uint32_t>();
  d.proposed_step = j.at("proposed_step").get<std::uint64_t>();
  d.decided_step = j.at("decided_step").get<std::uint64_t>();
  d.accepted = j.at("accepted").get<bool>();
  d.reason = j.at("reason").get<std::string>();
  d.decided_seq = j.at("decided_seq").get<std::uint64_t>();
  d.decided_hash = j.at("decided_hash").get<std::string>();
  d.yes = j.at("yes").get<std::uint32_t>();
  d.no = j.at("no").get<std::uint32_t>();
  d.voters = j.at("voters").get<std::uint32_t>();
  d.yes_weight = j.at("yes_weight").get<double>();
  d.no_weight = j.at("no_weight").get<double>();
  d.expires_step = j.at("expires_step").get<std::uint64_t>();
  d.evidence = evidence_from(j.at("evidence"));
  return d;
}

SignatureRecord record_from(const json& j) {
  SignatureRecord r;
  r.id = j.at("id").get<std::string>();
  const auto status = parse_signature_status(j.at("status").get<std::string>());
  if (!status) throw ProjectionError("signature " + r.id + ": unknown status");
  r.status = *status;
  r.round = j.at("round").get<std::uint32_t>();
  r.indicator = j.at("indicator").get<std::string>();
  r.proposer = j.at("proposer").get<std::uint32_t>();
  for (const auto& e : j.at("endorsers")) r.endorsers.push_back(endorsement_from(e));
  r.centroid = j.at("centroid").get<std::vector<double>>();
  r.lower = j.at("lower").get<std::vector<double>>();
  r.upper = j.at("upper").get<std::vector<double>>();
  r.confidence = j.at("confidence").get<double>();
  r.observations = j.at("observations").get<std::uint32_t>();
  r.proposed_seq = j.at("proposed_seq").get<std::uint64_t>();
  r.proposed_step = j.at("proposed_step").get<std::uint64_t>();
  r.deadline_step = j.at("deadline_step").get<std::uint64_t>();
  for (const auto& v : j.at("votes")) r.votes.push_back(vote_from(v));
  r.votes_approve = j.at("votes_approve").get<std::uint32_t>();
  r.votes_reject = j.at("votes_reject").get<std::uint32_t>();
  r.decided_step = optional_from<std::uint64_t>(j, "decided_step");
  r.decided_seq = optional_from<std::uint64_t>(j, "decided_seq");
  r.decided_hash = j.at("decided_hash").is_null() ? std::string{} : j.at("decided_hash").get<std::string>();
  r.reason = j.at("reason").is_null() ? std::string{} : j.at("reason").get<std::string>();
  r.yes = optional_from<std::uint32_t>(j, "yes");
  r.no = optional_from<std::uint32_t>(j, "no");
  r.voters = optional_from<std::uint32_t>(j, "voters");
  r.yes_weight = optional_from<double>(j, "yes_weight");
  r.no_weight = optional_from<double>(j, "no_weight");
  r.expires_step = optional_from<std::uint64_t>(j, "expires_step");
  r.evidence = evidence_from(j.at("evidence"));
  for (const auto& d : j.at("history")) r.history.push_back(decision_from(d));
  return r;
}

std::uint64_t& count_of(SignatureCounts& counts, SignatureStatus status) {
  switch (status) {
    case SignatureStatus::pending: return counts.pending;
    case SignatureStatus::accepted: return counts.accepted;
    case SignatureStatus::rejected: return counts.rejected;
    case SignatureStatus::revoked: return counts.revoked;
  }
  return counts.pending;  // unreachable: every status is listed above
}

}  // namespace

const char* to_string(SignatureStatus status) {
  switch (status) {
    case SignatureStatus::pending: return "pending";
    case SignatureStatus::accepted: return "accepted";
    case SignatureStatus::rejected: return "rejected";
    case SignatureStatus::revoked: return "revoked";
  }
  return "unknown";
}

std::optional<SignatureStatus> parse_signature_status(std::string_view text) {
  if (text == "pending") return SignatureStatus::pending;
  if (text == "accepted") return SignatureStatus::accepted;
  if (text == "rejected") return SignatureStatus::rejected;
  if (text == "revoked") return SignatureStatus::revoked;
  return std::nullopt;
}

void Signatures::apply(const events::Event& event) {
  if (event.type == events::type::signature_proposed) {
    on_proposed(event);
  } else if (event.type == events::type::signature_endorsed) {
    on_endorsed(event);
  } else if (event.type == events::type::vote_cast) {
    on_vote(event);
  } else if (event.type == events::type::consensus_reached) {
    on_decided(event);
  } else if (event.type == events::type::signature_disputed) {
    on_judged(event, true);
  } else if (event.type == events::type::signature_corroborated) {
    on_judged(event, false);
  } else if (event.type == events::type::signature_revoked) {
    on_revoked(event);
  }
}

void Signatures::insert_indices(const SignatureRecord& r) {
  order_[r.proposed_seq] = r.id;
  if (r.status == SignatureStatus::pending) {
    pending_by_deadline_[{r.deadline_step, r.proposed_seq}] = r.id;
    auto& voted = pending_voters_[r.id];
    for (const auto& v : r.votes) voted.insert(v.voter);
  }
  ++count_of(counts_, r.status);
}

void Signatures::on_proposed(const events::Event& event) {
  auto p = decode<events::SignatureProposed>(event);
  SignatureRecord fresh;
  fresh.id = p.signature_id;
  if (auto it = records_.find(p.signature_id); it != records_.end()) {
    auto& old = it->second;
    if (old.status == SignatureStatus::pending) fail(event, "signature " + p.signature_id + " is already pending");
    fresh.round = old.round + 1;
    fresh.history = std::move(old.history);
    DecisionRecord closed;
    closed.round = old.round;
    closed.proposed_step = old.proposed_step;
    closed.decided_step = old.decided_step.value_or(event.step);
    // A revoked round was accepted by consensus; its evidence says how it ended.
    closed.accepted = old.status == SignatureStatus::accepted || old.status == SignatureStatus::revoked;
    closed.reason = old.reason;
    closed.decided_seq = old.decided_seq.value_or(0);
    closed.decided_hash = old.decided_hash;
    closed.yes = old.yes.value_or(0);
    closed.no = old.no.value_or(0);
    closed.voters = old.voters.value_or(0);
    closed.yes_weight = old.yes_weight.value_or(0);
    closed.no_weight = old.no_weight.value_or(0);
    closed.expires_step = old.expires_step.value_or(0);
    closed.evidence = old.evidence;
    fresh.history.push_back(std::move(closed));
    order_.erase(old.proposed_seq);
    --count_of(counts_, old.status);
    records_.erase(it);
  }
  fresh.indicator = std::move(p.indicator);
  fresh.proposer = p.agent;
  fresh.centroid = std::move(p.centroid);
  fresh.lower = std::move(p.lower);
  fresh.upper = std::move(p.upper);
  fresh.confidence = p.confidence;
  fresh.observations = p.observations;
  fresh.proposed_seq = event.seq;
  fresh.proposed_step = event.step;
  fresh.deadline_step = p.deadline_step;
  insert_indices(fresh);
  records_.emplace(fresh.id, std::move(fresh));
}

SignatureRecord& Signatures::pending_record(const events::Event& event, const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end()) fail(event, "unknown signature " + id);
  if (it->second.status != SignatureStatus::pending) {
    fail(event, "signature " + id + " is " + to_string(it->second.status) + ", not pending");
  }
  return it->second;
}

void Signatures::on_endorsed(const events::Event& event) {
  const auto e = decode<events::SignatureEndorsed>(event);
  auto& r = pending_record(event, e.signature_id);
  r.endorsers.push_back(EndorsementRecord{e.agent, e.confidence, e.observations, event.step});
}

void Signatures::on_vote(const events::Event& event) {
  const auto v = decode<events::VoteCast>(event);
  auto& r = pending_record(event, v.signature_id);
  if (!pending_voters_[v.signature_id].insert(v.voter).second) {
    fail(event, "agent " + std::to_string(v.voter) + " already voted on " + v.signature_id);
  }
  r.votes.push_back(VoteRecord{v.voter, v.approve, v.similarity, v.confidence, v.weight, event.step, event.seq});
  ++(v.approve ? r.votes_approve : r.votes_reject);
}

void Signatures::on_decided(const events::Event& event) {
  const auto d = decode<events::ConsensusReached>(event);
  auto& r = pending_record(event, d.signature_id);
  pending_by_deadline_.erase({r.deadline_step, r.proposed_seq});
  pending_voters_.erase(d.signature_id);
  --counts_.pending;
  r.status = d.accepted ? SignatureStatus::accepted : SignatureStatus::rejected;
  ++count_of(counts_, r.status);
  r.decided_step = event.step;
  r.decided_seq = event.seq;
  r.decided_hash = event.hash;
  r.reason = d.reason;
  r.yes = d.yes;
  r.no = d.no;
  r.voters = d.voters;
  r.yes_weight = d.yes_weight;
  r.no_weight = d.no_weight;
  if (d.accepted) r.expires_step = d.expires_step;
}

SignatureRecord& Signatures::accepted_record(const events::Event& event, const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end()) fail(event, "unknown signature " + id);
  if (it->second.status != SignatureStatus::accepted) {
    fail(event, "signature " + id + " is " + to_string(it->second.status) + ", not accepted");
  }
  return it->second;
}

void Signatures::on_judged(const events::Event& event, bool dispute) {
  std::string id;
  double weight = 0;
  if (dispute) {
    auto d = decode<events::SignatureDisputed>(event);
    id = std::move(d.signature_id);
    weight = d.weight;
  } else {
    auto c = decode<events::SignatureCorroborated>(event);
    id = std::move(c.signature_id);
    weight = c.weight;
  }
  auto& e = accepted_record(event, id).evidence;
  ++(dispute ? e.disputes : e.corroborations);
  (dispute ? e.dispute_weight : e.corroboration_weight) += weight;
}

void Signatures::on_revoked(const events::Event& event) {
  const auto v = decode<events::SignatureRevoked>(event);
  auto& r = accepted_record(event, v.signature_id);
  --counts_.accepted;
  ++counts_.revoked;
  r.status = SignatureStatus::revoked;
  r.evidence.disputes = v.disputes;
  r.evidence.corroborations = v.corroborations;
  r.evidence.dispute_weight = v.dispute_weight;
  r.evidence.corroboration_weight = v.corroboration_weight;
  r.evidence.revoked_step = event.step;
  r.evidence.revoked_seq = event.seq;
  r.evidence.revoked_hash = event.hash;
}

const SignatureRecord* Signatures::find(std::string_view id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

std::vector<const SignatureRecord*> Signatures::list(std::optional<SignatureStatus> status) const {
  std::vector<const SignatureRecord*> out;
  for (const auto& [seq, id] : order_) {
    const auto& r = records_.at(id);
    if (!status || r.status == *status) out.push_back(&r);
  }
  return out;
}

std::vector<std::string> Signatures::pending_due_at(std::uint64_t step) const {
  std::vector<std::string> out;
  for (auto it = pending_by_deadline_.lower_bound({step, 0}); it != pending_by_deadline_.end() && it->first.first == step;
       ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> Signatures::pending_due_by(std::uint64_t step) const {
  std::vector<std::string> out;
  for (const auto& [key, id] : pending_by_deadline_) {
    if (key.first > step) break;
    out.push_back(id);
  }
  return out;
}

SignatureCounts Signatures::counts() const { return counts_; }

json Signatures::view(const SignatureRecord& r, bool with_votes) {
  json j = {{"id", r.id},
            {"status", to_string(r.status)},
            {"round", r.round},
            {"indicator", r.indicator},
            {"proposer", r.proposer},
            {"confidence", r.confidence},
            {"observations", r.observations},
            {"proposed_seq", r.proposed_seq},
            {"proposed_step", r.proposed_step},
            {"deadline_step", r.deadline_step},
            {"decided_step", or_null(r.decided_step)},
            {"decided_seq", or_null(r.decided_seq)},
            {"decided_hash", r.decided_hash.empty() ? json(nullptr) : json(r.decided_hash)},
            {"reason", r.decided_step ? json(r.reason) : json(nullptr)},
            {"yes", or_null(r.yes)},
            {"no", or_null(r.no)},
            {"voters", or_null(r.voters)},
            {"yes_weight", or_null(r.yes_weight)},
            {"no_weight", or_null(r.no_weight)},
            {"expires_step", or_null(r.expires_step)},
            {"votes_approve", r.votes_approve},
            {"votes_reject", r.votes_reject},
            {"evidence", evidence_json(r.evidence)}};
  json endorsers = json::array();
  for (const auto& e : r.endorsers) endorsers.push_back(endorsement_json(e));
  j["endorsers"] = std::move(endorsers);
  json history = json::array();
  for (const auto& d : r.history) history.push_back(decision_json(d));
  j["history"] = std::move(history);
  if (with_votes) {
    j["centroid"] = r.centroid;
    j["lower"] = r.lower;
    j["upper"] = r.upper;
    json votes = json::array();
    for (const auto& v : r.votes) votes.push_back(vote_json(v));
    j["votes"] = std::move(votes);
  }
  return j;
}

json Signatures::list_json(std::optional<SignatureStatus> status, std::size_t offset, std::size_t limit) const {
  const auto all = list(status);
  json page = json::array();
  for (std::size_t i = offset; i < all.size() && page.size() < limit; ++i) page.push_back(view(*all[i], false));
  return {{"total", all.size()}, {"offset", offset}, {"signatures", std::move(page)}};
}

json Signatures::counts_json() const {
  return {{"pending", counts_.pending},
          {"accepted", counts_.accepted},
          {"rejected", counts_.rejected},
          {"revoked", counts_.revoked},
          {"total", counts_.total()}};
}

json Signatures::to_json() const {
  json all = json::array();
  for (const auto* r : list()) all.push_back(view(*r, true));
  return {{"signatures", std::move(all)}};
}

Signatures Signatures::from_json(const json& j) {
  Signatures s;
  try {
    for (const auto& item : j.at("signatures")) {
      auto r = record_from(item);
      if (s.records_.count(r.id)) throw ProjectionError("signature " + r.id + " appears twice");
      s.insert_indices(r);
      s.records_.emplace(r.id, std::move(r));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ProjectionError(std::string("malformed signatures snapshot: ") + e.what());
  }
  return s;
}

}  // namespace dais::projections

#include "server/consensus_round.h"

#include <algorithm>
#include <utility>

#include "agents/features.h"
#include "agents/indicator.h"
#include "events/evidence.h"

namespace dais::server {

ConsensusRound::ConsensusRound(const EngineSettings& settings)
    : seed_(settings.seed),
      network_(settings.seed, settings.network, settings.agents),
      params_(settings.consensus),
      protected_(settings.protected_addresses),
      blacklist_expiry_(settings.blacklist_expiry),
      reputation_(settings.consensus.reputation, settings.validation.evidence),
      evidence_(settings.validation.evidence) {}

double ConsensusRound::ballot_weight(std::uint32_t agent) const {
  return params_.reputation ? reputation_.weight(agent) : 1.0;
}

void ConsensusRound::offer(std::uint64_t step, const Finding& finding, std::span<const std::uint32_t> active,
                           std::vector<Produced>& out, events::StepCompleted& stats) {
  const auto& sig = finding.signature;
  if (const auto it = network_blacklist_.find(sig.indicator);
      it != network_blacklist_.end() && step < it->second.expires_step) {
    return;  // already decided and in force
  }
  if (auto it = pending_.find(sig.id); it != pending_.end()) {
    auto& pending = it->second;
    if (std::find(pending.supporters.begin(), pending.supporters.end(), finding.agent) != pending.supporters.end()) {
      return;
    }
    // A voter's logged VoteCast is its one ballot: finding the signature later does not turn
    // a no into a yes (an endorsement inside the electorate would count as one).
    if (pending.votes.count(finding.agent)) return;
    pending.supporters.push_back(finding.agent);
    pending.support_arrives[finding.agent] =
        network_.arrival(Message::endorsement, pending.key, finding.agent, pending.proposer, step).value_or(kNever);
    ++stats.endorsed;
    out.push_back(produce(step, events::SignatureEndorsed{sig.id, finding.agent, sig.confidence, sig.observations}));
    return;
  }
  if (auto it = rejected_until_.find(sig.id); it != rejected_until_.end() && step < it->second) return;

  const auto indicator_text = agents::format_indicator(sig.indicator, sig.prefix_len);
  PendingSignature pending;
  pending.signature = sig;
  pending.proposer = finding.agent;
  pending.poisoned = finding.forged;
  pending.benign_indicator = finding.benign_indicator;
  pending.proposed_step = step;
  pending.deadline_step = step + params_.window - 1;
  pending.supporters = {finding.agent};
  events::SignatureProposed proposed;
  proposed.signature_id = sig.id;
  proposed.agent = finding.agent;
  proposed.indicator = indicator_text;
  proposed.centroid.assign(sig.centroid.begin(), sig.centroid.end());
  proposed.lower.assign(sig.lower.begin(), sig.lower.end());
  proposed.upper.assign(sig.upper.begin(), sig.upper.end());
  proposed.confidence = sig.confidence;
  proposed.observations = sig.observations;
  proposed.deadline_step = pending.deadline_step;
  out.push_back(produce(step, proposed));
  ++stats.proposed;
  if (pending.poisoned) ++truth_.poisoned_proposed;
  if (pending.benign_indicator) ++truth_.benign_signatures_proposed;
  if (!pending.benign_indicator) ++truth_.attack_signatures_proposed;

  if (protected_.contains(indicator_text)) {
    // Rejected by rule: no signature may blacklist the network's own critical services.
    events::ConsensusReached decided;
    decided.signature_id = sig.id;
    decided.accepted = false;
    decided.reason = projections::reason::protected_address;
    decided.indicator = indicator_text;
    out.push_back(produce(step, decided));
    ++stats.rejected;
    ++truth_.protected_rejections;
    rejected_until_[sig.id] = step + params_.window;
    return;
  }
  pending.committee = projections::select_committee(sig.id, seed_, active, params_.committee, finding.agent);
  pending.key = projections::fnv1a64(sig.id);
  pending.reaches.reserve(pending.committee.size());
  for (auto member : pending.committee) {
    pending.reaches.push_back(
        network_.arrival(Message::proposal, pending.key, finding.agent, member, step).value_or(kNever));
  }
  order_.push_back(sig.id);
  pending_.emplace(sig.id, std::move(pending));
}

std::vector<std::vector<Ballot>> ConsensusRound::ballots_owed(std::size_t agent_count,
                                                              std::span<const std::uint32_t> active,
                                                              std::uint64_t step) const {
  std::vector<std::vector<Ballot>> per_voter(agent_count);
  for (std::size_t s = 0; s < order_.size(); ++s) {
    const auto& p = open(s);
    for (std::size_t m = 0; m < p.committee.size(); ++m) {
      const auto voter = p.committee[m];
      if (p.reaches[m] > step) continue;  // the proposal has not reached it (or never will)
      if (!std::binary_search(active.begin(), active.end(), voter) || p.votes.count(voter)) continue;
      if (std::find(p.supporters.begin(), p.supporters.end(), voter) != p.supporters.end()) continue;
      Ballot ballot{s, voter, {}};
      ballot.vote.signature_id = p.signature.id;
      ballot.vote.voter = voter;
      ballot.vote.weight = ballot_weight(voter);
      per_voter[voter].push_back(std::move(ballot));
    }
  }
  return per_voter;
}

void ConsensusRound::record(std::uint64_t step, std::vector<std::vector<Ballot>> ballots, std::vector<Produced>& out,
                            events::StepCompleted& stats) {
  std::vector<std::vector<events::VoteCast>> by_signature(order_.size());
  for (auto& group : ballots) {
    for (auto& b : group) {
      if (!b.abstain) by_signature.at(b.signature).push_back(std::move(b.vote));
    }
  }
  for (std::size_t s = 0; s < order_.size(); ++s) {
    auto& votes = by_signature[s];
    std::sort(votes.begin(), votes.end(), [](const auto& a, const auto& b) { return a.voter < b.voter; });
    auto& pending = pending_.at(order_[s]);
    for (auto& v : votes) {
      out.push_back(produce(step, v));
      ++stats.votes;
      pending.vote_arrives[v.voter] =
          network_.arrival(Message::vote, pending.key, v.voter, pending.proposer, step).value_or(kNever);
      pending.votes.emplace(v.voter, std::move(v));
    }
  }
}

std::vector<agents::Signature> ConsensusRound::received_by(std::uint32_t agent, std::uint64_t step) const {
  std::vector<agents::Signature> out;
  for (const auto& id : order_) {
    const auto& p = pending_.at(id);
    const auto it = std::lower_bound(p.committee.begin(), p.committee.end(), agent);
    if (it == p.committee.end() || *it != agent) continue;
    if (p.reaches[static_cast<std::size_t>(it - p.committee.begin())] <= step) out.push_back(p.signature);
  }
  return out;
}

std::vector<AcceptedSignature> ConsensusRound::decide(std::uint64_t step, std::vector<Produced>& out,
                                                      events::StepCompleted& stats) {
  std::vector<AcceptedSignature> accepted;
  std::vector<std::string> still_pending;
  for (const auto& id : order_) {
    auto& p = pending_.at(id);
    // Endorsers inside the committee support it with their ballot; crashed members simply do
    // not vote, which is how crashes weigh on the quorum.
    // Only the ballots that have reached the proposer by now count.
    projections::Tally tally;
    tally.add_support(p.proposer, ballot_weight(p.proposer));
    for (auto supporter : p.supporters) {
      const auto arrives = p.support_arrives.find(supporter);
      if (arrives != p.support_arrives.end() && arrives->second > step) continue;
      if (std::binary_search(p.committee.begin(), p.committee.end(), supporter)) {
        tally.add_support(supporter, ballot_weight(supporter));
      }
    }
    for (const auto& [voter, vote] : p.votes) {
      if (p.vote_arrives.at(voter) <= step) tally.add_vote(voter, vote.approve, vote.weight);
    }
    const auto eligible = static_cast<std::uint32_t>(p.committee.size() + 1);
    const auto outcome = projections::evaluate(tally, eligible, params_, step, p.deadline_step);
    if (!outcome) {
      still_pending.push_back(id);
      continue;
    }
    events::ConsensusReached decided;
    decided.signature_id = id;
    decided.accepted = outcome->accepted;
    decided.yes = tally.yes;
    decided.no = tally.no;
    decided.voters = eligible;
    decided.yes_weight = tally.yes_weight;
    decided.no_weight = tally.no_weight;
    decided.reason = outcome->reason;
    decided.indicator = agents::format_indicator(p.signature.indicator, p.signature.prefix_len);
    if (outcome->accepted) {
      decided.expires_step = step + blacklist_expiry_;
      network_blacklist_[p.signature.indicator] = NetworkBlock{id, step + blacklist_expiry_};
      accepted.push_back(AcceptedSignature{id, p.signature.indicator, p.proposer});
      ++stats.accepted;
      if (p.poisoned) ++truth_.poisoned_accepted;
      if (p.benign_indicator) ++truth_.benign_signatures_accepted;
      if (!p.benign_indicator) ++truth_.attack_signatures_accepted;
      if (evidence_) {
        judged_[id] = JudgedSignature{id, p.signature.indicator, p.signature.prefix_len, p.proposer, p.supporters,
                                      p.votes, p.poisoned, p.benign_indicator, {}, 0, 0, 0, 0};
      }
    } else {
      ++stats.rejected;
      rejected_until_[id] = step + params_.window;
    }
    reputation_.record(decided, p.proposer, p.supporters, p.votes);
    out.push_back(produce(step, decided));
    pending_.erase(id);
  }
  order_ = std::move(still_pending);
  return accepted;
}

void ConsensusRound::renew(std::uint32_t indicator, std::uint64_t step) {
  const auto it = network_blacklist_.find(indicator);
  if (it == network_blacklist_.end() || step >= it->second.expires_step) return;
  it->second.expires_step = std::max(it->second.expires_step, step + blacklist_expiry_);
}

void ConsensusRound::expire(std::uint64_t step) {
  for (auto it = network_blacklist_.begin(); it != network_blacklist_.end();) {
    it = it->second.expires_step <= step ? network_blacklist_.erase(it) : std::next(it);
  }
  for (auto it = judged_.begin(); it != judged_.end();) {  // no entry in force: nothing left to judge
    const auto block = network_blacklist_.find(it->second.indicator);
    const bool in_force = block != network_blacklist_.end() && block->second.signature_id == it->first;
    it = in_force ? std::next(it) : judged_.erase(it);
  }
}

const JudgedSignature* ConsensusRound::judged(const std::string& signature_id) const {
  const auto it = judged_.find(signature_id);
  if (it == judged_.end()) return nullptr;
  const auto block = network_blacklist_.find(it->second.indicator);
  if (block == network_blacklist_.end() || block->second.signature_id != signature_id) return nullptr;
  return &it->second;
}

void ConsensusRound::judge(std::uint64_t step, const std::string& signature_id, std::uint32_t agent, bool dispute,
                           const agents::EvidenceCount& count, std::vector<Produced>& out) {
  auto& j = judged_.at(signature_id);
  if (!j.judges.insert(agent).second) return;
  const double weight = ballot_weight(agent);
  const auto indicator = agents::format_indicator(j.indicator, j.prefix_len);
  if (dispute) {
    ++j.disputes;
    j.dispute_weight += weight;
    ++truth_.disputes;
    out.push_back(produce(step, events::SignatureDisputed{signature_id, agent, indicator, count.clean, count.flagged,
                                                          weight}));
  } else {
    ++j.corroborations;
    j.corroboration_weight += weight;
    ++truth_.corroborations;
    out.push_back(produce(step, events::SignatureCorroborated{signature_id, agent, indicator, count.clean,
                                                              count.flagged, weight}));
  }
  reputation_.record_evidence(dispute, agent, j.proposer, j.supporters, j.votes);
}

std::vector<AcceptedSignature> ConsensusRound::revoke_due(std::uint64_t step, std::vector<Produced>& out) {
  std::vector<AcceptedSignature> revoked;
  for (auto it = judged_.begin(); it != judged_.end();) {
    const auto& j = it->second;
    if (!judged(it->first) || !agents::should_revoke(j.disputes, j.dispute_weight, j.corroboration_weight)) {
      ++it;
      continue;
    }
    out.push_back(produce(step, events::SignatureRevoked{it->first, agents::format_indicator(j.indicator, j.prefix_len),
                                                         j.disputes, j.corroborations, j.dispute_weight,
                                                         j.corroboration_weight}));
    ++truth_.revoked;
    if (j.poisoned) ++truth_.poisoned_revoked;
    (j.benign_indicator ? truth_.benign_signatures_revoked : truth_.attack_signatures_revoked) += 1;
    network_blacklist_.erase(j.indicator);
    rejected_until_[it->first] = step + params_.window;
    revoked.push_back(AcceptedSignature{it->first, j.indicator, j.proposer});
    it = judged_.erase(it);
  }
  return revoked;
}

}  // namespace dais::server

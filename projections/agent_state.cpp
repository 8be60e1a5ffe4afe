#include "projections/agent_state.h"

#include <stdexcept>

#include "events/evidence.h"
#include "projections/fold.h"

namespace dais::projections {

namespace {

using nlohmann::json;

json record_json(const AgentRecord& a, double reputation) {
  return {{"id", a.id},
          {"model_version", a.model_version},
          {"last_retrain_step", or_null(a.last_retrain_step)},
          {"model_digest", a.model_digest},
          {"samples", a.samples},
          {"reputation", reputation},
          {"byzantine", a.byzantine},
          {"crashed", a.crashed},
          {"crashed_step", or_null(a.crashed_step)},
          {"recover_step", or_null(a.recover_step)},
          {"crashes", a.crashes},
          {"missed_steps", a.missed_steps},
          {"proposals", a.proposals},
          {"endorsements", a.endorsements},
          {"votes", a.votes},
          {"votes_agreeing", a.votes_agreeing},
          {"accepted_proposals", a.accepted_proposals},
          {"rejected_proposals", a.rejected_proposals}};
}

AgentRecord record_from(const json& j) {
  AgentRecord a;
  a.id = j.at("id").get<std::uint32_t>();
  a.model_version = j.at("model_version").get<std::uint64_t>();
  a.last_retrain_step = optional_from<std::uint64_t>(j, "last_retrain_step");
  a.model_digest = j.at("model_digest").get<std::string>();
  a.samples = j.at("samples").get<std::uint64_t>();
  a.byzantine = j.at("byzantine").get<bool>();
  a.crashed = j.at("crashed").get<bool>();
  a.crashed_step = optional_from<std::uint64_t>(j, "crashed_step");
  a.recover_step = optional_from<std::uint64_t>(j, "recover_step");
  a.crashes = j.at("crashes").get<std::uint64_t>();
  a.missed_steps = j.at("missed_steps").get<std::uint64_t>();
  a.proposals = j.at("proposals").get<std::uint64_t>();
  a.endorsements = j.at("endorsements").get<std::uint64_t>();
  a.votes = j.at("votes").get<std::uint64_t>();
  a.votes_agreeing = j.at("votes_agreeing").get<std::uint64_t>();
  a.accepted_proposals = j.at("accepted_proposals").get<std::uint64_t>();
  a.rejected_proposals = j.at("rejected_proposals").get<std::uint64_t>();
  return a;
}

// RunStarted.config is the flat key -> value object of config::Config::to_json().
bool reputation_enabled(const events::Event& event, const json& config) {
  if (!config.is_object()) fail(event, "malformed data: 'config' is not an object");
  const auto it = config.find("consensus.reputation");
  if (it == config.end()) return false;  // the schema's default
  if (!it->is_boolean()) fail(event, "malformed data: 'consensus.reputation' is not a boolean");
  return it->get<bool>();
}

// validation.defence evidence / evidence_abstain: reputation follows later evidence (reputation.h).
bool evidence_defence(const events::Event& event, const json& config) {
  const auto it = config.find("validation.defence");
  if (it == config.end()) return false;  // the schema's default, none
  if (!it->is_string()) fail(event, "malformed data: 'validation.defence' is not a string");
  const auto defence = it->get<std::string>();
  return defence == "evidence" || defence == "evidence_abstain";
}

// Sybil identities (faults.sybils) vote under ids after the agents'.
std::uint32_t sybil_count(const events::Event& event, const json& config) {
  const auto it = config.find("faults.sybils");
  if (it == config.end()) return 0;  // the schema's default
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 1000000) {
    fail(event, "malformed data: 'faults.sybils' is not a count");
  }
  return it->get<std::uint32_t>();
}

}  // namespace

AgentRecord& AgentState::agent(const events::Event& event, std::uint32_t id) {
  if (id >= agents_.size()) {
    fail(event, "agent " + std::to_string(id) + " out of range (the run has " + std::to_string(agents_.size()) +
                    " agents)");
  }
  return agents_[id];
}

void AgentState::apply(const events::Event& event) {
  const auto& t = event.type;
  if (t == events::type::run_started) {
    const auto r = decode<events::RunStarted>(event);
    if (started_) fail(event, "a second RunStarted");
    started_ = true;
    reputation_ = Reputation(reputation_enabled(event, r.config), evidence_defence(event, r.config));
    const auto sybils = sybil_count(event, r.config);
    agents_.resize(std::size_t{r.agents} + sybils);
    for (std::uint32_t i = 0; i < agents_.size(); ++i) agents_[i].id = i;
    for (auto b : r.byzantine) agent(event, b).byzantine = true;
    for (std::uint32_t s = 0; s < sybils; ++s) agents_[r.agents + s].byzantine = true;
  } else if (t == events::type::signature_proposed) {
    const auto p = decode<events::SignatureProposed>(event);
    if (open_.count(p.signature_id)) fail(event, "signature " + p.signature_id + " is already pending");
    ++agent(event, p.agent).proposals;
    open_[p.signature_id] = Open{p.agent, {p.agent}, {}};
  } else if (t == events::type::signature_endorsed) {
    const auto e = decode<events::SignatureEndorsed>(event);
    auto it = open_.find(e.signature_id);
    if (it == open_.end()) fail(event, "unknown or decided signature " + e.signature_id);
    ++agent(event, e.agent).endorsements;
    it->second.supporters.push_back(e.agent);
  } else if (t == events::type::vote_cast) {
    const auto v = decode<events::VoteCast>(event);
    auto it = open_.find(v.signature_id);
    if (it == open_.end()) fail(event, "unknown or decided signature " + v.signature_id);
    ++agent(event, v.voter).votes;
    it->second.votes[v.voter] = v;
  } else if (t == events::type::consensus_reached) {
    on_decided(event);
  } else if (t == events::type::signature_disputed) {
    const auto d = decode<events::SignatureDisputed>(event);
    on_judged(event, d.signature_id, d.agent, true);
  } else if (t == events::type::signature_corroborated) {
    const auto c = decode<events::SignatureCorroborated>(event);
    on_judged(event, c.signature_id, c.agent, false);
  } else if (t == events::type::model_retrained) {
    const auto m = decode<events::ModelRetrained>(event);
    auto& a = agent(event, m.agent);
    a.model_version = m.version;
    a.samples = m.samples;
    a.model_digest = m.model_digest;
    a.last_retrain_step = event.step;
  } else if (t == events::type::agent_crashed) {
    const auto c = decode<events::AgentCrashed>(event);
    auto& a = agent(event, c.agent);
    a.crashed = true;
    a.crashed_step = event.step;
    a.recover_step = c.recover_step;
    ++a.crashes;
  } else if (t == events::type::agent_recovered) {
    const auto r = decode<events::AgentRecovered>(event);
    auto& a = agent(event, r.agent);
    a.crashed = false;
    a.recover_step.reset();
    a.missed_steps += r.missed_steps;
  }
}

void AgentState::on_decided(const events::Event& event) {
  const auto d = decode<events::ConsensusReached>(event);
  auto it = open_.find(d.signature_id);
  if (it == open_.end()) fail(event, "unknown or decided signature " + d.signature_id);
  const auto& open = it->second;
  auto& proposer = agent(event, open.proposer);
  ++(d.accepted ? proposer.accepted_proposals : proposer.rejected_proposals);
  for (const auto& [voter, vote] : open.votes) {
    if (vote.approve == d.accepted) ++agents_[voter].votes_agreeing;
  }
  reputation_.record(d, open.proposer, open.supporters, open.votes);
  // Evidence may judge an accepted signature later: keep who backed it (the latest acceptance).
  if (d.accepted && reputation_.evidence()) accepted_[d.signature_id] = std::move(it->second);
  open_.erase(it);
}

void AgentState::on_judged(const events::Event& event, const std::string& signature_id, std::uint32_t judge,
                           bool dispute) {
  agent(event, judge);  // range check
  const auto it = accepted_.find(signature_id);
  if (it == accepted_.end()) fail(event, "judgement of signature " + signature_id + ", which was never accepted");
  reputation_.record_evidence(dispute, judge, it->second.proposer, it->second.supporters, it->second.votes);
}

const AgentRecord* AgentState::find(std::uint32_t agent) const {
  return agent < agents_.size() ? &agents_[agent] : nullptr;
}

std::uint32_t AgentState::crashed_count() const {
  std::uint32_t n = 0;
  for (const auto& a : agents_) n += a.crashed ? 1 : 0;
  return n;
}

json AgentState::view(std::uint32_t agent) const {
  if (agent >= agents_.size()) throw std::out_of_range("no agent " + std::to_string(agent));
  return record_json(agents_[agent], reputation_.weight(agent));
}

json AgentState::list_json() const {
  json all = json::array();
  for (const auto& a : agents_) all.push_back(record_json(a, reputation_.weight(a.id)));
  return {{"agents", std::move(all)}, {"crashed", crashed_count()}};
}

json AgentState::to_json() const {
  json agents = json::array();
  for (const auto& a : agents_) agents.push_back(record_json(a, reputation_.weight(a.id)));
  const auto signatures_json = [](const std::map<std::string, Open>& signatures) {
    json out = json::object();
    for (const auto& [id, o] : signatures) {
      json votes = json::array();
      for (const auto& [voter, v] : o.votes) votes.push_back(v);
      out[id] = {{"proposer", o.proposer}, {"supporters", o.supporters}, {"votes", std::move(votes)}};
    }
    return out;
  };
  json j{{"started", started_},
         {"agents", std::move(agents)},
         {"reputation", reputation_.to_json()},
         {"open", signatures_json(open_)}};
  if (!accepted_.empty()) j["accepted"] = signatures_json(accepted_);
  return j;
}

AgentState AgentState::from_json(const json& j) {
  AgentState s;
  try {
    s.started_ = j.at("started").get<bool>();
    for (const auto& a : j.at("agents")) s.agents_.push_back(record_from(a));
    for (std::size_t i = 0; i < s.agents_.size(); ++i) {
      if (s.agents_[i].id != i) throw ProjectionError("malformed agents snapshot: agent ids out of order");
    }
    s.reputation_ = Reputation::from_json(j.at("reputation"));
    const auto read_signatures = [](const json& from, std::map<std::string, Open>& into) {
      for (const auto& [id, o] : from.items()) {
        Open open;
        open.proposer = o.at("proposer").get<std::uint32_t>();
        open.supporters = o.at("supporters").get<std::vector<std::uint32_t>>();
        for (const auto& v : o.at("votes")) {
          auto vote = v.get<events::VoteCast>();
          open.votes[vote.voter] = vote;
        }
        into.emplace(id, std::move(open));
      }
    };
    read_signatures(j.at("open"), s.open_);
    if (j.contains("accepted")) read_signatures(j.at("accepted"), s.accepted_);
  } catch (const nlohmann::json::exception& e) {
    throw ProjectionError(std::string("malformed agents snapshot: ") + e.what());
  }
  return s;
}

}  // namespace dais::projections

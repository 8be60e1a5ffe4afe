#include "server/recovery_journal.h"

#include <algorithm>
#include <stdexcept>

#include "agents/indicator.h"
#include "events/events.h"
#include "events/evidence.h"

namespace dais::server {

namespace {

std::uint32_t network_of(const std::string& indicator) {
  const auto parsed = agents::parse_indicator_ipv4(indicator);
  if (!parsed) throw std::invalid_argument("recovery journal: bad indicator '" + indicator + "'");
  return parsed->network;
}

}  // namespace

void RecoveryJournal::apply(const std::string& type, std::uint64_t step, const nlohmann::json& data) {
  if (type == events::type::signature_proposed) {
    const auto p = data.get<events::SignatureProposed>();
    proposer_[p.signature_id] = p.agent;
  } else if (type == events::type::consensus_reached) {
    const auto c = data.get<events::ConsensusReached>();
    const auto it = proposer_.find(c.signature_id);
    if (c.accepted) {
      if (it == proposer_.end()) throw std::invalid_argument("recovery journal: " + c.signature_id + " accepted unproposed");
      decisions_.push_back(Decision{step, c.signature_id, network_of(c.indicator), it->second});
    }
    // A decided signature is proposed anew before it can be decided again (server/consensus_round.h).
    if (it != proposer_.end()) proposer_.erase(it);
  } else if (type == events::type::blacklist_removed) {
    removals_.push_back(Removal{step, network_of(data.get<events::BlacklistRemoved>().indicator)});
  } else if (type == events::type::signature_revoked) {
    const auto r = data.get<events::SignatureRevoked>();
    revocations_.push_back(Revocation{step, r.signature_id, network_of(r.indicator)});
  } else if (type == events::type::local_blacklist_added) {
    const auto l = data.get<events::LocalBlacklistAdded>();
    local_[l.agent].push_back(LocalAdd{step, l.signature_id, network_of(l.indicator), l.expires_step});
  } else if (type == events::type::model_retrained) {
    const auto m = data.get<events::ModelRetrained>();
    models_[m.agent].push_back(Model{step, m.version, m.samples, m.model_digest});
  } else if (type == events::type::agent_crashed) {
    crashes_[data.get<events::AgentCrashed>().agent] = step;
  }
}

std::optional<std::uint64_t> RecoveryJournal::revoked_by(const std::string& signature_id, std::uint64_t step) const {
  std::optional<std::uint64_t> found;
  for (const auto& r : revocations_) {
    if (r.step > step) break;  // in log order
    if (r.signature_id == signature_id) found = r.step;
  }
  return found;
}

void RecoveryJournal::keep_healed(const projections::Blacklists::List& network) {
  healed_.clear();
  for (const auto& [indicator, entry] : network) {
    healed_.push_back(Block{network_of(indicator), entry.signature_id, entry.expires_step});
  }
  // The engine walks its network blacklist by numeric indicator; the projection keys by text.
  std::sort(healed_.begin(), healed_.end(), [](const Block& a, const Block& b) { return a.indicator < b.indicator; });
}

const std::deque<RecoveryJournal::LocalAdd>& RecoveryJournal::local_adds(std::uint32_t agent) const {
  static const std::deque<LocalAdd> none;
  const auto it = local_.find(agent);
  return it == local_.end() ? none : it->second;
}

const std::deque<RecoveryJournal::Model>& RecoveryJournal::models(std::uint32_t agent) const {
  static const std::deque<Model> none;
  const auto it = models_.find(agent);
  return it == models_.end() ? none : it->second;
}

const RecoveryJournal::Model* RecoveryJournal::model(std::uint32_t agent, std::uint64_t version) const {
  const auto& held = models(agent);
  if (held.empty() || version < held.front().version) return nullptr;
  const auto at = version - held.front().version;
  return at < held.size() ? &held[at] : nullptr;
}

namespace {

template <typename Entries>
void drop_steps_before(Entries& entries, std::uint64_t step) {
  while (!entries.empty() && entries.front().step < step) entries.pop_front();
}

}  // namespace

void RecoveryJournal::forget_before(std::uint64_t step) {
  drop_steps_before(decisions_, step);
  drop_steps_before(removals_, step);
  drop_steps_before(revocations_, step);
}

void RecoveryJournal::forget_agent_before(std::uint32_t agent, std::uint64_t step, std::uint64_t version) {
  if (const auto it = local_.find(agent); it != local_.end()) drop_steps_before(it->second, step);
  if (const auto it = models_.find(agent); it != models_.end()) {
    while (!it->second.empty() && it->second.front().version <= version) it->second.pop_front();
  }
}

std::size_t RecoveryJournal::size() const {
  std::size_t n = proposer_.size() + decisions_.size() + removals_.size() + revocations_.size() + crashes_.size() +
                  healed_.size();
  for (const auto& [agent, adds] : local_) n += adds.size();
  for (const auto& [agent, models] : models_) n += models.size();
  return n;
}

std::uint64_t RecoveryJournal::last_crash(std::uint32_t agent) const {
  const auto it = crashes_.find(agent);
  return it == crashes_.end() ? 0 : it->second;
}

}  // namespace dais::server

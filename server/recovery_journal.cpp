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
    if (!c.accepted) return;
    const auto it = proposer_.find(c.signature_id);
    if (it == proposer_.end()) throw std::invalid_argument("recovery journal: " + c.signature_id + " accepted unproposed");
    decisions_.push_back(Decision{step, c.signature_id, network_of(c.indicator), it->second});
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

const std::vector<RecoveryJournal::LocalAdd>& RecoveryJournal::local_adds(std::uint32_t agent) const {
  static const std::vector<LocalAdd> none;
  const auto it = local_.find(agent);
  return it == local_.end() ? none : it->second;
}

const std::vector<RecoveryJournal::Model>& RecoveryJournal::models(std::uint32_t agent) const {
  static const std::vector<Model> none;
  const auto it = models_.find(agent);
  return it == models_.end() ? none : it->second;
}

std::uint64_t RecoveryJournal::last_crash(std::uint32_t agent) const {
  const auto it = crashes_.find(agent);
  return it == crashes_.end() ? 0 : it->second;
}

}  // namespace dais::server

#include "projections/blacklists.h"

#include <algorithm>

#include "events/evidence.h"
#include "projections/fold.h"

namespace dais::projections {

namespace {

using nlohmann::json;

BlacklistEntry entry_from(const json& j) {
  return BlacklistEntry{j.at("indicator").get<std::string>(), j.at("signature_id").get<std::string>(),
                        j.at("added_step").get<std::uint64_t>(), j.at("expires_step").get<std::uint64_t>(),
                        j.at("ttl").get<std::uint64_t>(), j.at("hits").get<std::uint64_t>()};
}

const Blacklists::List kEmptyList;

json validity_json(const NetworkValidity& v) {
  json renewals = json::array();
  for (const auto& r : v.renewals) renewals.push_back({r.step, r.until, r.at_seq, r.at_step});
  return {{"decided_step", v.decided_step},
          {"valid_until", v.valid_until},
          {"renewals", std::move(renewals)},
          {"ended_step", or_null(v.ended_step)},
          {"ended_at", {v.ended_at_seq, v.ended_at_step}}};
}

NetworkValidity validity_from(const json& v) {
  NetworkValidity validity{v.at("decided_step").get<std::uint64_t>(), v.at("valid_until").get<std::uint64_t>(), {},
                           optional_from<std::uint64_t>(v, "ended_step"), v.at("ended_at").at(0).get<std::uint64_t>(),
                           v.at("ended_at").at(1).get<std::uint64_t>()};
  for (const auto& r : v.at("renewals")) {
    validity.renewals.push_back(Renewal{r.at(0).get<std::uint64_t>(), r.at(1).get<std::uint64_t>(),
                                        r.at(2).get<std::uint64_t>(), r.at(3).get<std::uint64_t>()});
  }
  return validity;
}

}  // namespace

void Blacklists::apply(const events::Event& event) {
  if (event.type == events::type::consensus_reached) {
    const auto d = decode<events::ConsensusReached>(event);
    if (d.accepted) {
      if (auto it = network_.find(d.indicator); it != network_.end()) {
        end_validity(it->second.signature_id, d.indicator, event.step, event);  // taken over by the new signature
      }
      add(kNetwork, network_, d.indicator, d.signature_id, event.step, d.expires_step);
      if (auto old = validity_.find(d.signature_id); old != validity_.end()) {
        earlier_validity_[d.signature_id].push_back(std::move(old->second));  // accepted again: a new round
      }
      validity_[d.signature_id] = NetworkValidity{event.step, d.expires_step, {}, std::nullopt, 0, 0};
      by_valid_until_.insert({d.expires_step, d.indicator});
    }
  } else if (event.type == events::type::local_blacklist_added) {
    const auto l = decode<events::LocalBlacklistAdded>(event);
    if (l.agent == kNetwork) fail(event, "agent id out of range");
    add(l.agent, locals_[l.agent], l.indicator, l.signature_id, event.step, l.expires_step);
    local_owners_[l.indicator].insert(l.agent);
  } else if (event.type == events::type::step_completed) {
    on_step_completed(event);
  } else if (event.type == events::type::blacklist_removed) {
    remove(decode<events::BlacklistRemoved>(event).indicator, event);
  } else if (event.type == events::type::signature_revoked) {
    remove(decode<events::SignatureRevoked>(event).indicator, event);
  }
}

void Blacklists::remove(const std::string& indicator, const events::Event& event) {
  if (const auto it = network_.find(indicator); it != network_.end()) {
    end_validity(it->second.signature_id, indicator, event.step, event);  // it stops blocking now
    by_expiry_.erase({it->second.expires_step, kNetwork, indicator});
    network_.erase(it);
  }
  const auto owners = local_owners_.find(indicator);
  if (owners == local_owners_.end()) return;
  for (const auto agent : owners->second) {
    auto& list = locals_.at(agent);
    by_expiry_.erase({list.at(indicator).expires_step, agent, indicator});
    list.erase(indicator);
    if (list.empty()) locals_.erase(agent);
  }
  local_owners_.erase(owners);
}

void Blacklists::add(std::uint32_t owner, List& list, const std::string& indicator, const std::string& signature_id,
                     std::uint64_t step, std::uint64_t expires_step) {
  const std::uint64_t ttl = expires_step > step ? expires_step - step : 0;
  auto [it, inserted] = list.try_emplace(indicator, BlacklistEntry{indicator, signature_id, step, expires_step, ttl, 0});
  auto& entry = it->second;
  if (!inserted) {
    by_expiry_.erase({entry.expires_step, owner, indicator});
    entry.signature_id = signature_id;
    entry.ttl = ttl;
    entry.expires_step = std::max(entry.expires_step, expires_step);
  }
  by_expiry_.insert({entry.expires_step, owner, indicator});
}

void Blacklists::credit_hit(std::uint32_t owner, BlacklistEntry& entry, std::uint64_t count, std::uint64_t step) {
  if (entry.expires_step <= step) return;  // no longer listed at that step
  entry.hits += count;
  const auto refreshed = std::max(entry.expires_step, step + entry.ttl);
  if (refreshed != entry.expires_step) {
    by_expiry_.erase({entry.expires_step, owner, entry.indicator});
    entry.expires_step = refreshed;
    by_expiry_.insert({entry.expires_step, owner, entry.indicator});
  }
}

void Blacklists::on_step_completed(const events::Event& event) {
  const auto& data = event.data;
  if (!data.is_object() || !data.contains("blacklist_hits")) fail(event, "malformed data: missing 'blacklist_hits'");
  std::map<std::string, std::uint64_t> hits;
  try {
    hits = data.at("blacklist_hits").get<std::map<std::string, std::uint64_t>>();
  } catch (const nlohmann::json::exception& e) {
    fail(event, std::string("malformed data: ") + e.what());
  }
  const auto step = event.step;
  for (const auto& [indicator, count] : hits) {
    if (count == 0) continue;
    if (auto it = network_.find(indicator); it != network_.end()) credit_hit(kNetwork, it->second, count, step);
    if (auto owners = local_owners_.find(indicator); owners != local_owners_.end()) {
      for (auto agent : owners->second) credit_hit(agent, locals_.at(agent).at(indicator), count, step);
    }
  }
  renew_announced(event);
  // Entries that cannot block at the next step are gone.
  while (!by_expiry_.empty() && std::get<0>(*by_expiry_.begin()) <= step + 1) {
    const auto [expires, owner, indicator] = *by_expiry_.begin();
    by_expiry_.erase(by_expiry_.begin());
    if (owner == kNetwork) {
      if (auto it = network_.find(indicator); it != network_.end()) {
        end_validity(it->second.signature_id, indicator, expires, event);
      }
      network_.erase(indicator);
      continue;
    }
    auto& list = locals_.at(owner);
    list.erase(indicator);
    if (list.empty()) locals_.erase(owner);
    auto owners = local_owners_.find(indicator);
    owners->second.erase(owner);
    if (owners->second.empty()) local_owners_.erase(owners);
  }
  completed_step_ = std::max(completed_step_, step);
}

const Blacklists::List& Blacklists::local(std::uint32_t agent) const {
  auto it = locals_.find(agent);
  return it == locals_.end() ? kEmptyList : it->second;
}

bool Blacklists::blocks(std::uint32_t agent, std::string_view indicator, std::uint64_t step) const {
  if (auto it = network_.find(indicator); it != network_.end() && step < it->second.expires_step) return true;
  const auto& list = local(agent);
  auto it = list.find(indicator);
  return it != list.end() && step < it->second.expires_step;
}

json Blacklists::entry_json(const BlacklistEntry& e) {
  return {{"indicator", e.indicator},     {"signature_id", e.signature_id}, {"added_step", e.added_step},
          {"expires_step", e.expires_step}, {"ttl", e.ttl},                 {"hits", e.hits}};
}

json Blacklists::view() const {
  json network = json::array();
  for (const auto& [indicator, e] : network_) network.push_back(entry_json(e));
  json local = json::object();
  for (const auto& [agent, list] : locals_) {
    json entries = json::array();
    for (const auto& [indicator, e] : list) entries.push_back(entry_json(e));
    local[std::to_string(agent)] = std::move(entries);
  }
  return {{"network", std::move(network)}, {"local", std::move(local)}, {"completed_step", completed_step_}};
}

// Network entries whose announced end comes at the next step but which hits keep listed get a renewal.
void Blacklists::renew_announced(const events::Event& event) {
  const std::uint64_t step = event.step;
  while (!by_valid_until_.empty() && by_valid_until_.begin()->first <= step + 1) {
    const auto [until, indicator] = *by_valid_until_.begin();
    by_valid_until_.erase(by_valid_until_.begin());
    const auto entry = network_.find(indicator);
    if (entry == network_.end() || entry->second.expires_step <= step + 1) continue;  // it ends now: no renewal
    auto& validity = validity_.at(entry->second.signature_id);
    validity.renewals.push_back(Renewal{until, entry->second.expires_step, event.seq, event.step});
    validity.valid_until = entry->second.expires_step;
    by_valid_until_.insert({validity.valid_until, indicator});
  }
}

void Blacklists::end_validity(const std::string& signature_id, const std::string& indicator, std::uint64_t step,
                              const events::Event& event) {
  auto it = validity_.find(signature_id);
  if (it == validity_.end() || it->second.ended_step) return;
  it->second.ended_step = step;
  it->second.ended_at_seq = event.seq;
  it->second.ended_at_step = event.step;
  by_valid_until_.erase({it->second.valid_until, indicator});
}

const NetworkValidity* Blacklists::network_validity(std::string_view signature_id) const {
  auto it = validity_.find(signature_id);
  return it == validity_.end() ? nullptr : &it->second;
}

const std::vector<NetworkValidity>& Blacklists::earlier_network_validity(std::string_view signature_id) const {
  static const std::vector<NetworkValidity> none;
  auto it = earlier_validity_.find(signature_id);
  return it == earlier_validity_.end() ? none : it->second;
}

json Blacklists::to_json() const {
  auto j = view();
  json validity = json::object();
  for (const auto& [id, v] : validity_) validity[id] = validity_json(v);
  j["network_validity"] = std::move(validity);
  json earlier = json::object();
  for (const auto& [id, rounds] : earlier_validity_) {
    for (const auto& v : rounds) earlier[id].push_back(validity_json(v));
  }
  j["earlier_network_validity"] = std::move(earlier);
  return j;
}

Blacklists Blacklists::from_json(const json& j) {
  Blacklists b;
  try {
    for (const auto& e : j.at("network")) {
      auto entry = entry_from(e);
      b.network_.emplace(entry.indicator, std::move(entry));
    }
    for (const auto& [agent_text, entries] : j.at("local").items()) {
      const auto agent = static_cast<std::uint32_t>(std::stoul(agent_text));
      for (const auto& e : entries) {
        auto entry = entry_from(e);
        b.local_owners_[entry.indicator].insert(agent);
        b.locals_[agent].emplace(entry.indicator, std::move(entry));
      }
    }
    b.completed_step_ = j.at("completed_step").get<std::uint64_t>();
    for (const auto& [id, v] : j.at("network_validity").items()) b.validity_.emplace(id, validity_from(v));
    for (const auto& [id, rounds] : j.at("earlier_network_validity").items()) {
      for (const auto& v : rounds) b.earlier_validity_[id].push_back(validity_from(v));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ProjectionError(std::string("malformed blacklists snapshot: ") + e.what());
  } catch (const std::logic_error& e) {
    throw ProjectionError(std::string("malformed blacklists snapshot: bad agent id: ") + e.what());
  }
  b.rebuild_indices();
  return b;
}

void Blacklists::rebuild_indices() {
  by_expiry_.clear();
  by_valid_until_.clear();
  for (const auto& [indicator, e] : network_) {
    by_expiry_.insert({e.expires_step, kNetwork, indicator});
    if (auto v = validity_.find(e.signature_id); v != validity_.end() && !v->second.ended_step) {
      by_valid_until_.insert({v->second.valid_until, indicator});
    }
  }
  for (const auto& [agent, list] : locals_) {
    for (const auto& [indicator, e] : list) by_expiry_.insert({e.expires_step, agent, indicator});
  }
}

}  // namespace dais::projections

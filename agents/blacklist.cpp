#include "agents/blacklist.h"

#include <algorithm>
#include <stdexcept>

#include "agents/indicator.h"

namespace dais::agents {

Blacklist::Blacklist(std::size_t capacity, unsigned prefix_len)
    : capacity_(capacity), prefix_len_(prefix_len), mask_(prefix_mask(prefix_len)) {
  if (capacity == 0) throw std::invalid_argument("Blacklist: capacity must be >= 1");
}

void Blacklist::touch(Entry& e, std::uint64_t step) {
  recency_.erase(key_of(e));
  e.last_hit_step = std::max(e.last_hit_step, step);
  e.expires_step = std::max(e.expires_step, step + e.expiry_steps);
  recency_.insert(key_of(e));
}

void Blacklist::make_room() {
  if (entries_.size() < capacity_) return;
  const RecencyKey victim = *recency_.begin();
  recency_.erase(recency_.begin());
  entries_.erase(std::get<2>(victim));
  ++evictions_;
}

bool Blacklist::add(std::uint32_t indicator, std::uint64_t step, std::uint64_t expiry_steps, std::string signature_id) {
  if (expiry_steps == 0) throw std::invalid_argument("Blacklist::add: expiry_steps must be >= 1");
  indicator = key(indicator);
  if (const auto it = entries_.find(indicator); it != entries_.end()) {
    Entry& e = it->second;
    e.signature_id = std::move(signature_id);
    e.expiry_steps = expiry_steps;
    touch(e, step);
    return false;
  }
  make_room();
  Entry e;
  e.indicator = indicator;
  e.signature_id = std::move(signature_id);
  e.added_step = step;
  e.last_hit_step = step;
  e.expiry_steps = expiry_steps;
  e.expires_step = step + expiry_steps;
  recency_.insert(key_of(e));
  entries_.emplace(indicator, std::move(e));
  return true;
}

void Blacklist::restore(Entry entry) {
  if (entry.expiry_steps == 0) throw std::invalid_argument("Blacklist::restore: expiry_steps must be >= 1");
  entry.indicator = key(entry.indicator);
  remove(entry.indicator);
  make_room();
  recency_.insert(key_of(entry));
  entries_.emplace(entry.indicator, std::move(entry));
}

bool Blacklist::check_and_hit(std::uint32_t indicator, std::uint64_t step) {
  const auto it = entries_.find(key(indicator));
  if (it == entries_.end() || step >= it->second.expires_step) return false;
  ++it->second.hits;
  touch(it->second, step);
  return true;
}

bool Blacklist::contains(std::uint32_t indicator, std::uint64_t step) const {
  const auto it = entries_.find(key(indicator));
  return it != entries_.end() && step < it->second.expires_step;
}

std::optional<Blacklist::Entry> Blacklist::find(std::uint32_t indicator) const {
  const auto it = entries_.find(key(indicator));
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

bool Blacklist::remove(std::uint32_t indicator) {
  const auto it = entries_.find(key(indicator));
  if (it == entries_.end()) return false;
  recency_.erase(key_of(it->second));
  entries_.erase(it);
  return true;
}

void Blacklist::expire(std::uint64_t step) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires_step <= step) {
      recency_.erase(key_of(it->second));
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<Blacklist::Entry> Blacklist::entries() const {
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [indicator, e] : entries_) out.push_back(e);
  return out;
}

}  // namespace dais::agents

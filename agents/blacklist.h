// An agent's blacklist of indicators (source addresses), with expiry in
// steps, hit counts and a capacity. A hit (a flow from a listed indicator)
// counts and refreshes the entry's expiry; when full, adding evicts the entry
// hit least recently (ties: the earliest added, then the lowest indicator).
// Deterministic: ordered containers only; entries() is sorted by indicator.
// Every indicator is a prefix of one length, fixed at construction (32 = one
// address, see agents/indicator.h): each call masks the address it is given,
// so contains(a.b.c.x) is true for a listed a.b.c.0/24 and a lookup stays one
// map search on the hot path (every flow of every agent).
// Not thread-safe (one owner, e.g. one agent's step); no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace dais::agents {

class Blacklist {
 public:
  struct Entry {
    std::uint32_t indicator = 0;
    std::string signature_id;       // the signature that listed it (latest add)
    std::uint64_t added_step = 0;   // first added (kept when re-added)
    std::uint64_t last_hit_step = 0;  // last hit, or the (re-)add step if later
    std::uint64_t expiry_steps = 0;  // lifetime granted by add, renewed by each hit
    std::uint64_t expires_step = 0;  // listed while step < expires_step
    std::uint64_t hits = 0;
    bool operator==(const Entry&) const = default;
  };

  // capacity >= 1 and prefix_len <= 32 (std::invalid_argument otherwise).
  explicit Blacklist(std::size_t capacity = 4096, unsigned prefix_len = 32);

  // Lists `indicator` until step + expiry_steps (expiry_steps >= 1, else
  // std::invalid_argument). Re-adding a listed indicator refreshes it, keeps
  // its hits and returns false; a new indicator returns true (evicting one
  // entry first when full).
  bool add(std::uint32_t indicator, std::uint64_t step, std::uint64_t expiry_steps, std::string signature_id);
  // Lists `entry` as it is (a recovering agent's entry rebuilt from the log), replacing any
  // entry for its indicator; evicts one entry first when full. std::invalid_argument when
  // entry.expiry_steps is 0.
  void restore(Entry entry);
  // True (blocked) when listed and not expired at `step`; then counts a hit and
  // extends its expiry to step + expiry_steps. Expired entries never block.
  bool check_and_hit(std::uint32_t indicator, std::uint64_t step);
  // Listed and not expired at `step`, without counting a hit.
  bool contains(std::uint32_t indicator, std::uint64_t step) const;
  // Listed, whatever its expiry (until expire() removes it).
  bool contains(std::uint32_t indicator) const { return entries_.count(key(indicator)) > 0; }
  std::optional<Entry> find(std::uint32_t indicator) const;
  bool remove(std::uint32_t indicator);
  // Drops every entry with expires_step <= step.
  void expire(std::uint64_t step);

  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }
  unsigned prefix_len() const { return prefix_len_; }
  // The listed indicator that would cover `address` (its network address).
  std::uint32_t key(std::uint32_t address) const { return address & mask_; }
  std::uint64_t evictions() const { return evictions_; }
  // For engine snapshots: a list rebuilt with restore() reports the evictions of the one it copies.
  void set_evictions(std::uint64_t evictions) { evictions_ = evictions; }
  std::vector<Entry> entries() const;

 private:
  // Eviction order: least recently hit first, then earliest added, then lowest indicator.
  using RecencyKey = std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>;
  static RecencyKey key_of(const Entry& e) { return {e.last_hit_step, e.added_step, e.indicator}; }
  void touch(Entry& e, std::uint64_t step);
  // Evicts the first entry in eviction order when the list is full.
  void make_room();

  std::size_t capacity_;
  unsigned prefix_len_;
  std::uint32_t mask_;
  std::uint64_t evictions_ = 0;
  std::map<std::uint32_t, Entry> entries_;
  std::set<RecencyKey> recency_;
};

}  // namespace dais::agents

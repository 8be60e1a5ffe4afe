#include "projections/committee.h"

#include <algorithm>
#include <utility>

#include "common/random.h"

namespace dais::projections {

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::vector<std::uint32_t> select_committee(std::string_view signature_id, std::uint64_t seed,
                                            std::span<const std::uint32_t> active_agents, std::uint32_t size,
                                            std::uint32_t exclude_proposer) {
  std::vector<std::uint32_t> candidates;
  candidates.reserve(active_agents.size());
  for (auto a : active_agents) {
    if (a != exclude_proposer) candidates.push_back(a);
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  if (size == 0 || size >= candidates.size()) return candidates;

  const std::uint64_t signature_key = fnv1a64(signature_id);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> scored;
  scored.reserve(candidates.size());
  for (auto a : candidates) {
    Stream s(seed, {static_cast<std::uint64_t>(Purpose::committee), signature_key, a});
    scored.emplace_back(s.next_u64(), a);
  }
  std::nth_element(scored.begin(), scored.begin() + size, scored.end());
  std::vector<std::uint32_t> chosen;
  chosen.reserve(size);
  for (std::uint32_t i = 0; i < size; ++i) chosen.push_back(scored[i].second);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace dais::projections

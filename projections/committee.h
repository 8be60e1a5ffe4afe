// Committee selection (DESIGN.md "Consensus"): a deterministic sample of the
// agents that validate one signature, so voting cost grows with the committee
// size rather than with the square of the network.
// Rendezvous hashing: every candidate gets the score
//   Stream(seed, {Purpose::committee, fnv1a64(signature_id), agent}).next_u64()
// and the `size` lowest scores (ties by agent id) win. The result depends only
// on (signature id, seed, the set of candidates, size): not on the order or
// duplicates of the input, the thread count or any hash-map order; and a
// candidate's score does not depend on who else is a candidate, so the sample
// changes little when one agent crashes.
// Pure function; thread-safe; does not throw (beyond std::bad_alloc).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace dais::projections {

// FNV-1a 64-bit of the bytes: a stable, platform-independent string hash.
std::uint64_t fnv1a64(std::string_view bytes);

// The committee for one signature, sorted by agent id. `exclude_proposer` is
// never selected. size 0, or a size at least the number of candidates, selects
// every candidate.
std::vector<std::uint32_t> select_committee(std::string_view signature_id, std::uint64_t seed,
                                            std::span<const std::uint32_t> active_agents, std::uint32_t size,
                                            std::uint32_t exclude_proposer);

}  // namespace dais::projections

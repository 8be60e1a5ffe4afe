// Which rank owns which agent (simulation.partition): `block` gives each rank a
// contiguous run of ids (the first N % P ranks one more), `round_robin` gives agent
// a to rank a % P. The owner keeps the agent's heavy state (model, training window,
// validator view, traffic) and runs its parallel phases; every rank keeps its light,
// replicated state. Pure functions; thread-safe.
// Errors: parse_partition throws std::invalid_argument for another name.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace dais::server {

enum class Partition { block, round_robin };

Partition parse_partition(std::string_view name);
// The rank owning `agent` among `ranks` ranks (ranks >= 1).
int owner_of(Partition partition, std::uint32_t agent, std::uint32_t agents, int ranks);
// The agents `rank` owns, ascending.
std::vector<std::uint32_t> owned_agents(Partition partition, std::uint32_t agents, int rank, int ranks);

}  // namespace dais::server

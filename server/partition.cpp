#include "server/partition.h"

#include <stdexcept>
#include <string>

namespace dais::server {

Partition parse_partition(std::string_view name) {
  if (name == "block") return Partition::block;
  if (name == "round_robin") return Partition::round_robin;
  throw std::invalid_argument("unknown partition '" + std::string(name) + "' (allowed: block, round_robin)");
}

int owner_of(Partition partition, std::uint32_t agent, std::uint32_t agents, int ranks) {
  const auto p = static_cast<std::uint32_t>(ranks);
  if (partition == Partition::round_robin) return static_cast<int>(agent % p);
  // Block: the first `extra` ranks own base + 1 agents, the rest base.
  const std::uint32_t base = agents / p, extra = agents % p;
  const std::uint32_t big = extra * (base + 1);
  if (agent < big) return static_cast<int>(agent / (base + 1));
  return static_cast<int>(extra + (agent - big) / base);
}

std::vector<std::uint32_t> owned_agents(Partition partition, std::uint32_t agents, int rank, int ranks) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t a = 0; a < agents; ++a) {
    if (owner_of(partition, a, agents, ranks) == rank) out.push_back(a);
  }
  return out;
}

}  // namespace dais::server

#include "server/network.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/random.h"

namespace dais::server {

Network::Network(std::uint64_t seed, NetworkSettings settings, std::uint32_t agents)
    : seed_(seed), settings_(settings), cut_off_(agents, false) {
  const bool partitioned = settings_.partition_steps > 0 && settings_.partition_fraction > 0;
  if (partitioned) {
    const auto count = static_cast<std::size_t>(
        std::floor(settings_.partition_fraction * static_cast<double>(agents) + 1e-9));
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
    order.reserve(agents);
    for (std::uint32_t a = 0; a < agents; ++a) order.emplace_back(Stream(seed_, Purpose::partition, a).next_u64(), a);
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < count && i < order.size(); ++i) cut_off_agents_.push_back(order[i].second);
    std::sort(cut_off_agents_.begin(), cut_off_agents_.end());
    for (auto a : cut_off_agents_) cut_off_[a] = true;
  }
  // A partition that cuts off nobody (or everybody) separates no pair of agents.
  const bool cuts = !cut_off_agents_.empty() && cut_off_agents_.size() < agents;
  if (!cuts) settings_.partition_steps = 0;
  instant_ = settings_.delay_steps == 0 && settings_.jitter_steps == 0 && settings_.loss == 0 && !cuts;
}

bool Network::partition_active(std::uint64_t step) const {
  return settings_.partition_steps > 0 && step >= settings_.partition_start_step &&
         step - settings_.partition_start_step < settings_.partition_steps;
}

std::optional<std::uint64_t> Network::heal_step() const {
  if (settings_.partition_steps == 0) return std::nullopt;
  return settings_.partition_start_step + settings_.partition_steps;
}

bool Network::separated(std::uint32_t a, std::uint32_t b, std::uint64_t from_step, std::uint64_t to_step) const {
  if (settings_.partition_steps == 0 || cut_off(a) == cut_off(b)) return false;
  // The partition is [start, heal); the message is in flight during [from_step, to_step].
  return from_step < *heal_step() && to_step >= settings_.partition_start_step;
}

std::optional<std::uint64_t> Network::arrival(Message kind, std::uint64_t key, std::uint32_t from, std::uint32_t to,
                                              std::uint64_t sent) const {
  if (instant_ || from == to) return sent;
  Stream draw(seed_, {static_cast<std::uint64_t>(Purpose::network), static_cast<std::uint64_t>(kind), key, from, to,
                      sent});
  if (settings_.loss > 0 && draw.chance(settings_.loss)) return std::nullopt;
  std::uint64_t delay = settings_.delay_steps;
  if (settings_.jitter_steps > 0) delay += draw.below(std::uint64_t{settings_.jitter_steps} + 1);
  const std::uint64_t at = sent + delay;
  if (separated(from, to, sent, at)) return std::nullopt;
  return at;
}

}  // namespace dais::server

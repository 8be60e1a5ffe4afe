// The network between agents (DESIGN.md "Network between agents"; docs/SIMULATION.md
// "Network"): when a message one agent sends in some step reaches another, or whether
// it is lost. Messages are proposals (proposer -> each committee member), endorsements
// and votes (-> the proposer, who decides) and accepted blacklist entries (decider ->
// every agent). A message takes network.delay_steps plus a uniform draw in
// [0, network.jitter_steps] steps, is lost with probability network.loss, and is
// dropped when a partition separates its ends at any step from sending to arrival.
// Every draw is a pure function of (seed, kind, message key, sender, receiver, step)
// through dais::Stream, so delivery is part of the deterministic simulation, not of
// the machine's timing, and needs no events of its own: a replay re-executes it.
// Immutable after construction; thread-safe for concurrent reads. Does not throw on
// settings that config validation accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace dais::server {

struct NetworkSettings {
  std::uint32_t delay_steps = 0;   // base delay of every message between two agents
  std::uint32_t jitter_steps = 0;  // extra delay, uniform in [0, jitter_steps]
  double loss = 0;                 // chance that a message is lost
  double partition_fraction = 0;   // share of agents cut off from the rest during the partition
  std::uint64_t partition_start_step = 0;
  std::uint64_t partition_steps = 0;  // 0 = no partition
};

enum class Message : std::uint64_t { proposal = 1, endorsement = 2, vote = 3, blacklist = 4 };

class Network {
 public:
  Network(std::uint64_t seed, NetworkSettings settings, std::uint32_t agents);

  const NetworkSettings& settings() const { return settings_; }
  // True when every message arrives in the step it is sent and none is lost: the model
  // of a run without network settings, whose logs are those of earlier versions.
  bool instant() const { return instant_; }

  // The step at which a message of `kind` about `key` (a signature's fnv1a64), sent by
  // `from` in step `sent`, reaches `to`; nullopt when it is lost or cut by the partition.
  // A message to oneself arrives at once and is never lost.
  std::optional<std::uint64_t> arrival(Message kind, std::uint64_t key, std::uint32_t from, std::uint32_t to,
                                       std::uint64_t sent) const;

  // The agents cut off during the partition (sorted): floor(fraction * agents + 1e-9) of
  // them, the lowest scores of Stream(seed, Purpose::partition, agent).
  const std::vector<std::uint32_t>& cut_off_agents() const { return cut_off_agents_; }
  bool cut_off(std::uint32_t agent) const { return agent < cut_off_.size() && cut_off_[agent]; }
  // True when a partition is configured and `step` lies inside it.
  bool partition_active(std::uint64_t step) const;
  // The first step after the partition, when one is configured: the step at which the two
  // sides exchange the blacklist entries they missed.
  std::optional<std::uint64_t> heal_step() const;

 private:
  bool separated(std::uint32_t a, std::uint32_t b, std::uint64_t from_step, std::uint64_t to_step) const;

  std::uint64_t seed_;
  NetworkSettings settings_;
  bool instant_;
  std::vector<std::uint32_t> cut_off_agents_;
  std::vector<bool> cut_off_;
};

}  // namespace dais::server

// Synthetic traffic of one agent's segment, step by step.
// Each agent is a sensor on its own segment with its own baseline: a mixture
// of service profiles (web, DNS, SSH, database, mail, file share) whose
// weights and sizes vary per agent, with clients drawn from the network's own
// address pool: 10.<agent / 256>.<agent % 256>.<1..254> for the agent's own
// hosts plus shared servers 172.16.0.1..64 that every segment talks to.
// Attackers (campaigns.h) use public addresses outside that pool.
// generate_flows is a PURE function of its arguments: step k never depends on
// earlier calls (randomness from dais::Stream(seed, Purpose::traffic, agent,
// step) and per-campaign streams). Thread-safe; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "agents/campaigns.h"
#include "agents/features.h"

namespace dais::agents {

// classroom: the original teaching generator below (features drawn per flow,
// attacks far from benign). realistic: connection records with features
// counted over a sliding window (agents/connection.h, agents/flow_window.h).
enum class Scenario { classroom, realistic };

struct TrafficParams {
  std::uint32_t flows_per_step = 40;  // benign flows per agent per step (realistic: the daily mean)
  Scenario scenario = Scenario::classroom;
  // Realistic scenario only:
  std::uint32_t window_steps = 4;     // steps of a source's flows its window features count
  std::uint32_t steps_per_day = 48;   // period of the daily rhythm
  double attack_distance = 3.0;       // attack shift from benign, in benign standard deviations
};

enum class Service : std::size_t { web, dns, ssh, database, mail, file_share };
inline constexpr std::size_t kServiceCount = 6;
std::string_view name(Service service);

// One agent's baseline, derived from (seed, agent) alone.
struct SegmentProfile {
  std::array<double, kServiceCount> weights{};      // sums to 1
  std::array<double, kServiceCount> byte_scale{};   // multiplies each service's byte medians
  std::array<double, kServiceCount> time_scale{};   // multiplies each service's durations
  std::uint32_t clients = 0;                        // local hosts 1..clients
  double shared_share = 0;                          // share of flows from shared servers
};
SegmentProfile segment_profile(std::uint64_t seed, std::uint32_t agent);

inline constexpr std::uint32_t kMaxAgents = 65536;        // agents fit in 10.x.y.0/24 segments
inline constexpr std::uint32_t kSharedServerCount = 64;   // 172.16.0.1 .. 172.16.0.64

// 10.(agent/256).(agent%256).host; agent < kMaxAgents, host in 1..254 (else std::invalid_argument).
std::uint32_t segment_address(std::uint32_t agent, std::uint32_t host);
// 172.16.0.(index + 1); index < kSharedServerCount.
std::uint32_t shared_server_address(std::uint32_t index);
// True for any address the network itself uses (10.0.0.0/8, 172.16.0.0/24).
bool in_network_pool(std::uint32_t address);
// Every address that can appear in `agent`'s benign traffic, ascending:
// its own clients and the shared servers.
std::vector<std::uint32_t> benign_sources(std::uint64_t seed, std::uint32_t agent);

// The flows `agent` observes at `step`: params.flows_per_step benign flows plus
// the attack flows of every campaign active on this agent at this step, in a
// seeded deterministic order. Benign flows have label 0, attack flows the
// campaign id. Throws std::invalid_argument for agent >= kMaxAgents.
std::vector<Flow> generate_flows(std::uint64_t seed, std::uint32_t agent, std::uint64_t step,
                                 const TrafficParams& params, std::span<const Campaign> campaigns);

}  // namespace dais::agents

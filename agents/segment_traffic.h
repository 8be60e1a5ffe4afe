// The flows one agent's segment produces, step after step, in either scenario:
// classroom = generate_flows (traffic.h), a pure function per step;
// realistic = generate_connections (connection.h) featurised over a sliding
// window (flow_window.h). The window is a cache: if `flows` is not called for
// consecutive steps (first call, a resume, a test jumping ahead), it first
// replays the generator for the window's earlier steps, so the flows of a
// step are a pure function of (seed, agent, step, params, campaigns) whatever
// was called before. A crash of the agent does not touch it: the records are
// the segment's traffic, kept by its flow collector, not the agent's memory.
// One object per agent; not thread-safe (one thread per agent at a time).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "agents/campaigns.h"
#include "agents/flow_window.h"
#include "agents/traffic.h"

namespace dais::agents {

class SegmentTraffic {
 public:
  // Throws std::invalid_argument for agent >= kMaxAgents, or a realistic
  // scenario with window_steps or steps_per_day of 0.
  SegmentTraffic(std::uint64_t seed, std::uint32_t agent, const TrafficParams& params);

  // The flows of `step`. Campaigns must be the same list (or a list that only
  // adds campaigns starting later) from call to call for the cache to hold.
  std::vector<Flow> flows(std::uint64_t step, std::span<const Campaign> campaigns);

  // Realistic scenario: the same, with the connection records the flows were
  // computed from (same order). Classroom: records stays empty.
  std::vector<Flow> flows(std::uint64_t step, std::span<const Campaign> campaigns, std::vector<Connection>& records);

 private:
  std::uint64_t seed_;
  std::uint32_t agent_;
  TrafficParams params_;
  FlowWindow window_;
};

}  // namespace dais::agents

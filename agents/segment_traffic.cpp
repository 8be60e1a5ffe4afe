#include "agents/segment_traffic.h"

#include <stdexcept>

namespace dais::agents {

SegmentTraffic::SegmentTraffic(std::uint64_t seed, std::uint32_t agent, const TrafficParams& params)
    : seed_(seed), agent_(agent), params_(params), window_(params.window_steps == 0 ? 1 : params.window_steps) {
  if (agent >= kMaxAgents) throw std::invalid_argument("SegmentTraffic: agent out of range");
  if (params.scenario == Scenario::realistic) {
    if (params.window_steps == 0) throw std::invalid_argument("traffic.window_steps must be >= 1");
    if (params.steps_per_day == 0) throw std::invalid_argument("traffic.steps_per_day must be >= 1");
  }
}

std::vector<Flow> SegmentTraffic::flows(std::uint64_t step, std::span<const Campaign> campaigns) {
  std::vector<Connection> records;
  return flows(step, campaigns, records);
}

std::vector<Flow> SegmentTraffic::flows(std::uint64_t step, std::span<const Campaign> campaigns,
                                        std::vector<Connection>& records) {
  records.clear();
  if (params_.scenario == Scenario::classroom) return generate_flows(seed_, agent_, step, params_, campaigns);
  const auto now = static_cast<std::int64_t>(step);
  const double step_s = step_seconds(params_);
  if (!window_.last_step() || *window_.last_step() != now - 1) {
    // Not the next step: rebuild the window from the generator (steps before 0 are pre-run traffic).
    window_.clear();
    for (std::int64_t s = now - static_cast<std::int64_t>(params_.window_steps) + 1; s < now; ++s)
      window_.advance(s, generate_connections(seed_, agent_, s, params_, campaigns), step_s);
  }
  records = generate_connections(seed_, agent_, now, params_, campaigns);
  return window_.advance(now, records, step_s);
}

}  // namespace dais::agents

// Connection records of the realistic scenario: what a flow collector on an
// agent's segment records for one step (who talked to which host and port,
// when, how much each way, SYNs, failed logins). Features are computed from
// these records by agents/flow_window.h, never drawn directly.
// Benign traffic follows a daily rhythm with bursts and includes services whose
// normal use overlaps attacks: a login service with failed logins, a nightly
// backup moving large volumes out, a monitoring host touching many hosts and
// ports. Attacks are shaped from a benign service and shifted by
// params.attack_distance benign standard deviations on the kind's features.
// generate_connections is a PURE function of its arguments (streams keyed by
// seed, agent, step, campaign); thread-safe; no I/O. Throws
// std::invalid_argument for agent >= kMaxAgents or steps_per_day == 0.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "agents/campaigns.h"
#include "agents/traffic.h"

namespace dais::agents {

// The services of the realistic segment; the first six are traffic.h's Service.
enum class RealisticService : std::uint8_t { web, dns, login, database, mail, file_share, backup, monitoring };
inline constexpr std::size_t kRealisticServiceCount = 8;

struct Connection {
  std::uint32_t source = 0;    // remote party the flow is attributed to (the indicator)
  std::uint32_t dst_host = 0;  // host of the segment (or shared server) contacted
  std::uint16_t dst_port = 0;
  double start_s = 0;          // seconds since step 0 began (negative before it)
  double duration_s = 0;
  double bytes_in = 0;         // entering the segment
  double bytes_out = 0;        // leaving the segment
  std::uint32_t packets = 1;
  std::uint32_t syn_packets = 0;
  std::uint32_t failed_logins = 0;
  RealisticService service = RealisticService::web;  // benign: its service; attack: the service it is shaped from
  std::uint32_t label = 0;     // 0 benign, else campaign id (ground truth, scoring only)
};

// Seconds in one step: 86400 / steps_per_day.
double step_seconds(const TrafficParams& params);
// Multiplier of the benign flow rate at `step`: 1 + 0.5 sin(2 pi phase), mean 1 over a day.
double daily_rate(const TrafficParams& params, std::int64_t step);
// True in the night quarter of the day, when backups run.
bool backup_hours(const TrafficParams& params, std::int64_t step);

// Every connection of `agent`'s segment at `step` (may be negative: history
// before the run), sorted by start time. Benign: about
// flows_per_step × daily_rate plus bursts, backups and monitoring; attack: the
// flows of every campaign active on the agent at the step.
std::vector<Connection> generate_connections(std::uint64_t seed, std::uint32_t agent, std::int64_t step,
                                             const TrafficParams& params, std::span<const Campaign> campaigns);

}  // namespace dais::agents

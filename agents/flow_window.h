// Per-source sliding-window features of the realistic scenario: each
// connection's features are counted from the records of its source over the
// agent's last `window_steps` steps (its own step included, up to and
// including the connection itself): distinct destination ports and hosts,
// share of connections with failed logins, mean and variation of the gaps
// between the source's connection starts; plus the connection's own bytes,
// packets, duration and SYN ratio. See kRealisticFeatureNames.
// FlowWindow is one agent's state, advanced in step order by one thread; it is
// a cache of pure functions (agents/segment_traffic.h rebuilds it from the
// generator when a step is skipped), so it carries no history of its own.
// window_stats and realistic_features are pure. No I/O.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "agents/connection.h"
#include "agents/features.h"

namespace dais::agents {

// What a realistic FeatureVector's slots hold (same slots as kFeatureNames, so
// the forest, signatures and validation work on either scenario unchanged).
inline constexpr std::array<std::string_view, kFeatureCount> kRealisticFeatureNames = {
    "log_bytes_in",        "log_bytes_out",          "log_packets",             "log_duration_s",
    "failed_login_share",  "syn_ratio",              "log_distinct_dst_ports",  "log_inter_arrival_ms",
    "log_distinct_dst_hosts", "inter_arrival_cv",
};

struct WindowStats {
  std::uint32_t flows = 0;
  std::uint32_t distinct_ports = 0;
  std::uint32_t distinct_hosts = 0;
  double failed_login_share = 0;  // connections with >= 1 failed login / connections
  double inter_arrival_mean_s = 0;  // mean gap between consecutive starts; window_s when flows < 2
  double inter_arrival_cv = 0;      // sd / mean of those gaps; 0 when fewer than two gaps
};

// Stats of one source's connections, in time order (the last is the flow being described).
WindowStats window_stats(std::span<const Connection> source_history, double window_s);

FeatureVector realistic_features(const Connection& connection, const WindowStats& window);

class FlowWindow {
 public:
  // window_steps >= 1 (std::invalid_argument otherwise).
  explicit FlowWindow(std::uint32_t window_steps);

  // Adds `step`'s connections (sorted by start) and returns one Flow per
  // connection, in the same order. Steps must come in increasing order; the
  // window covers steps [step - window_steps + 1, step].
  std::vector<Flow> advance(std::int64_t step, const std::vector<Connection>& connections, double step_s);

  std::optional<std::int64_t> last_step() const { return last_step_; }
  void clear();

 private:
  std::uint32_t window_steps_;
  std::deque<std::pair<std::int64_t, std::vector<Connection>>> history_;  // earlier steps still in the window
  std::optional<std::int64_t> last_step_;
};

}  // namespace dais::agents

// The numeric view of one network flow that every detector in DAIS sees, and
// the IPv4 helpers used to name flow sources.
// Features are from the point of view of the agent's segment: "in" is traffic
// entering the segment, "out" is traffic leaving it. Heavy-tailed counts are
// log-scaled (log1p) as a real flow detector would, so a 10x change is one
// step of ~2.3 whatever the service; ratios stay in [0, 1]. See kFeatureNames.
// Pure value types and pure functions; thread-safe; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dais::agents {

inline constexpr std::size_t kFeatureCount = 10;
using FeatureVector = std::array<float, kFeatureCount>;

// Index of each feature in a FeatureVector.
enum Feature : std::size_t {
  log_bytes_in = 0,         // log1p(bytes entering the segment)
  log_bytes_out = 1,        // log1p(bytes leaving the segment)
  log_packets = 2,          // log1p(packets, both directions)
  log_duration_s = 3,       // log1p(flow duration in seconds)
  log_mean_packet_size = 4, // log1p(mean packet size in bytes)
  syn_ratio = 5,            // SYN packets / packets, [0, 1]
  log_distinct_dst_ports = 6, // log1p(distinct destination ports the source touched in the flow's window)
  log_inter_arrival_ms = 7, // log1p(mean packet inter-arrival time in milliseconds)
  log_failed_logins = 8,    // log1p(failed authentication attempts seen in the flow)
  payload_entropy = 9,      // payload byte entropy in bits per byte, [0, 8]
};

inline constexpr std::array<std::string_view, kFeatureCount> kFeatureNames = {
    "log_bytes_in",   "log_bytes_out",       "log_packets",     "log_duration_s",       "log_mean_packet_size",
    "syn_ratio",      "log_distinct_dst_ports", "log_inter_arrival_ms", "log_failed_logins", "payload_entropy",
};

// One observed flow. `source` is the remote party the flow is attributed to
// (the indicator a blacklist would block); `label` is ground truth for
// scoring only (0 = benign, otherwise the campaign id) and must never be read
// by detection, signature or validation code.
struct Flow {
  FeatureVector features{};
  std::uint32_t source = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t label = 0;
};

// Dotted quad, e.g. 0x0a000102 -> "10.0.1.2".
std::string format_ipv4(std::uint32_t address);
// Strict dotted quad: four decimal octets 0..255, no sign, no leading zeros
// (ambiguous with octal), no whitespace; nullopt otherwise.
std::optional<std::uint32_t> parse_ipv4(std::string_view text);

}  // namespace dais::agents

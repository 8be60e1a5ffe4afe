// Recorded traffic as DAIS reads it: one bidirectional flow, from a packet capture
// (assembled from packets) or a flow-record CSV (one row). Both readers of the capture
// layer produce FlowRecord; the server turns them into the agents' connection records.
// "Forward" is the direction of the flow's first packet (its initiator, `src`).
// Plain data, no I/O; IpAddress::parse and text are pure and thread-safe.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dais::capture {

// An IPv4 or IPv6 address, in network byte order (IPv4 in the first four bytes).
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};

  // From an IPv4 address in host byte order (1.2.3.4 -> 0x01020304).
  static IpAddress v4(std::uint32_t host_order);
  // "192.0.2.1" or "2001:db8::1"; nullopt for anything else.
  static std::optional<IpAddress> parse(std::string_view text);
  // The IPv4 address in host byte order; nullopt for IPv6.
  std::optional<std::uint32_t> as_v4() const;
  // Dotted quad or RFC 5952 text.
  std::string text() const;

  auto operator<=>(const IpAddress&) const = default;
};

struct FlowRecord {
  double start_s = 0;  // capture time of the first packet, seconds since the Unix epoch
  double end_s = 0;    // capture time of the last packet
  IpAddress src, dst;  // src sent the first packet
  std::uint16_t src_port = 0, dst_port = 0;  // 0 for ICMP
  std::uint8_t protocol = 0;                 // IANA number: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
  std::uint64_t packets_fwd = 0, packets_bwd = 0;
  std::uint64_t bytes_fwd = 0, bytes_bwd = 0;  // IP bytes (header included) each way
  std::uint32_t syn = 0, syn_ack = 0, fin = 0, rst = 0;  // TCP packets with these flags, both ways
  // Ground truth from the source's label column or label file, when it has one: scoring only,
  // it never reaches detection. nullopt: the source does not say.
  std::optional<std::string> label;
};

}  // namespace dais::capture

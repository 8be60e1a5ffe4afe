// Builds link-layer frames carrying one IPv4 or IPv6 packet (TCP, UDP, ICMP or ICMPv6, with a
// zero-filled payload), the inverse of packet_parser.h: what the tests and `dais-bench pcap`
// write into the captures they make. IPv4 header checksums are computed; transport checksums
// are left zero (no reader here checks them). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/flow_record.h"
#include "capture/packet_parser.h"

namespace dais::capture {

struct PacketSpec {
  IpAddress src{}, dst{};                // both IPv4 or both IPv6
  std::uint8_t protocol = 6;             // 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, or any other (header-less payload)
  std::uint16_t src_port = 0, dst_port = 0;
  std::uint8_t tcp_flags = 0;            // capture/packet_parser.h tcp_flag
  std::uint8_t icmp_type = 8;            // echo request (ICMPv6: use 128)
  std::size_t payload = 0;               // bytes after the transport header
  std::vector<std::uint16_t> vlans{};    // Ethernet only: VLAN ids, outermost first (802.1ad outside 802.1Q)
  std::uint16_t fragment_offset = 0;     // IPv4 only, in 8-byte units: non-zero makes a non-first fragment
};

// The bytes of the IP packet `spec` describes: IP header, transport header and payload.
std::size_t ip_length(const PacketSpec& spec);

// The whole frame for `link` (LinkType::ipv4 / ipv6 / raw: the IP packet alone).
std::vector<std::uint8_t> build_frame(LinkType link, const PacketSpec& spec);

}  // namespace dais::capture

// Decodes one captured packet (link-layer frame) into what a flow needs: the IP 5-tuple, the IP
// length and the TCP flags. Link types: Ethernet (any number of 802.1Q / 802.1ad tags, up to 8),
// Linux cooked capture v1 and v2, raw IP (either version, or IPv4 / IPv6 only). Network: IPv4
// (non-first fragments are reported, not decoded) and IPv6 (hop-by-hop, routing, destination
// options, fragment and AH extension headers are skipped). Transport: TCP, UDP, ICMP, ICMPv6.
// Every read is bounds-checked against the captured length: a packet cut before the headers a
// flow needs is `truncated`, one whose headers contradict themselves is `malformed`; neither
// throws. Pure functions, no libpcap, no allocation: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "capture/flow_record.h"

namespace dais::capture {

enum class LinkType : std::uint8_t { ethernet, linux_sll, linux_sll2, raw, ipv4, ipv6 };

// The link type of a libpcap DLT_ / LINKTYPE_ number; nullopt for those DAIS does not read.
std::optional<LinkType> link_type_of(int dlt);

enum class PacketStatus : std::uint8_t {
  ok,              // a TCP, UDP, ICMP or ICMPv6 packet: every Packet field is set
  truncated,       // the capture ends before the headers a flow needs
  malformed,       // a header contradicts itself (bad version, lengths, offsets)
  not_ip,          // a frame that carries no IP packet (ARP, LLDP, ...)
  other_protocol,  // IP, but not TCP, UDP or ICMP (GRE, ESP, SCTP, ...)
  fragment,        // a non-first IPv4 or IPv6 fragment: no transport header to read
};

struct Packet {
  IpAddress src, dst;
  std::uint16_t src_port = 0, dst_port = 0;  // 0 for ICMP and ICMPv6
  std::uint8_t protocol = 0;                 // 6, 17, 1 or 58
  std::uint32_t ip_bytes = 0;                // IP header and payload, from the IP length field
  std::uint8_t tcp_flags = 0;                // TCP's flag byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10)
};

namespace tcp_flag {
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

// Decodes the `captured` bytes at `data` of a frame that was `wire_length` bytes long on the wire
// (pcap's caplen and len). Fills `out` only when the result is ok.
PacketStatus parse_packet(LinkType link, const std::uint8_t* data, std::size_t captured, std::size_t wire_length,
                          Packet& out);

}  // namespace dais::capture

// Captures the capture tests write (through libpcap's dump functions, capture/capture_writer.h)
// and whose flows they know by hand: TCP sessions, a SYN scan, a SYN flood, a brute-force burst,
// DNS and ICMP. Every packet here is IPv4 or IPv6 with no options, so a TCP packet without payload
// is 40 bytes of IPv4 (60 of IPv6), UDP 28 + payload, ICMP 28 + payload.
// Header-only; each Scenario writes to the writer it is given, in time order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "capture/capture_writer.h"
#include "capture/packet_builder.h"

namespace dais::test {

using capture::IpAddress;
using capture::LinkType;
using capture::PacketSpec;
namespace flag = capture::tcp_flag;

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

// Writes packets on one link type, advancing a clock by `gap_us` microseconds per packet. The
// clock counts whole microseconds (the file's resolution), so times add up exactly.
class Scenario {
 public:
  Scenario(capture::CaptureWriter& writer, LinkType link, std::int64_t start_us = 1700000000000000,
           std::int64_t gap_us = 1000)
      : writer_(writer), link_(link), now_us_(start_us), gap_us_(gap_us) {}

  // The time the next packet will have, in seconds.
  double now() const { return static_cast<double>(now_us_) / 1e6; }
  void wait_us(std::int64_t microseconds) { now_us_ += microseconds; }
  std::vector<std::uint16_t> vlans;  // tags put on every Ethernet frame from now on

  void packet(PacketSpec spec, std::size_t captured = SIZE_MAX) {
    spec.vlans = vlans;
    writer_.write(now(), capture::build_frame(link_, spec), captured);
    now_us_ += gap_us_;
  }
  void tcp(IpAddress from, std::uint16_t from_port, IpAddress to, std::uint16_t to_port, std::uint8_t flags,
           std::size_t payload = 0) {
    packet({.src = from, .dst = to, .protocol = 6, .src_port = from_port, .dst_port = to_port, .tcp_flags = flags,
            .payload = payload});
  }
  // Handshake, one request and one response, FIN both ways and the last ACK: 8 packets, 5 from
  // the client (SYN, ACK, request, FIN, ACK), 3 from the server (SYN/ACK, response, FIN).
  void session(IpAddress client, std::uint16_t client_port, IpAddress server, std::uint16_t server_port,
               std::size_t request, std::size_t response) {
    tcp(client, client_port, server, server_port, flag::syn);
    tcp(server, server_port, client, client_port, flag::syn | flag::ack);
    tcp(client, client_port, server, server_port, flag::ack);
    tcp(client, client_port, server, server_port, flag::psh | flag::ack, request);
    tcp(server, server_port, client, client_port, flag::psh | flag::ack, response);
    tcp(client, client_port, server, server_port, flag::fin | flag::ack);
    tcp(server, server_port, client, client_port, flag::fin | flag::ack);
    tcp(client, client_port, server, server_port, flag::ack);
  }
  // SYN to ports first..last; `open` ports answer SYN/ACK (and the scanner resets), others RST/ACK.
  void syn_scan(IpAddress scanner, IpAddress target, std::uint16_t first, std::uint16_t last,
                const std::vector<std::uint16_t>& open) {
    for (std::uint32_t port = first; port <= last; ++port) {
      const auto p = static_cast<std::uint16_t>(port);
      tcp(scanner, 40000, target, p, flag::syn);
      if (std::find(open.begin(), open.end(), p) != open.end()) {
        tcp(target, p, scanner, 40000, flag::syn | flag::ack);
        tcp(scanner, 40000, target, p, flag::rst);
      } else {
        tcp(target, p, scanner, 40000, flag::rst | flag::ack);
      }
    }
  }
  void dns(IpAddress client, std::uint16_t port, IpAddress server, std::size_t query, std::size_t answer) {
    packet({.src = client, .dst = server, .protocol = 17, .src_port = port, .dst_port = 53, .payload = query});
    packet({.src = server, .dst = client, .protocol = 17, .src_port = 53, .dst_port = port, .payload = answer});
  }
  void ping(IpAddress from, IpAddress to, std::size_t payload) {
    const bool v6 = from.v6;
    packet({.src = from, .dst = to, .protocol = std::uint8_t(v6 ? 58 : 1), .icmp_type = std::uint8_t(v6 ? 128 : 8),
            .payload = payload});
    packet({.src = to, .dst = from, .protocol = std::uint8_t(v6 ? 58 : 1), .icmp_type = std::uint8_t(v6 ? 129 : 0),
            .payload = payload});
  }

 private:
  capture::CaptureWriter& writer_;
  LinkType link_;
  std::int64_t now_us_;
  std::int64_t gap_us_;
};

}  // namespace dais::test

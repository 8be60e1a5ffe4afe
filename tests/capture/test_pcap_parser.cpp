// capture/packet_parser: every link type and IP version, the headers it skips, and damage of
// every kind counted as what it is (truncated, malformed, not IP, other protocol, fragment).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "capture/packet_builder.h"
#include "capture/packet_parser.h"

namespace {

using namespace dais::capture;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

PacketSpec tcp_spec() {
  return {.src = ip("192.0.2.1"), .dst = ip("198.51.100.7"), .protocol = 6, .src_port = 51000, .dst_port = 443,
          .tcp_flags = tcp_flag::syn | tcp_flag::ack, .payload = 100};
}

PacketStatus parse(LinkType link, const std::vector<std::uint8_t>& frame, Packet& out) {
  return parse_packet(link, frame.data(), frame.size(), frame.size(), out);
}

PacketStatus parse(LinkType link, const std::vector<std::uint8_t>& frame) {
  Packet ignored;
  return parse(link, frame, ignored);
}

// The offset of the IP header in a frame build_frame made for `link`, without VLAN tags.
std::size_t ip_offset(LinkType link) {
  switch (link) {
    case LinkType::ethernet: return 14;
    case LinkType::linux_sll: return 16;
    case LinkType::linux_sll2: return 20;
    default: return 0;
  }
}

}  // namespace

TEST_CASE("link types map from libpcap's DLT numbers") {
  CHECK(link_type_of(1) == LinkType::ethernet);
  CHECK(link_type_of(113) == LinkType::linux_sll);
  CHECK(link_type_of(276) == LinkType::linux_sll2);
  CHECK(link_type_of(12) == LinkType::raw);
  CHECK(link_type_of(14) == LinkType::raw);
  CHECK(link_type_of(101) == LinkType::raw);
  CHECK(link_type_of(228) == LinkType::ipv4);
  CHECK(link_type_of(229) == LinkType::ipv6);
  CHECK_FALSE(link_type_of(105).has_value());  // 802.11
  CHECK_FALSE(link_type_of(0).has_value());    // BSD loopback
}

TEST_CASE("a TCP packet decodes the same on every link type that can carry it") {
  const PacketSpec spec = tcp_spec();
  for (const LinkType link : {LinkType::ethernet, LinkType::linux_sll, LinkType::linux_sll2, LinkType::raw,
                              LinkType::ipv4}) {
    CAPTURE(static_cast<int>(link));
    Packet p;
    REQUIRE(parse(link, build_frame(link, spec), p) == PacketStatus::ok);
    CHECK(p.src == spec.src);
    CHECK(p.dst == spec.dst);
    CHECK(p.src_port == 51000);
    CHECK(p.dst_port == 443);
    CHECK(p.protocol == 6);
    CHECK(p.ip_bytes == 20 + 20 + 100);
    CHECK(p.tcp_flags == (tcp_flag::syn | tcp_flag::ack));
  }
  CHECK(parse(LinkType::ipv6, build_frame(LinkType::ipv6, spec)) == PacketStatus::malformed);
}

TEST_CASE("IPv6 UDP and ICMPv6, IPv4 ICMP") {
  Packet p;
  PacketSpec udp{.src = ip("2001:db8::1"), .dst = ip("2001:db8::53"), .protocol = 17, .src_port = 5353,
                 .dst_port = 53, .payload = 30};
  for (const LinkType link : {LinkType::ethernet, LinkType::linux_sll, LinkType::raw, LinkType::ipv6}) {
    REQUIRE(parse(link, build_frame(link, udp), p) == PacketStatus::ok);
    CHECK(p.src.text() == "2001:db8::1");
    CHECK(p.dst_port == 53);
    CHECK(p.ip_bytes == 40 + 8 + 30);
  }
  PacketSpec icmp6{.src = ip("2001:db8::1"), .dst = ip("2001:db8::2"), .protocol = 58, .icmp_type = 128,
                   .payload = 56};
  REQUIRE(parse(LinkType::ethernet, build_frame(LinkType::ethernet, icmp6), p) == PacketStatus::ok);
  CHECK(p.protocol == 58);
  CHECK(p.src_port == 0);
  CHECK(p.ip_bytes == 40 + 8 + 56);
  PacketSpec icmp{.src = ip("10.0.0.1"), .dst = ip("10.0.0.2"), .protocol = 1, .payload = 56};
  REQUIRE(parse(LinkType::ethernet, build_frame(LinkType::ethernet, icmp), p) == PacketStatus::ok);
  CHECK(p.protocol == 1);
  CHECK(p.ip_bytes == 84);
}

TEST_CASE("802.1Q and 802.1ad tags are skipped; more than eight is malformed") {
  PacketSpec spec = tcp_spec();
  Packet p;
  spec.vlans = {100};
  REQUIRE(parse(LinkType::ethernet, build_frame(LinkType::ethernet, spec), p) == PacketStatus::ok);
  CHECK(p.dst_port == 443);
  spec.vlans = {200, 100};
  const auto double_tagged = build_frame(LinkType::ethernet, spec);
  CHECK(double_tagged[12] == 0x88);  // outer tag is 802.1ad
  CHECK(double_tagged[13] == 0xA8);
  REQUIRE(parse(LinkType::ethernet, double_tagged, p) == PacketStatus::ok);
  CHECK(p.ip_bytes == 140);
  spec.vlans.assign(8, 7);
  CHECK(parse(LinkType::ethernet, build_frame(LinkType::ethernet, spec)) == PacketStatus::ok);
  spec.vlans.assign(9, 7);
  CHECK(parse(LinkType::ethernet, build_frame(LinkType::ethernet, spec)) == PacketStatus::malformed);
}

TEST_CASE("Ethernet padding and a frame check sequence do not count as IP bytes") {
  PacketSpec spec = tcp_spec();
  spec.payload = 0;
  auto frame = build_frame(LinkType::ethernet, spec);
  REQUIRE(frame.size() == 54);
  frame.resize(64, 0);  // padded to the minimum frame and a 4-byte FCS
  Packet p;
  REQUIRE(parse(LinkType::ethernet, frame, p) == PacketStatus::ok);
  CHECK(p.ip_bytes == 40);
}

TEST_CASE("IPv6 extension headers are skipped up to the transport header") {
  // Hop-by-hop (8 bytes) then destination options (16 bytes) then TCP.
  PacketSpec spec{.src = ip("2001:db8::1"), .dst = ip("2001:db8::2"), .protocol = 0, .payload = 8 + 16 + 20};
  auto frame = build_frame(LinkType::raw, spec);
  frame[40] = 60;  // next: destination options
  frame[41] = 0;   // 8 bytes
  frame[48] = 6;   // next: TCP
  frame[49] = 1;   // 16 bytes
  frame[64] = 0x1F;  // source port 8080
  frame[65] = 0x90;
  frame[67] = 22;       // destination port 22
  frame[76] = 5 << 4;   // data offset
  frame[77] = tcp_flag::syn;
  Packet p;
  REQUIRE(parse(LinkType::raw, frame, p) == PacketStatus::ok);
  CHECK(p.protocol == 6);
  CHECK(p.src_port == 8080);
  CHECK(p.dst_port == 22);
  CHECK(p.tcp_flags == tcp_flag::syn);
  CHECK(p.ip_bytes == 40 + 44);

  // The capture ends after the first extension header's length byte, inside the headers: truncated
  // (found by fuzz_packet_parser: the next header's offset lay beyond the captured bytes).
  for (std::size_t cut = 41; cut < 84; ++cut) {
    CAPTURE(cut);
    const std::vector<std::uint8_t> captured(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(cut));
    const PacketStatus status = parse_packet(LinkType::raw, captured.data(), cut, frame.size(), p);
    CHECK(status == PacketStatus::truncated);
  }

  // An extension header claiming more than the packet holds is malformed.
  frame[49] = 200;
  CHECK(parse(LinkType::raw, frame) == PacketStatus::malformed);

  // ESP hides the transport header: another protocol.
  PacketSpec esp{.src = ip("2001:db8::1"), .dst = ip("2001:db8::2"), .protocol = 50, .payload = 40};
  CHECK(parse(LinkType::raw, build_frame(LinkType::raw, esp)) == PacketStatus::other_protocol);

  // A chain of nine hop-by-hop headers is more than any real packet carries.
  PacketSpec chain{.src = ip("2001:db8::1"), .dst = ip("2001:db8::2"), .protocol = 0, .payload = 9 * 8 + 20};
  auto long_chain = build_frame(LinkType::raw, chain);
  for (int i = 0; i < 9; ++i) long_chain[40 + 8 * i] = i < 8 ? 0 : 6;
  CHECK(parse(LinkType::raw, long_chain) == PacketStatus::malformed);
}

TEST_CASE("fragments: the first is decoded, the others are reported") {
  PacketSpec spec{.src = ip("10.0.0.1"), .dst = ip("10.0.0.2"), .protocol = 17, .src_port = 1000, .dst_port = 2000,
                  .payload = 100};
  auto first = build_frame(LinkType::raw, spec);
  first[6] = 0x20;  // more fragments, offset 0
  CHECK(parse(LinkType::raw, first) == PacketStatus::ok);
  spec.fragment_offset = 14;
  CHECK(parse(LinkType::raw, build_frame(LinkType::raw, spec)) == PacketStatus::fragment);

  // IPv6: a fragment header with offset 0 (first) and 8 (later).
  PacketSpec v6{.src = ip("2001:db8::1"), .dst = ip("2001:db8::2"), .protocol = 44, .payload = 8 + 8};
  auto frame = build_frame(LinkType::raw, v6);
  frame[40] = 17;  // next: UDP
  frame[43] = 1;   // offset 0, more fragments
  frame[49] = 53;  // UDP source port 53
  Packet p;
  REQUIRE(parse(LinkType::raw, frame, p) == PacketStatus::ok);
  CHECK(p.protocol == 17);
  CHECK(p.src_port == 53);
  frame[42] = 0;
  frame[43] = 8 << 3;  // offset 8 (units of 8 bytes)
  CHECK(parse(LinkType::raw, frame) == PacketStatus::fragment);
}

TEST_CASE("frames without IP and IP without TCP, UDP or ICMP") {
  auto arp = build_frame(LinkType::ethernet, tcp_spec());
  arp[12] = 0x08;
  arp[13] = 0x06;
  CHECK(parse(LinkType::ethernet, arp) == PacketStatus::not_ip);
  auto llc = arp;
  llc[12] = 0x00;  // an 802.3 length, not an EtherType
  llc[13] = 0x40;
  CHECK(parse(LinkType::ethernet, llc) == PacketStatus::not_ip);
  PacketSpec gre{.src = ip("10.0.0.1"), .dst = ip("10.0.0.2"), .protocol = 47, .payload = 24};
  CHECK(parse(LinkType::ethernet, build_frame(LinkType::ethernet, gre)) == PacketStatus::other_protocol);
}

TEST_CASE("a frame cut anywhere inside its headers is truncated, never read past") {
  for (const LinkType link : {LinkType::ethernet, LinkType::linux_sll, LinkType::linux_sll2, LinkType::raw}) {
    for (const bool v6 : {false, true}) {
      PacketSpec spec = tcp_spec();
      if (v6) {
        spec.src = ip("2001:db8::1");
        spec.dst = ip("2001:db8::2");
      }
      const auto frame = build_frame(link, spec);
      const std::size_t headers = ip_offset(link) + (v6 ? 40 : 20) + 20;
      for (std::size_t cut = 0; cut < headers; ++cut) {
        CAPTURE(cut);
        // A copy of only the captured bytes, so a read past them is a sanitizer finding.
        const std::vector<std::uint8_t> captured(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(cut));
        Packet p;
        CHECK(parse_packet(link, captured.data(), cut, frame.size(), p) == PacketStatus::truncated);
      }
      // Cut after the headers (a short snapshot length): decoded, with the length the IP header gives.
      const std::vector<std::uint8_t> snap(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(headers));
      Packet p;
      REQUIRE(parse_packet(link, snap.data(), snap.size(), frame.size(), p) == PacketStatus::ok);
      CHECK(p.ip_bytes == (v6 ? 40 : 20) + 20 + 100);
    }
  }
}

TEST_CASE("headers that contradict themselves are malformed") {
  const auto good = build_frame(LinkType::raw, tcp_spec());
  auto bad = good;
  bad[0] = 0x43;  // IHL 3: shorter than the fixed header
  CHECK(parse(LinkType::raw, bad) == PacketStatus::malformed);
  bad = good;
  bad[2] = 0;
  bad[3] = 19;  // total length below the header
  CHECK(parse(LinkType::raw, bad) == PacketStatus::malformed);
  bad = good;
  bad[2] = 0x05;  // total length 1400, more than the 140 bytes on the wire
  CHECK(parse(LinkType::raw, bad) == PacketStatus::malformed);
  bad = good;
  bad[32] = 4 << 4;  // TCP data offset 16 bytes
  CHECK(parse(LinkType::raw, bad) == PacketStatus::malformed);
  bad = good;
  bad[32] = 15 << 4;  // TCP data offset 60 bytes, beyond a 40-byte segment
  bad[2] = 0;
  bad[3] = 20 + 40;
  CHECK(parse(LinkType::raw, bad) == PacketStatus::malformed);
  bad = good;
  bad[0] = 0x75;  // IP version 7
  CHECK(parse(LinkType::raw, bad) == PacketStatus::malformed);

  // An Ethernet frame that says IPv4 but holds IPv6.
  PacketSpec v6 = tcp_spec();
  v6.src = ip("2001:db8::1");
  v6.dst = ip("2001:db8::2");
  auto mislabelled = build_frame(LinkType::ethernet, v6);
  mislabelled[12] = 0x08;
  mislabelled[13] = 0x00;
  CHECK(parse(LinkType::ethernet, mislabelled) == PacketStatus::malformed);
  // IPv6 payload length beyond the wire.
  auto long_v6 = build_frame(LinkType::raw, v6);
  long_v6[4] = 0x10;
  CHECK(parse(LinkType::raw, long_v6) == PacketStatus::malformed);
}

TEST_CASE("an IPv4 length of 0 (TCP segmentation offload) takes the length on the wire") {
  auto frame = build_frame(LinkType::ethernet, tcp_spec());
  frame[16] = 0;
  frame[17] = 0;
  Packet p;
  REQUIRE(parse(LinkType::ethernet, frame, p) == PacketStatus::ok);
  CHECK(p.ip_bytes == 140);
}

TEST_CASE("random bytes on every link type: a status, never a read past the capture") {
  std::mt19937_64 random(16);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 120);
  std::size_t ok = 0;
  for (int i = 0; i < 200000; ++i) {
    const auto link = static_cast<LinkType>(i % 6);
    std::vector<std::uint8_t> frame(length(random));
    for (auto& b : frame) b = static_cast<std::uint8_t>(byte(random));
    // Most random frames fail early; every other one gets a plausible IPv4 or IPv6 header start
    // (version, a length that fits, a common next protocol), so the deeper paths run too.
    const std::size_t at = ip_offset(link);
    if (i % 2 == 0 && frame.size() >= at + 40) {
      const std::uint8_t next[] = {6, 17, 1, 58, 0, 44, 60};
      const std::size_t rest = frame.size() - at;
      if (i % 4 == 0) {
        frame[at] = 0x45;
        frame[at + 2] = 0;
        frame[at + 3] = static_cast<std::uint8_t>(rest);
        frame[at + 6] &= 0xE0;
        frame[at + 7] = 0;
        frame[at + 9] = next[i % 3];
      } else {
        frame[at] = 0x60;
        frame[at + 4] = 0;
        frame[at + 5] = static_cast<std::uint8_t>(rest - 40);
        frame[at + 6] = next[i % 7];
      }
      const std::uint16_t ethertype = i % 4 == 0 ? 0x0800 : 0x86DD;
      const std::size_t type_at = link == LinkType::ethernet ? 12 : link == LinkType::linux_sll ? 14 : 0;
      if (at > 0) {
        frame[type_at] = static_cast<std::uint8_t>(ethertype >> 8);
        frame[type_at + 1] = static_cast<std::uint8_t>(ethertype);
      }
    }
    Packet p;
    const PacketStatus status = parse_packet(link, frame.data(), frame.size(), frame.size(), p);
    if (status == PacketStatus::ok) {
      ++ok;
      CHECK(p.ip_bytes <= frame.size());
    }
  }
  CHECK(ok > 0);
}

// Ethernet frames carrying IPv4 TCP or UDP take a shorter path (parse_ethernet_ipv4_common); the
// same IP packet in a frame with a VLAN tag takes the general one. Damaged in the fields that short
// path reads (version and header length, total length, fragment bits, protocol, TCP data offset)
// and cut anywhere, both must give the same status and the same packet.
TEST_CASE("untagged Ethernet IPv4 frames decode as the same IP packet in a VLAN-tagged frame, damaged or not") {
  std::mt19937 random(16);
  int ok = 0, compared = 0;
  for (int i = 0; i < 20000; ++i) {
    PacketSpec spec = tcp_spec();
    spec.protocol = i % 3 == 0 ? 17 : 6;
    spec.payload = random() % 64;
    std::vector<std::uint8_t> packet = build_frame(LinkType::raw, spec);
    switch (random() % 8) {
      case 0: packet[0] = static_cast<std::uint8_t>(random()); break;  // version, header length
      case 1:                                                           // total length
        packet[2] = 0;
        packet[3] = static_cast<std::uint8_t>(random());
        break;
      case 2:  // fragment bits and offset
        packet[6] = static_cast<std::uint8_t>(random() % 4);
        packet[7] = static_cast<std::uint8_t>(random());
        break;
      case 3: packet[9] = static_cast<std::uint8_t>(random() % 20); break;  // protocol
      case 4: {  // TCP data offset (a UDP packet with a short payload has no byte there)
        const auto offset = static_cast<std::uint8_t>(random());
        if (spec.protocol == 6) packet[20 + 12] = offset;
        break;
      }
      default: break;
    }
    std::vector<std::uint8_t> untagged = build_frame(LinkType::ethernet, spec);
    std::copy(packet.begin(), packet.end(), untagged.begin() + 14);
    spec.vlans = {100};
    std::vector<std::uint8_t> tagged = build_frame(LinkType::ethernet, spec);
    std::copy(packet.begin(), packet.end(), tagged.begin() + 18);
    const std::size_t cut = random() % 2 == 0 ? packet.size() : random() % (packet.size() + 1);
    const std::size_t wire_extra = random() % 3 == 0 ? random() % 40 : 0;
    Packet general, fast;
    const PacketStatus expected =
        parse_packet(LinkType::ethernet, tagged.data(), cut + 18, tagged.size() + wire_extra, general);
    const PacketStatus status =
        parse_packet(LinkType::ethernet, untagged.data(), cut + 14, untagged.size() + wire_extra, fast);
    CAPTURE(i);
    REQUIRE(status == expected);
    ++compared;
    if (status != PacketStatus::ok) continue;
    ++ok;
    CHECK(fast.src == general.src);
    CHECK(fast.dst == general.dst);
    CHECK(fast.src_port == general.src_port);
    CHECK(fast.dst_port == general.dst_port);
    CHECK(fast.protocol == general.protocol);
    CHECK(fast.ip_bytes == general.ip_bytes);
    CHECK(fast.tcp_flags == general.tcp_flags);
  }
  CHECK(compared == 20000);
  CHECK(ok > 2000);      // many intact packets took the short path
  CHECK(ok < compared);  // and many damaged ones did not
}

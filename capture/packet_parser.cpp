#include "capture/packet_parser.h"

#include <cstring>

namespace dais::capture {

namespace {

// libpcap's DLT_ numbers (pcap/dlt.h), spelled out so this file needs no libpcap.
constexpr int kDltEthernet = 1, kDltRawLinux = 12, kDltRawBsd = 14, kLinktypeRaw = 101, kDltLinuxSll = 113,
              kDltIpv4 = 228, kDltIpv6 = 229, kDltLinuxSll2 = 276;

constexpr std::uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100, kEtherQinQ = 0x88A8, kEtherQinQOld = 0x9100;
constexpr int kMaxVlanTags = 8;
constexpr int kMaxIpv6ExtensionHeaders = 8;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// A view of the bytes still to decode: `captured` of them are in the capture, `wire` of them
// were on the wire (wire >= captured).
struct Bytes {
  const std::uint8_t* data;
  std::size_t captured;
  std::size_t wire;

  bool has(std::size_t n) const { return captured >= n; }
  // Callers check has(n) first; past the end it still yields an empty view, never a wrapped size.
  Bytes skip(std::size_t n) const {
    if (n > captured) return {data + captured, 0, wire > n ? wire - n : 0};
    return {data + n, captured - n, wire - n};
  }
};

// The transport header at `l4`, of an IP packet whose payload (per its length field) is
// `payload` bytes long.
PacketStatus parse_transport(std::uint8_t protocol, Bytes l4, std::size_t payload, Packet& out) {
  std::size_t need = 0;
  switch (protocol) {
    case 6: need = 20; break;
    case 17: need = 8; break;
    case 1: need = 8; break;
    case 58: need = 4; break;
    default: return PacketStatus::other_protocol;
  }
  if (payload < need) return PacketStatus::malformed;
  if (!l4.has(need)) return PacketStatus::truncated;
  out.protocol = protocol;
  out.src_port = out.dst_port = 0;
  out.tcp_flags = 0;
  if (protocol == 6 || protocol == 17) {
    out.src_port = be16(l4.data);
    out.dst_port = be16(l4.data + 2);
  }
  if (protocol == 6) {
    const std::size_t data_offset = static_cast<std::size_t>(l4.data[12] >> 4) * 4;
    if (data_offset < 20 || data_offset > payload) return PacketStatus::malformed;
    out.tcp_flags = l4.data[13];
  }
  return PacketStatus::ok;
}

PacketStatus parse_ipv4(Bytes ip, Packet& out) {
  if (!ip.has(20)) return PacketStatus::truncated;
  if (ip.data[0] >> 4 != 4) return PacketStatus::malformed;
  const std::size_t header = static_cast<std::size_t>(ip.data[0] & 0x0F) * 4;
  std::size_t total = be16(ip.data + 2);
  // 0 is what a sender using TCP segmentation offload hands to a capture on its own host.
  if (total == 0) total = ip.wire;
  if (header < 20 || total < header || total > ip.wire) return PacketStatus::malformed;
  if (!ip.has(header)) return PacketStatus::truncated;
  const std::uint16_t fragment_offset = be16(ip.data + 6) & 0x1FFF;
  if (fragment_offset != 0) return PacketStatus::fragment;
  out.src = IpAddress{};
  out.dst = IpAddress{};
  std::memcpy(out.src.bytes.data(), ip.data + 12, 4);
  std::memcpy(out.dst.bytes.data(), ip.data + 16, 4);
  out.ip_bytes = static_cast<std::uint32_t>(total);
  return parse_transport(ip.data[9], ip.skip(header), total - header, out);
}

PacketStatus parse_ipv6(Bytes ip, Packet& out) {
  if (!ip.has(40)) return PacketStatus::truncated;
  if (ip.data[0] >> 4 != 6) return PacketStatus::malformed;
  const std::size_t payload = be16(ip.data + 4);  // 0 with a jumbogram: its header is then malformed for us
  if (40 + payload > ip.wire) return PacketStatus::malformed;
  out.src = IpAddress{};
  out.dst = IpAddress{};
  out.src.v6 = out.dst.v6 = true;
  std::memcpy(out.src.bytes.data(), ip.data + 8, 16);
  std::memcpy(out.dst.bytes.data(), ip.data + 24, 16);
  out.ip_bytes = static_cast<std::uint32_t>(40 + payload);
  std::uint8_t next = ip.data[6];
  std::size_t offset = 40;  // from the start of the IPv6 header
  for (int i = 0; i <= kMaxIpv6ExtensionHeaders; ++i) {
    std::size_t length = 0;
    switch (next) {
      case 0:    // hop-by-hop options
      case 43:   // routing
      case 60:   // destination options
        if (!ip.has(offset + 2)) return PacketStatus::truncated;
        length = (static_cast<std::size_t>(ip.data[offset + 1]) + 1) * 8;
        break;
      case 44:  // fragment
        if (!ip.has(offset + 8)) return PacketStatus::truncated;
        if ((be16(ip.data + offset + 2) & 0xFFF8) != 0) return PacketStatus::fragment;
        length = 8;
        break;
      case 51:  // authentication header
        if (!ip.has(offset + 2)) return PacketStatus::truncated;
        length = (static_cast<std::size_t>(ip.data[offset + 1]) + 2) * 4;
        break;
      default: {
        if (offset > 40 + payload) return PacketStatus::malformed;
        if (!ip.has(offset)) return PacketStatus::truncated;  // the capture ends inside the extension headers
        return parse_transport(next, ip.skip(offset), 40 + payload - offset, out);
      }
    }
    if (offset + length > 40 + payload) return PacketStatus::malformed;
    next = ip.data[offset];
    offset += length;
  }
  return PacketStatus::malformed;  // more extension headers than any real packet carries
}

PacketStatus parse_network(std::uint16_t ethertype, Bytes l3, Packet& out) {
  if (ethertype == kEtherIpv4) return parse_ipv4(l3, out);
  if (ethertype == kEtherIpv6) return parse_ipv6(l3, out);
  return PacketStatus::not_ip;
}

PacketStatus parse_raw(Bytes l3, Packet& out) {
  if (!l3.has(1)) return PacketStatus::truncated;
  switch (l3.data[0] >> 4) {
    case 4: return parse_ipv4(l3, out);
    case 6: return parse_ipv6(l3, out);
    default: return PacketStatus::malformed;
  }
}

PacketStatus parse_ethernet(Bytes frame, Packet& out) {
  if (!frame.has(14)) return PacketStatus::truncated;
  std::uint16_t ethertype = be16(frame.data + 12);
  Bytes rest = frame.skip(14);
  for (int tags = 0; ethertype == kEtherVlan || ethertype == kEtherQinQ || ethertype == kEtherQinQOld; ++tags) {
    if (tags == kMaxVlanTags) return PacketStatus::malformed;
    if (!rest.has(4)) return PacketStatus::truncated;
    ethertype = be16(rest.data + 2);
    rest = rest.skip(4);
  }
  return parse_network(ethertype, rest, out);
}

// The commonest frame in a capture, Ethernet without tags carrying IPv4 without options and a
// TCP or UDP header that is whole and consistent, decoded in one pass with no calls. Returns false
// for anything else, which the general path above then decodes (and classifies) from the start;
// for a frame it accepts, it sets `out` exactly as that path would.
bool parse_ethernet_ipv4_common(const std::uint8_t* data, std::size_t captured, std::size_t wire, Packet& out) {
  if (captured < 14 + 20 + 8 || be16(data + 12) != kEtherIpv4) return false;
  const std::uint8_t* ip = data + 14;
  if (ip[0] != 0x45) return false;  // version 4, 20-byte header
  const std::size_t total = be16(ip + 2);
  if (total < 20 || total > wire - 14 || (be16(ip + 6) & 0x1FFF) != 0) return false;
  const std::uint8_t protocol = ip[9];
  const std::size_t need = protocol == 6 ? 20 : protocol == 17 ? 8 : 0;
  if (need == 0 || total - 20 < need || captured < 14 + 20 + need) return false;
  const std::uint8_t* l4 = ip + 20;
  std::uint8_t flags = 0;
  if (protocol == 6) {
    const std::size_t data_offset = static_cast<std::size_t>(l4[12] >> 4) * 4;
    if (data_offset < 20 || data_offset > total - 20) return false;
    flags = l4[13];
  }
  out.src.v6 = out.dst.v6 = false;
  std::memcpy(out.src.bytes.data(), ip + 12, 4);
  std::memset(out.src.bytes.data() + 4, 0, 12);
  std::memcpy(out.dst.bytes.data(), ip + 16, 4);
  std::memset(out.dst.bytes.data() + 4, 0, 12);
  out.src_port = be16(l4);
  out.dst_port = be16(l4 + 2);
  out.protocol = protocol;
  out.ip_bytes = static_cast<std::uint32_t>(total);
  out.tcp_flags = flags;
  return true;
}

}  // namespace

std::optional<LinkType> link_type_of(int dlt) {
  switch (dlt) {
    case kDltEthernet: return LinkType::ethernet;
    case kDltLinuxSll: return LinkType::linux_sll;
    case kDltLinuxSll2: return LinkType::linux_sll2;
    case kDltRawLinux:
    case kDltRawBsd:
    case kLinktypeRaw: return LinkType::raw;
    case kDltIpv4: return LinkType::ipv4;
    case kDltIpv6: return LinkType::ipv6;
    default: return std::nullopt;
  }
}

PacketStatus parse_packet(LinkType link, const std::uint8_t* data, std::size_t captured, std::size_t wire_length,
                          Packet& out) {
  const Bytes frame{data, captured, wire_length < captured ? captured : wire_length};
  if (link == LinkType::ethernet && parse_ethernet_ipv4_common(data, captured, frame.wire, out)) return PacketStatus::ok;
  switch (link) {
    case LinkType::ethernet: return parse_ethernet(frame, out);
    case LinkType::linux_sll:
      if (!frame.has(16)) return PacketStatus::truncated;
      return parse_network(be16(data + 14), frame.skip(16), out);
    case LinkType::linux_sll2:
      if (!frame.has(20)) return PacketStatus::truncated;
      return parse_network(be16(data), frame.skip(20), out);
    case LinkType::raw: return parse_raw(frame, out);
    case LinkType::ipv4:
      if (frame.has(1) && frame.data[0] >> 4 != 4) return PacketStatus::malformed;
      return parse_ipv4(frame, out);
    case LinkType::ipv6:
      if (frame.has(1) && frame.data[0] >> 4 != 6) return PacketStatus::malformed;
      return parse_ipv6(frame, out);
  }
  return PacketStatus::malformed;
}

}  // namespace dais::capture

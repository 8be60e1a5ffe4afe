#include "capture/packet_builder.h"

#include <algorithm>

namespace dais::capture {

namespace {

void put16(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t value) {
  out[at] = static_cast<std::uint8_t>(value >> 8);
  out[at + 1] = static_cast<std::uint8_t>(value);
}

std::size_t transport_header(const PacketSpec& spec) {
  switch (spec.protocol) {
    case 6: return 20;
    case 17: return 8;
    case 1:
    case 58: return 8;
    default: return 0;
  }
}

std::vector<std::uint8_t> build_ip(const PacketSpec& spec) {
  const std::size_t ip_header = spec.src.v6 ? 40 : 20;
  std::vector<std::uint8_t> out(ip_length(spec), 0);
  if (spec.src.v6) {
    out[0] = 0x60;
    put16(out, 4, static_cast<std::uint32_t>(out.size() - 40));
    out[6] = spec.protocol;
    out[7] = 64;
    std::copy_n(spec.src.bytes.begin(), 16, out.begin() + 8);
    std::copy_n(spec.dst.bytes.begin(), 16, out.begin() + 24);
  } else {
    out[0] = 0x45;
    put16(out, 2, static_cast<std::uint32_t>(out.size()));
    put16(out, 6, spec.fragment_offset & 0x1FFF);
    out[8] = 64;
    out[9] = spec.protocol;
    std::copy_n(spec.src.bytes.begin(), 4, out.begin() + 12);
    std::copy_n(spec.dst.bytes.begin(), 4, out.begin() + 16);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) sum += static_cast<std::uint32_t>(out[i] << 8 | out[i + 1]);
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    put16(out, 10, ~sum & 0xFFFF);
  }
  std::uint8_t* l4 = out.data() + ip_header;
  const std::size_t l4_length = out.size() - ip_header;
  switch (spec.protocol) {
    case 6:
      l4[0] = static_cast<std::uint8_t>(spec.src_port >> 8);
      l4[1] = static_cast<std::uint8_t>(spec.src_port);
      l4[2] = static_cast<std::uint8_t>(spec.dst_port >> 8);
      l4[3] = static_cast<std::uint8_t>(spec.dst_port);
      l4[12] = 5 << 4;
      l4[13] = spec.tcp_flags;
      l4[14] = 0xFF;  // window 65535
      l4[15] = 0xFF;
      break;
    case 17:
      l4[0] = static_cast<std::uint8_t>(spec.src_port >> 8);
      l4[1] = static_cast<std::uint8_t>(spec.src_port);
      l4[2] = static_cast<std::uint8_t>(spec.dst_port >> 8);
      l4[3] = static_cast<std::uint8_t>(spec.dst_port);
      l4[4] = static_cast<std::uint8_t>(l4_length >> 8);
      l4[5] = static_cast<std::uint8_t>(l4_length);
      break;
    case 1:
    case 58: l4[0] = spec.icmp_type; break;
    default: break;
  }
  return out;
}

}  // namespace

std::size_t ip_length(const PacketSpec& spec) {
  return (spec.src.v6 ? 40 : 20) + transport_header(spec) + spec.payload;
}

std::vector<std::uint8_t> build_frame(LinkType link, const PacketSpec& spec) {
  const std::vector<std::uint8_t> ip = build_ip(spec);
  const std::uint16_t ethertype = spec.src.v6 ? 0x86DD : 0x0800;
  std::vector<std::uint8_t> frame;
  switch (link) {
    case LinkType::ethernet: {
      frame = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
      for (std::size_t i = 0; i < spec.vlans.size(); ++i) {
        const std::uint16_t tpid = spec.vlans.size() > 1 && i == 0 ? 0x88A8 : 0x8100;
        frame.insert(frame.end(), {static_cast<std::uint8_t>(tpid >> 8), static_cast<std::uint8_t>(tpid),
                                   static_cast<std::uint8_t>(spec.vlans[i] >> 8 & 0x0F),
                                   static_cast<std::uint8_t>(spec.vlans[i])});
      }
      frame.insert(frame.end(), {static_cast<std::uint8_t>(ethertype >> 8), static_cast<std::uint8_t>(ethertype)});
      break;
    }
    case LinkType::linux_sll:
      // Packet type 0 (to us), ARPHRD_ETHER, 6 address bytes, 2 of padding, protocol.
      frame = {0, 0, 0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x01, 0, 0,
               static_cast<std::uint8_t>(ethertype >> 8), static_cast<std::uint8_t>(ethertype)};
      break;
    case LinkType::linux_sll2:
      // Protocol, reserved, interface index 1, ARPHRD_ETHER, packet type, 6 address bytes and padding.
      frame = {static_cast<std::uint8_t>(ethertype >> 8), static_cast<std::uint8_t>(ethertype), 0, 0, 0, 0, 0, 1,
               0, 1, 0, 6, 0x02, 0, 0, 0, 0, 0x01, 0, 0};
      break;
    case LinkType::raw:
    case LinkType::ipv4:
    case LinkType::ipv6: break;
  }
  frame.insert(frame.end(), ip.begin(), ip.end());
  return frame;
}

}  // namespace dais::capture

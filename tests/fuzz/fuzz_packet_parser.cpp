// libFuzzer target: the capture layer's packet parser and flow table. The first byte chooses the
// link type, the second the length on the wire beyond the captured bytes, the rest is the frame.
// parse_packet must return a status without reading past the frame (ASan checks), an ok packet
// must be no longer than the wire allows, and the flow table must take every ok packet.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "capture/flow_table.h"
#include "capture/packet_parser.h"

using namespace dais::capture;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto link = static_cast<LinkType>(data[0] % 6);
  const std::size_t extra_wire = data[1];
  // A copy of exactly the frame's bytes, so a read past them is an ASan finding.
  const std::vector<std::uint8_t> frame(data + 2, data + size);
  Packet packet;
  const PacketStatus status = parse_packet(link, frame.data(), frame.size(), frame.size() + extra_wire, packet);
  if (status != PacketStatus::ok) return 0;
  if (packet.ip_bytes > frame.size() + extra_wire) std::abort();
  std::uint64_t flows = 0, packets = 0, bytes = 0;
  FlowTable table(FlowTimeouts{}, [&](FlowRecord&& f) {
    ++flows;
    packets += f.packets_fwd + f.packets_bwd;
    bytes += f.bytes_fwd + f.bytes_bwd;
  });
  // The same packet twice, then the end of the capture: one flow, or two when a RST ends each.
  table.add(packet, 1);
  table.add(packet, 2);
  table.flush();
  const bool reset = packet.protocol == 6 && (packet.tcp_flags & tcp_flag::rst) != 0;
  if (flows != (reset ? 2u : 1u) || packets != 2 || bytes != 2ull * packet.ip_bytes) std::abort();
  return 0;
}

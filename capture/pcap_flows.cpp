#include "capture/pcap_flows.h"

#include <algorithm>
#include <tuple>

#include "capture/pcap_reader.h"

namespace dais::capture {

CaptureCounters stream_capture(const std::filesystem::path& file, const FlowTimeouts& timeouts, const FlowSink& sink) {
  PcapReader reader(file);
  CaptureCounters counters;
  FlowTable table(timeouts, [&](FlowRecord&& flow) {
    ++counters.flows;
    sink(std::move(flow));
  });
  const LinkType link = reader.link();
  RawPacket raw;
  Packet packet;
  while (reader.next(raw)) {
    ++counters.packets;
    switch (parse_packet(link, raw.data, raw.captured, raw.wire_length, packet)) {
      case PacketStatus::ok: table.add(packet, raw.time_s); break;
      case PacketStatus::truncated: ++counters.truncated; break;
      case PacketStatus::malformed: ++counters.malformed; break;
      case PacketStatus::not_ip: ++counters.not_ip; break;
      case PacketStatus::other_protocol: ++counters.other_protocol; break;
      case PacketStatus::fragment: ++counters.fragments; break;
    }
  }
  table.flush();
  counters.ends = table.ends();
  counters.max_open_flows = table.max_open_flows();
  counters.stopped_early = reader.stopped_early();
  return counters;
}

CaptureResult read_capture(const std::filesystem::path& file, const FlowTimeouts& timeouts) {
  CaptureResult result;
  result.counters = stream_capture(file, timeouts, [&](FlowRecord&& flow) { result.flows.push_back(std::move(flow)); });
  // Stable: two flows alike in all of these keep the order they ended in, which the file decides.
  std::stable_sort(result.flows.begin(), result.flows.end(), [](const FlowRecord& x, const FlowRecord& y) {
    return std::tie(x.start_s, x.src, x.dst, x.src_port, x.dst_port, x.protocol) <
           std::tie(y.start_s, y.src, y.dst, y.src_port, y.dst_port, y.protocol);
  });
  return result;
}

}  // namespace dais::capture

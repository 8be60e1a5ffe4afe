#include "capture/pcap_flows.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "capture/huge_page_allocator.h"
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
  // Decoded packets wait in a small ring before they reach the table, in capture order: a packet
  // is keyed one packet after it was decoded (its fields are then in cache rather than still in
  // flight to it, which would stall the loads that key it), its slot fetched into cache then,
  // its flow four packets before it is added, so the memory waits overlap with reading the next
  // packets (FlowTable::prepare).
  constexpr std::size_t kRing = 8, kFlowAhead = 4;
  struct Pending {
    Packet packet;
    FlowTable::Prepared prepared;
    double time_s = 0;
  };
  std::array<Pending, kRing> ring;
  std::size_t first = 0, size = 0;  // size counts the packet decoded last, not yet keyed
  bool unkeyed = false;             // whether the newest packet in the ring is not keyed yet
  auto key_newest = [&] {
    Pending& p = ring[(first + size - 1) % kRing];
    p.prepared = table.prepare(p.packet);
    table.prefetch_slot(p.prepared);
    unkeyed = false;
  };
  auto add_first = [&] {
    Pending& p = ring[first];
    table.add(p.packet, p.prepared, p.time_s);
    first = (first + 1) % kRing;
    --size;
    if (size >= kFlowAhead) table.prefetch_flow(ring[(first + kFlowAhead - 1) % kRing].prepared);
  };
  RawPacket raw;
  while (reader.next(raw)) {
    ++counters.packets;
    Pending& slot = ring[(first + size) % kRing];
    switch (parse_packet(link, raw.data, raw.captured, raw.wire_length, slot.packet)) {
      case PacketStatus::ok:
        slot.time_s = raw.time_s;
        if (unkeyed) key_newest();
        ++size;
        unkeyed = true;
        if (size == kRing) add_first();
        break;
      case PacketStatus::truncated: ++counters.truncated; break;
      case PacketStatus::malformed: ++counters.malformed; break;
      case PacketStatus::not_ip: ++counters.not_ip; break;
      case PacketStatus::other_protocol: ++counters.other_protocol; break;
      case PacketStatus::fragment: ++counters.fragments; break;
    }
  }
  if (unkeyed) key_newest();
  while (size > 0) add_first();
  table.flush();
  counters.ends = table.ends();
  counters.max_open_flows = table.max_open_flows();
  counters.stopped_early = reader.stopped_early();
  return counters;
}

CaptureResult read_capture(const std::filesystem::path& file, const FlowTimeouts& timeouts) {
  // Flows as they end: tens of MiB for a big capture, grown by doubling, so on huge pages where
  // the kernel offers them (a page fault per 2 MiB rather than per 4 KiB).
  std::vector<FlowRecord, HugePageAllocator<FlowRecord>> ended;
  CaptureResult result;
  result.counters = stream_capture(file, timeouts, [&](FlowRecord&& flow) { ended.push_back(std::move(flow)); });
  // Sorted by start time, then 5-tuple, then the order they ended in (which the file decides), so
  // the order is total. Small keys are sorted rather than the records, which are moved once.
  struct Order {
    double start_s;
    std::size_t ended;
  };
  std::vector<Order> order(ended.size());
  for (std::size_t i = 0; i < ended.size(); ++i) order[i] = {ended[i].start_s, i};
  std::sort(order.begin(), order.end(), [&](const Order& x, const Order& y) {
    if (x.start_s != y.start_s) return x.start_s < y.start_s;
    const FlowRecord& a = ended[x.ended];
    const FlowRecord& b = ended[y.ended];
    const auto ka = std::tie(a.src, a.dst, a.src_port, a.dst_port, a.protocol);
    const auto kb = std::tie(b.src, b.dst, b.src_port, b.dst_port, b.protocol);
    return ka != kb ? ka < kb : x.ended < y.ended;
  });
  result.flows.reserve(ended.size());
  // Tens of MiB written once, as `ended` was: on huge pages too, where the kernel has them.
  advise_huge_pages(result.flows.data(), ended.size() * sizeof(FlowRecord));
  for (const Order& o : order) result.flows.push_back(std::move(ended[o.ended]));
  return result;
}

}  // namespace dais::capture

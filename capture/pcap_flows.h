// Packet captures to flows: reads a pcap or pcapng file in packet order, decodes each packet
// (capture/packet_parser.h) and assembles bidirectional flows (capture/flow_table.h, which states
// when a flow ends). Damaged or unsupported packets are counted in CaptureCounters and skipped.
// Errors: throws InputError naming the file when it is not a capture DAIS can read (not pcap or
// pcapng, unreadable, or an unsupported link type). A file cut short inside a packet record is
// read up to the cut: CaptureCounters::stopped_early says why it stopped.
// Thread safety: each call works on its own state; calls on different files may run in parallel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "capture/flow_record.h"
#include "capture/flow_table.h"

namespace dais::capture {

struct CaptureCounters {
  std::uint64_t packets = 0;         // records read from the file
  std::uint64_t truncated = 0;       // cut before the headers a flow needs (skipped)
  std::uint64_t malformed = 0;       // headers that contradict themselves (skipped)
  std::uint64_t not_ip = 0;          // frames without IP: ARP, LLDP, ... (skipped)
  std::uint64_t other_protocol = 0;  // IP but not TCP, UDP, ICMP or ICMPv6 (skipped)
  std::uint64_t fragments = 0;       // non-first IP fragments (skipped: no ports to key them by)
  std::uint64_t flows = 0;           // flows assembled from the remaining packets
  FlowEnds ends;                     // why those flows ended
  std::uint64_t max_open_flows = 0;  // the most flows open at once
  std::string stopped_early;         // empty, or why reading stopped before the end of the file
};

struct CaptureResult {
  std::vector<FlowRecord> flows;
  CaptureCounters counters;
};

using FlowSink = std::function<void(FlowRecord&&)>;

// Streams the flows of `file` to `sink` as they end (in the order they end), for files too big to
// hold their flows in memory. Returns the counters.
CaptureCounters stream_capture(const std::filesystem::path& file, const FlowTimeouts& timeouts, const FlowSink& sink);

// Reads a pcap or pcapng file (libpcap's pcap_open_offline handles both), in packet order;
// flows sorted by start time then 5-tuple (source, destination, ports, protocol).
// Throws InputError naming the file when it is not a capture.
CaptureResult read_capture(const std::filesystem::path& file, const FlowTimeouts& timeouts = {});

}  // namespace dais::capture

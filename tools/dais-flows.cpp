// dais-flows: prints the flows DAIS assembles from a packet capture (pcap or pcapng), as CSV on
// stdout with a header line, so they can be checked against another tool (e.g. tshark -z conv,tcp);
// the counters (packets read, skipped and why, flows and why they ended) go to stderr.
//   dais-flows FILE [--idle-timeout S] [--active-timeout S]
// Exit 0 when the file was read (a file cut short inside a packet is read up to the cut, with a
// warning), 2 on usage errors or when FILE is not a capture DAIS can read.
#include <cinttypes>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "capture/input_error.h"
#include "capture/pcap_flows.h"
#include "tools/command_line.h"

namespace {

using dais::capture::CaptureCounters;
using dais::capture::FlowRecord;

void print_flow(const FlowRecord& f) {
  std::printf("%.6f,%.6f,%s,%s,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%u,%u,%u,%u\n", f.start_s,
              f.end_s, f.src.text().c_str(), f.dst.text().c_str(), f.src_port, f.dst_port, f.protocol, f.packets_fwd,
              f.packets_bwd, f.bytes_fwd, f.bytes_bwd, f.syn, f.syn_ack, f.fin, f.rst);
}

void print_counters(const std::string& file, const CaptureCounters& c) {
  std::fprintf(stderr,
               "%s: %" PRIu64 " packets: %" PRIu64 " in flows, skipped %" PRIu64 " truncated, %" PRIu64
               " malformed, %" PRIu64 " not IP, %" PRIu64 " other protocols, %" PRIu64 " non-first fragments\n",
               file.c_str(), c.packets,
               c.packets - c.truncated - c.malformed - c.not_ip - c.other_protocol - c.fragments, c.truncated,
               c.malformed, c.not_ip, c.other_protocol, c.fragments);
  std::fprintf(stderr,
               "%s: %" PRIu64 " flows, ended by: idle timeout %" PRIu64 ", active timeout %" PRIu64
               ", TCP close %" PRIu64 ", end of capture %" PRIu64 "; at most %" PRIu64 " open at once\n",
               file.c_str(), c.flows, c.ends.idle, c.ends.active, c.ends.tcp_close, c.ends.end_of_capture,
               c.max_open_flows);
  if (!c.stopped_early.empty()) {
    std::fprintf(stderr, "%s: warning: read stopped before the end of the file: %s\n", file.c_str(),
                 c.stopped_early.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string file;
  dais::capture::FlowTimeouts timeouts;
  CLI::App app{
      "Prints the bidirectional flows DAIS assembles from a packet capture (pcap or pcapng; Ethernet with VLAN tags,\n"
      "Linux cooked or raw IP; IPv4 and IPv6; TCP, UDP, ICMP) as CSV, one flow per line, oldest first. Forward is\n"
      "the direction of a flow's first packet; bytes are IP bytes (headers included). Counters go to stderr.\n"
      "docs/SIMULATION.md (\"Recorded traffic: captures\") says when a flow ends and what is skipped.",
      "dais-flows"};
  app.add_option("FILE", file, "capture file (pcap or pcapng)")->required();
  app.add_option("--idle-timeout", timeouts.idle_s, "seconds without a packet that end a flow (default 120)")
      ->check(CLI::PositiveNumber);
  app.add_option("--active-timeout", timeouts.active_s, "longest flow in seconds; later packets start a new one "
                                                        "(default 1800)")
      ->check(CLI::PositiveNumber);
  app.footer("Columns: start_s,end_s,src,dst,src_port,dst_port,protocol,packets_fwd,packets_bwd,bytes_fwd,bytes_bwd,"
             "syn,syn_ack,fin,rst\n(syn: SYN without ACK; syn_ack: SYN with ACK; fin, rst: packets with that flag, both "
             "ways)\nExit status: 0 read, 2 usage error or not a capture.");
  if (const auto code = dais::tools::parse_command_line(app, argc, argv)) return *code;

  try {
    const auto result = dais::capture::read_capture(file, timeouts);
    std::printf("start_s,end_s,src,dst,src_port,dst_port,protocol,packets_fwd,packets_bwd,bytes_fwd,bytes_bwd,syn,"
                "syn_ack,fin,rst\n");
    for (const FlowRecord& flow : result.flows) print_flow(flow);
    if (std::fflush(stdout) != 0) {
      std::fprintf(stderr, "dais-flows: cannot write the flows to stdout\n");
      return 1;
    }
    print_counters(file, result.counters);
  } catch (const dais::capture::InputError& e) {
    std::fprintf(stderr, "dais-flows: %s\n", e.what());
    return 2;
  }
  return 0;
}

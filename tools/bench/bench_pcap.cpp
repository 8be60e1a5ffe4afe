// dais-bench pcap: packets to flows on one core against libpcap's bare read loop (pcap_next_ex over
// the same file, same run), and the memory an open flow costs. The headline ratio times
// read_capture (capture/pcap_flows.h), which is what a run with traffic.source: pcap and dais-flows
// call: packets decoded, flows assembled, their records collected and sorted. Beside it: the
// streaming reader alone (stream_capture, records handed to a sink that keeps nothing) and the
// records turned into the agents' features (server/recorded_traffic.h, as a run does next). The capture is generated here (capture/capture_writer.h): mixed traffic of TCP
// sessions, scan probes and DNS exchanges, many conversations interleaved so thousands of flows
// are open at once, as on a busy link, kept to the first --snaplen bytes of each packet as
// `tcpdump -s` does for flow work. --file measures an existing capture instead.
// Both sides are timed in CPU seconds of this thread (and in wall seconds): on a shared machine
// the CPU time is what "on one core" means; the ratio uses it.
#include <malloc.h>
#include <pcap/pcap.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "capture/capture_writer.h"
#include "capture/flow_table.h"
#include "capture/packet_builder.h"
#include "capture/pcap_flows.h"
#include "common/temp_dir.h"
#include "server/recorded_traffic.h"
#include "tools/bench/registry.h"

namespace {

using namespace dais::capture;
using Clock = std::chrono::steady_clock;

double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Wall and CPU seconds of what runs between construction and stop().
struct Timer {
  Clock::time_point wall = Clock::now();
  double cpu = thread_cpu_s();
  struct Seconds {
    double wall = 1e300, cpu = 1e300;
  };
  Seconds stop() const {
    return {std::chrono::duration<double>(Clock::now() - wall).count(), thread_cpu_s() - cpu};
  }
};

// One conversation being written: a TCP session (handshake, data, FIN exchange), a scan probe
// (SYN, RST/ACK) or a DNS exchange; `step` counts the packets written so far.
struct Conversation {
  enum Kind { session, probe, dns } kind = session;
  IpAddress client, server;
  std::uint16_t client_port = 0, server_port = 0;
  int step = 0, data_packets = 0;
};

Conversation next_conversation(std::mt19937_64& random, std::uint32_t serial) {
  Conversation c;
  const auto roll = random() % 10;
  c.kind = roll < 6 ? Conversation::session : roll < 8 ? Conversation::probe : Conversation::dns;
  c.client = IpAddress::v4(0xC0A80000u + static_cast<std::uint32_t>(random() % 65536));
  c.server = IpAddress::v4(0x0A000000u + static_cast<std::uint32_t>(random() % 4096));
  c.client_port = static_cast<std::uint16_t>(1024 + serial % 64000);
  c.server_port = c.kind == Conversation::dns ? 53 : c.kind == Conversation::probe
                                                      ? static_cast<std::uint16_t>(1 + random() % 1024)
                                                      : (random() % 2 ? 443 : 80);
  c.data_packets = static_cast<int>(2 + random() % 30);
  return c;
}

// The next packet of `c`; false when `c` has no more.
bool next_packet(Conversation& c, std::mt19937_64& random, PacketSpec& spec) {
  const bool tcp = c.kind != Conversation::dns;
  spec = PacketSpec{};
  spec.protocol = tcp ? 6 : 17;
  auto from_client = [&](bool yes) {
    spec.src = yes ? c.client : c.server;
    spec.dst = yes ? c.server : c.client;
    spec.src_port = yes ? c.client_port : c.server_port;
    spec.dst_port = yes ? c.server_port : c.client_port;
  };
  const int step = c.step++;
  switch (c.kind) {
    case Conversation::dns:
      from_client(step == 0);
      spec.payload = step == 0 ? 40 : 120;
      return step < 2;
    case Conversation::probe:
      from_client(step == 0);
      spec.tcp_flags = step == 0 ? tcp_flag::syn : tcp_flag::rst | tcp_flag::ack;
      return step < 2;
    case Conversation::session: {
      const int total = 3 + c.data_packets + 3;
      if (step >= total) return false;
      if (step < 3) {
        from_client(step != 1);
        spec.tcp_flags = step == 0 ? tcp_flag::syn : step == 1 ? tcp_flag::syn | tcp_flag::ack : tcp_flag::ack;
      } else if (step < 3 + c.data_packets) {
        const bool up = step % 3 == 0;
        from_client(up);
        spec.tcp_flags = tcp_flag::ack | tcp_flag::psh;
        spec.payload = up ? 100 + random() % 400 : 600 + random() % 860;
      } else {
        const int closing = step - 3 - c.data_packets;
        from_client(closing != 1);
        spec.tcp_flags = closing == 2 ? tcp_flag::ack : tcp_flag::fin | tcp_flag::ack;
      }
      return true;
    }
  }
  return false;
}

void generate(const std::filesystem::path& file, std::uint64_t packets, std::uint32_t concurrent, std::uint64_t seed,
              std::size_t snaplen) {
  std::mt19937_64 random(seed);
  std::vector<Conversation> open(concurrent);
  std::uint32_t serial = 0;
  for (auto& c : open) c = next_conversation(random, serial++);
  CaptureWriter writer(file, LinkType::ethernet);
  PacketSpec spec;
  double time_s = 1700000000.0;
  for (std::uint64_t written = 0; written < packets;) {
    Conversation& c = open[random() % concurrent];
    if (!next_packet(c, random, spec)) {
      c = next_conversation(random, serial++);
      continue;
    }
    writer.write(time_s, build_frame(LinkType::ethernet, spec), snaplen);
    time_s += 10e-6;
    ++written;
  }
  writer.close();
}

struct BareResult {
  std::uint64_t packets = 0, bytes = 0;
  Timer::Seconds seconds;
};

// libpcap's own loop, touching each packet's first byte so it is not a read of headers alone.
BareResult bare_loop(const std::filesystem::path& file) {
  char error[PCAP_ERRBUF_SIZE] = {};
  const Timer timer;
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (handle == nullptr) throw std::runtime_error(file.string() + ": " + error);
  BareResult r;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(handle, &header, &data) == 1) {
    ++r.packets;
    r.bytes += header->caplen + (header->caplen > 0 ? data[0] : 0);
  }
  pcap_close(handle);
  r.seconds = timer.stop();
  return r;
}

// Heap bytes per open flow: `flows` distinct flows added to an empty table, measured by malloc.
double heap_per_flow(std::uint32_t flows) {
  const auto before = mallinfo2().uordblks;
  double structural = 0;
  {
    FlowTable table(FlowTimeouts{}, [](FlowRecord&&) {});
    Packet p;
    p.protocol = 6;
    p.ip_bytes = 40;
    p.dst = IpAddress::v4(0x0A000001);
    p.dst_port = 443;
    for (std::uint32_t i = 0; i < flows; ++i) {
      p.src = IpAddress::v4(0xC0A80000u + i / 50000);
      p.src_port = static_cast<std::uint16_t>(1024 + i % 50000);
      table.add(p, 1);
    }
    const auto during = mallinfo2().uordblks;
    structural = static_cast<double>(during - before) / flows;
  }
  return structural;
}

int run(std::vector<std::string> args) {
  std::uint64_t packets = 1500000;
  std::uint32_t concurrent = 20000;
  std::uint64_t seed = 1;
  std::size_t snaplen = 128;
  int repeat = 3;
  std::string file_option, save;
  bool json = false;
  CLI::App app{"Packet captures to flows on one core, against libpcap's bare read loop over the same file",
               "dais-bench pcap"};
  app.add_option("--packets", packets, "packets in the generated capture")->check(CLI::Range(1000, 100000000));
  app.add_option("--concurrent", concurrent, "conversations interleaved at once in the generated capture")
      ->check(CLI::Range(1, 10000000));
  app.add_option("--seed", seed, "seed of the generated capture");
  app.add_option("--snaplen", snaplen, "bytes kept of each generated packet (its length on the wire stays whole)")
      ->check(CLI::Range(64, 262144));
  app.add_option("--repeat", repeat, "runs of each side; the fastest counts")->check(CLI::Range(1, 100));
  app.add_option("--file", file_option, "measure this capture instead of generating one");
  app.add_option("--save", save, "write the generated capture to this file (kept) instead of a temporary one");
  app.add_flag("--json", json, "print one JSON object");
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  dais::TempDir dir;
  std::filesystem::path file = file_option;
  double generate_s = 0;
  if (file_option.empty()) {
    file = save.empty() ? dir / "bench.pcap" : std::filesystem::path(save);
    const auto start = Clock::now();
    generate(file, packets, concurrent, seed, snaplen);
    generate_s = std::chrono::duration<double>(Clock::now() - start).count();
  }

  // Alternate the sides so all see the same page cache and machine load; the fastest run counts.
  BareResult bare;
  Timer::Seconds stream, dais, features;
  CaptureCounters counters;
  std::size_t sorted_flows = 0;
  dais::server::RecordedParams params;  // the capture's seconds as steps, a few agents
  params.agents = 10;
  params.step_seconds = 1;
  params.training_steps = 2;
  params.window_steps = 4;
  std::uint64_t run_flows = 0;
  std::string features_error;
  auto keep_min = [](Timer::Seconds& best, const Timer::Seconds& took) {
    best.wall = std::min(best.wall, took.wall);
    best.cpu = std::min(best.cpu, took.cpu);
  };
  for (int i = 0; i < repeat; ++i) {
    const BareResult b = bare_loop(file);
    bare.packets = b.packets;
    keep_min(bare.seconds, b.seconds);
    {
      const Timer timer;
      std::uint64_t sink_bytes = 0;
      counters = stream_capture(file, FlowTimeouts{}, [&](FlowRecord&& f) { sink_bytes += f.bytes_fwd; });
      keep_min(stream, timer.stop());
      if (sink_bytes == 0 && counters.flows > 0) throw std::runtime_error("flows without bytes");
    }
    const Timer timer;
    CaptureResult read = read_capture(file);
    keep_min(dais, timer.stop());
    sorted_flows = read.flows.size();
    if (sorted_flows != counters.flows) throw std::runtime_error("read_capture and stream_capture disagree");
    try {
      const Timer features_timer;
      const auto traffic = dais::server::RecordedTraffic::build(std::move(read.flows), params);
      keep_min(features, features_timer.stop());
      run_flows = traffic.counters().run_flows;
    } catch (const std::invalid_argument& e) {
      features_error = e.what();  // a --file too short for the warm-up: no feature figure
    }
  }

  const std::uint32_t open_for_memory = static_cast<std::uint32_t>(std::max<std::uint64_t>(counters.max_open_flows, 1000));
  nlohmann::ordered_json out;
  out["file"] = file_option.empty() ? "generated" : file_option;
  out["file_bytes"] = std::filesystem::file_size(file);
  out["packets"] = counters.packets;
  out["flows"] = counters.flows;
  out["max_open_flows"] = counters.max_open_flows;
  out["skipped_packets"] = counters.truncated + counters.malformed + counters.not_ip + counters.other_protocol +
                           counters.fragments;
  out["generate_s"] = generate_s;
  out["snaplen"] = file_option.empty() ? nlohmann::ordered_json(snaplen) : nlohmann::ordered_json("as in the file");
  out["bare_pcap_next_ex_cpu_s"] = bare.seconds.cpu;
  out["bare_pcap_next_ex_wall_s"] = bare.seconds.wall;
  out["bare_packets_per_cpu_s"] = static_cast<double>(bare.packets) / bare.seconds.cpu;
  out["dais_read_capture_cpu_s"] = dais.cpu;
  out["dais_read_capture_wall_s"] = dais.wall;
  out["dais_packets_per_cpu_s"] = static_cast<double>(counters.packets) / dais.cpu;
  out["dais_flows_per_cpu_s"] = static_cast<double>(sorted_flows) / dais.cpu;
  out["ratio_to_bare_loop"] = bare.seconds.cpu / dais.cpu;
  out["goal_ratio"] = 0.5;
  out["stream_capture_cpu_s"] = stream.cpu;
  out["stream_capture_ratio_to_bare_loop"] = bare.seconds.cpu / stream.cpu;
  if (features_error.empty()) {
    out["features_cpu_s"] = features.cpu;
    out["features_run_flows"] = run_flows;
    out["ratio_to_bare_loop_with_features"] = bare.seconds.cpu / (dais.cpu + features.cpu);
  } else {
    out["features"] = "not measured: " + features_error;
  }
  out["heap_bytes_per_open_flow"] = heap_per_flow(open_for_memory);
  out["heap_measured_with_open_flows"] = open_for_memory;
  out["flow_record_bytes"] = sizeof(FlowRecord);
  out["repeat"] = repeat;
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  for (const auto& [key, value] : out.items()) {
    if (value.is_number_float()) {
      std::printf("%-34s %.6g\n", key.c_str(), value.get<double>());
    } else {
      std::printf("%-34s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
    }
  }
  return 0;
}

const dais::bench::Registration registration{
    "pcap", "packet capture to flows vs libpcap's bare pcap_next_ex loop, and memory per open flow", run};

}  // namespace

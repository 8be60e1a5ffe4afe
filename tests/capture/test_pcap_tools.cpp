// dais-flows end to end (its CSV, counters, help and refusals), and its flows cross-checked
// against Debian's tshark (Wireshark's dissectors, written by nobody here): for every TCP and UDP
// conversation tshark reports (-z conv,tcp / conv,udp), the frames each way equal our packets
// each way, and its bytes (whole Ethernet frames) equal our IP bytes plus 14 per packet.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "capture/pcap_flows.h"
#include "common/temp_dir.h"
#include "tests/capture/capture_scenarios.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"

namespace {

using namespace dais::capture;
using dais::test::ip;
using dais::test::lines_of;
using dais::test::program;
using dais::test::run;
using dais::test::Scenario;

const std::string kTshark = "/usr/bin/tshark";

struct Conversation {
  std::string a, b;  // "address:port" as tshark prints them
  std::uint64_t frames_to_a = 0, bytes_to_a = 0, frames_to_b = 0, bytes_to_b = 0;
};

// The conversations of one `tshark -q -z conv,PROTO` table, keyed by "a|b". Bytes must be plain
// ("370 bytes"): tshark rounds 10000 and more to kB, so the capture keeps every direction smaller.
std::map<std::string, Conversation> conversations(const std::string& output, const std::string& title) {
  std::map<std::string, Conversation> found;
  bool inside = false;
  for (const std::string& line : lines_of(output)) {
    if (line == title) inside = true;
    if (inside && line.rfind("====", 0) == 0) break;  // the table's closing rule
    if (!inside || line.find("<->") == std::string::npos) continue;
    std::istringstream in(line);
    Conversation c;
    std::string arrow, unit1, unit2;
    in >> c.a >> arrow >> c.b >> c.frames_to_a >> c.bytes_to_a >> unit1 >> c.frames_to_b >> c.bytes_to_b >> unit2;
    REQUIRE_MESSAGE(unit1 == "bytes", line);
    REQUIRE_MESSAGE(unit2 == "bytes", line);
    found[c.a + "|" + c.b] = c;
  }
  return found;
}

std::string endpoint(const IpAddress& address, std::uint16_t port) { return address.text() + ":" + std::to_string(port); }

}  // namespace

TEST_CASE("dais-flows prints the flows as CSV and the counters on stderr") {
  dais::TempDir dir;
  const auto file = dir / "small.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    s.session(ip("192.0.2.10"), 51000, ip("10.0.0.80"), 80, 300, 1200);
    s.dns(ip("2001:db8::10"), 33333, ip("2001:db8::53"), 30, 90);
    s.packet({.src = ip("192.0.2.10"), .dst = ip("10.0.0.80"), .protocol = 6}, 20);  // truncated
    writer.close();
  }
  const auto result = run({program("dais-flows"), file.string()});
  REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
  const auto lines = lines_of(result.output);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "start_s,end_s,src,dst,src_port,dst_port,protocol,packets_fwd,packets_bwd,bytes_fwd,bytes_bwd,syn,syn_ack,fin,rst");
  // 5 packets of 40 bytes + 300 of request forward; 3 of 40 + 1200 of response back.
  CHECK(lines[1] == "1700000000.000000,1700000000.007000,192.0.2.10,10.0.0.80,51000,80,6,5,3,500,1320,1,1,2,0");
  CHECK(lines[2] == "1700000000.008000,1700000000.009000,2001:db8::10,2001:db8::53,33333,53,17,1,1,78,138,0,0,0,0");
  CHECK(result.errors.find("11 packets: 10 in flows, skipped 1 truncated, 0 malformed") != std::string::npos);
  CHECK(result.errors.find("2 flows, ended by: idle timeout 0, active timeout 0, TCP close 1, end of capture 1") !=
        std::string::npos);

  // A shorter idle timeout splits nothing here (packets are 1 ms apart) but is accepted.
  const auto idle = run({program("dais-flows"), "--idle-timeout", "0.5", "--active-timeout", "60", file.string()});
  CHECK(idle.exit_code == 0);
  CHECK(idle.output == result.output);
}

TEST_CASE("dais-flows: help, usage errors and files that are not captures") {
  const auto help = run({program("dais-flows"), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--idle-timeout") != std::string::npos);
  CHECK(help.output.find("packets_fwd") != std::string::npos);

  CHECK(run({program("dais-flows")}).exit_code == 2);
  dais::TempDir dir;
  const auto garbage = dir.write("notes.txt", "this is not a capture\n");
  const auto refused = run({program("dais-flows"), garbage.string()});
  CHECK(refused.exit_code == 2);
  CHECK(refused.output.empty());
  CHECK(refused.errors.find("dais-flows: " + garbage.string() + ": not a readable packet capture") !=
        std::string::npos);
  const auto negative = run({program("dais-flows"), "--idle-timeout", "-1", garbage.string()});
  CHECK(negative.exit_code == 2);
  const auto missing = run({program("dais-flows"), (dir / "missing.pcap").string()});
  CHECK(missing.exit_code == 2);
  CHECK(missing.errors.find("No such file") != std::string::npos);
}

TEST_CASE("tshark's TCP and UDP conversations equal our flows, packet for packet and byte for byte") {
  REQUIRE_MESSAGE(std::filesystem::exists(kTshark), "tshark (Debian package tshark) is missing: run scripts/setup.sh test");
  dais::TempDir dir;
  const auto file = dir / "crosscheck.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    s.syn_scan(ip("203.0.113.66"), ip("10.0.0.10"), 1, 1000, {22, 80, 443});
    for (int i = 0; i < 50; ++i) {
      s.session(ip("203.0.113.5"), static_cast<std::uint16_t>(50000 + i), ip("10.0.0.22"), 22, 64 + i, 48 + 2 * i);
    }
    for (int i = 0; i < 20; ++i) {
      s.session(ip("192.0.2.10"), static_cast<std::uint16_t>(52000 + i), ip("10.0.0.80"), 443, 517, 100 * i);
      s.dns(ip("192.0.2.10"), static_cast<std::uint16_t>(33000 + i), ip("10.0.0.53"), 30 + i, 90 + i);
    }
    s.session(ip("2001:db8::10"), 51000, ip("2001:db8::80"), 80, 200, 3000);
    s.ping(ip("192.0.2.10"), ip("10.0.0.1"), 56);  // ICMP: neither table has it
    writer.close();
  }
  const CaptureResult ours = read_capture(file);
  const auto tshark = run({kTshark, "-r", file.string(), "-q", "-z", "conv,tcp", "-z", "conv,udp"});
  REQUIRE_MESSAGE(tshark.exit_code == 0, tshark.errors);
  auto tcp = conversations(tshark.output, "TCP Conversations");
  auto udp = conversations(tshark.output, "UDP Conversations");
  CHECK(tcp.size() == 1000 + 50 + 20 + 1);
  CHECK(udp.size() == 20);

  std::size_t compared = 0;
  for (const FlowRecord& f : ours.flows) {
    if (f.protocol != 6 && f.protocol != 17) continue;
    auto& table = f.protocol == 6 ? tcp : udp;
    const std::string src = endpoint(f.src, f.src_port), dst = endpoint(f.dst, f.dst_port);
    const bool src_is_a = table.count(src + "|" + dst) == 1;
    const auto it = table.find(src_is_a ? src + "|" + dst : dst + "|" + src);
    REQUIRE_MESSAGE(it != table.end(), "tshark has no conversation " << src << " <-> " << dst);
    const Conversation& c = it->second;
    const std::uint64_t frames_fwd = src_is_a ? c.frames_to_b : c.frames_to_a;
    const std::uint64_t frames_bwd = src_is_a ? c.frames_to_a : c.frames_to_b;
    const std::uint64_t bytes_fwd = src_is_a ? c.bytes_to_b : c.bytes_to_a;
    const std::uint64_t bytes_bwd = src_is_a ? c.bytes_to_a : c.bytes_to_b;
    CAPTURE(src);
    CAPTURE(dst);
    CHECK(frames_fwd == f.packets_fwd);
    CHECK(frames_bwd == f.packets_bwd);
    CHECK(bytes_fwd == f.bytes_fwd + 14 * f.packets_fwd);  // tshark counts whole Ethernet frames
    CHECK(bytes_bwd == f.bytes_bwd + 14 * f.packets_bwd);
    table.erase(it);
    ++compared;
  }
  CHECK(compared == 1091);
  CHECK(tcp.empty());  // no conversation of tshark's that we lack
  CHECK(udp.empty());
}

// capture/pcap_flows: captures written through libpcap's dump functions (a SYN scan of 1000 ports,
// a SYN flood, a brute-force burst, benign sessions, DNS, ICMP; on every link type, IPv4 and IPv6)
// read back into flows whose counts and features are computed by hand; damaged packets counted;
// files that are not captures refused with a message naming them.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "capture/input_error.h"
#include "capture/pcap_flows.h"
#include "common/temp_dir.h"
#include "tests/capture/capture_scenarios.h"
#include "tests/support/child_process.h"

namespace {

using namespace dais::capture;
using dais::test::ip;
using dais::test::Scenario;
namespace flag = tcp_flag;

std::vector<const FlowRecord*> to_port(const CaptureResult& r, std::uint16_t port) {
  std::vector<const FlowRecord*> found;
  for (const FlowRecord& f : r.flows) {
    if (f.dst_port == port) found.push_back(&f);
  }
  return found;
}

// One benign session's flow as Scenario::session writes it, for a request and response size and
// `ip_header` bytes of IP header per packet.
void check_session(const FlowRecord& f, std::size_t request, std::size_t response, std::size_t ip_header = 20) {
  CHECK(f.protocol == 6);
  CHECK(f.packets_fwd == 5);
  CHECK(f.packets_bwd == 3);
  CHECK(f.bytes_fwd == 5 * (ip_header + 20) + request);
  CHECK(f.bytes_bwd == 3 * (ip_header + 20) + response);
  CHECK(f.syn == 1);
  CHECK(f.syn_ack == 1);
  CHECK(f.fin == 2);
  CHECK(f.rst == 0);
  CHECK(f.end_s - f.start_s == doctest::Approx(0.007));
}

}  // namespace

TEST_CASE("a SYN scan of 1000 ports: 1000 flows, the three open ports answer, the others reset") {
  dais::TempDir dir;
  const auto file = dir / "scan.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    s.syn_scan(ip("203.0.113.66"), ip("10.0.0.10"), 1, 1000, {22, 80, 443});
    writer.close();
  }
  const CaptureResult r = read_capture(file);
  CHECK(r.counters.packets == 1000 * 2 + 3);
  REQUIRE(r.flows.size() == 1000);
  CHECK(r.counters.flows == 1000);
  CHECK(r.counters.ends.tcp_close == 1000);
  std::size_t open = 0;
  for (std::size_t i = 0; i < r.flows.size(); ++i) {
    const FlowRecord& f = r.flows[i];
    CHECK(f.dst_port == i + 1);  // sorted by start time: port order
    CHECK(f.src.text() == "203.0.113.66");
    CHECK(f.src_port == 40000);
    CHECK(f.syn == 1);
    CHECK(f.rst == 1);
    CHECK(f.packets_bwd == 1);
    CHECK(f.bytes_bwd == 40);
    if (f.syn_ack == 1) {
      ++open;
      CHECK(f.packets_fwd == 2);  // SYN, then the scanner's RST
      CHECK(f.bytes_fwd == 80);
    } else {
      CHECK(f.packets_fwd == 1);
      CHECK(f.bytes_fwd == 40);
    }
  }
  CHECK(open == 3);
  CHECK(r.flows[21].syn_ack == 1);  // port 22
}

TEST_CASE("a SYN flood from spoofed sources: one flow per source port, the backlog answers the first 100") {
  dais::TempDir dir;
  const auto file = dir / "flood.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet, 1700000000000000, 100);
    for (int i = 0; i < 500; ++i) {
      const IpAddress source = IpAddress::v4(0xC6336400u + static_cast<std::uint32_t>(i % 250) + 1);
      const auto port = static_cast<std::uint16_t>(1024 + i);
      s.tcp(source, port, ip("10.0.0.20"), 80, flag::syn);
      if (i < 100) s.tcp(ip("10.0.0.20"), 80, source, port, flag::syn | flag::ack);
    }
    writer.close();
  }
  const CaptureResult r = read_capture(file);
  CHECK(r.counters.packets == 600);
  REQUIRE(r.flows.size() == 500);
  CHECK(r.counters.ends.end_of_capture == 500);  // half-open: nothing ends them within the capture
  CHECK(r.counters.max_open_flows == 500);
  std::size_t answered = 0;
  for (const FlowRecord& f : r.flows) {
    CHECK(f.dst.text() == "10.0.0.20");
    CHECK(f.syn == 1);
    CHECK(f.packets_fwd == 1);
    answered += f.syn_ack;
    CHECK(f.packets_bwd == f.syn_ack);
  }
  CHECK(answered == 100);
}

TEST_CASE("a brute-force burst and benign traffic: sessions, DNS, ICMP, each flow as computed by hand") {
  dais::TempDir dir;
  const auto file = dir / "mixed.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    for (int i = 0; i < 200; ++i) {
      s.session(ip("203.0.113.5"), static_cast<std::uint16_t>(50000 + i), ip("10.0.0.22"), 22, 64, 48);
    }
    s.session(ip("192.0.2.10"), 51000, ip("10.0.0.80"), 443, 517, 4000);
    s.dns(ip("192.0.2.10"), 33333, ip("10.0.0.53"), 30, 90);
    s.ping(ip("192.0.2.10"), ip("10.0.0.1"), 56);
    s.ping(ip("192.0.2.10"), ip("10.0.0.1"), 56);
    writer.close();
  }
  const CaptureResult r = read_capture(file);
  CHECK(r.counters.packets == 201 * 8 + 2 + 4);
  REQUIRE(r.flows.size() == 203);
  const auto brute = to_port(r, 22);
  REQUIRE(brute.size() == 200);
  for (const FlowRecord* f : brute) {
    CHECK(f->src.text() == "203.0.113.5");
    check_session(*f, 64, 48);
  }
  const auto https = to_port(r, 443);
  REQUIRE(https.size() == 1);
  check_session(*https[0], 517, 4000);
  const auto dns = to_port(r, 53);
  REQUIRE(dns.size() == 1);
  CHECK(dns[0]->protocol == 17);
  CHECK(dns[0]->bytes_fwd == 28 + 30);
  CHECK(dns[0]->bytes_bwd == 28 + 90);
  // Both pings are one ICMP flow (ICMP has no ports), two echo requests forward and two replies back.
  const FlowRecord& icmp = r.flows.back();
  CHECK(icmp.protocol == 1);
  CHECK(icmp.src_port == 0);
  CHECK(icmp.packets_fwd == 2);
  CHECK(icmp.packets_bwd == 2);
  CHECK(icmp.bytes_fwd == 2 * 84);
  CHECK(r.counters.ends.tcp_close == 201);
  CHECK(r.counters.ends.end_of_capture == 2);
}

TEST_CASE("every link type and IP version gives the same flows") {
  struct Variant {
    const char* name;
    LinkType link;
    std::vector<std::uint16_t> vlans;
    bool v6;
  };
  const std::vector<Variant> variants = {
      {"ethernet", LinkType::ethernet, {}, false},      {"vlan", LinkType::ethernet, {100}, false},
      {"qinq", LinkType::ethernet, {300, 100}, false},   {"sll", LinkType::linux_sll, {}, false},
      {"sll2", LinkType::linux_sll2, {}, false},         {"raw", LinkType::raw, {}, false},
      {"ipv4", LinkType::ipv4, {}, false},               {"ethernet6", LinkType::ethernet, {}, true},
      {"vlan6", LinkType::ethernet, {42}, true},         {"sll6", LinkType::linux_sll, {}, true},
      {"raw6", LinkType::raw, {}, true},                 {"ipv6", LinkType::ipv6, {}, true},
  };
  dais::TempDir dir;
  for (const Variant& v : variants) {
    CAPTURE(v.name);
    const auto file = dir / (std::string(v.name) + ".pcap");
    {
      CaptureWriter writer(file, v.link);
      Scenario s(writer, v.link);
      s.vlans = v.vlans;
      const IpAddress client = ip(v.v6 ? "2001:db8::10" : "192.0.2.10");
      const IpAddress server = ip(v.v6 ? "2001:db8::80" : "10.0.0.80");
      s.session(client, 51000, server, 80, 300, 1200);
      s.dns(client, 33333, server, 30, 90);
      s.ping(client, server, 56);
      writer.close();
    }
    const CaptureResult r = read_capture(file);
    CHECK(r.counters.packets == 12);
    REQUIRE(r.flows.size() == 3);
    const std::size_t ip_header = v.v6 ? 40 : 20;
    check_session(r.flows[0], 300, 1200, ip_header);
    CHECK(r.flows[0].src.text() == (v.v6 ? "2001:db8::10" : "192.0.2.10"));
    CHECK(r.flows[1].protocol == 17);
    CHECK(r.flows[1].bytes_fwd == ip_header + 8 + 30);
    CHECK(r.flows[2].protocol == (v.v6 ? 58 : 1));
    CHECK(r.flows[2].bytes_bwd == ip_header + 8 + 56);
  }
}

TEST_CASE("damaged and foreign packets are counted and skipped; the flows around them are whole") {
  dais::TempDir dir;
  const auto file = dir / "damaged.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    const PacketSpec probe{.src = ip("192.0.2.10"), .dst = ip("10.0.0.80"), .protocol = 6, .src_port = 1,
                           .dst_port = 2, .tcp_flags = flag::syn};
    s.tcp(ip("192.0.2.10"), 51000, ip("10.0.0.80"), 80, flag::syn);
    s.packet(probe, 30);  // cut inside the IP header
    s.packet(probe, 40);  // cut inside the TCP header
    s.packet(probe, 10);  // cut inside the Ethernet header
    auto bad = build_frame(LinkType::ethernet, probe);
    bad[14] = 0x43;  // IHL 3
    writer.write(s.now(), bad);
    auto arp = build_frame(LinkType::ethernet, probe);
    arp[12] = 0x08;
    arp[13] = 0x06;
    writer.write(s.now(), arp);
    s.packet({.src = ip("192.0.2.10"), .dst = ip("10.0.0.80"), .protocol = 47, .payload = 20});  // GRE
    s.packet({.src = ip("192.0.2.10"), .dst = ip("10.0.0.80"), .protocol = 17, .src_port = 9, .dst_port = 9,
              .payload = 20, .fragment_offset = 100});
    // Snapshot length 54: headers whole, payload cut; the flow still counts the IP length.
    s.packet({.src = ip("10.0.0.80"), .dst = ip("192.0.2.10"), .protocol = 6, .src_port = 80, .dst_port = 51000,
              .tcp_flags = flag::syn | flag::ack, .payload = 1000},
             54);
    writer.close();
  }
  const CaptureResult r = read_capture(file);
  CHECK(r.counters.packets == 9);
  CHECK(r.counters.truncated == 3);
  CHECK(r.counters.malformed == 1);
  CHECK(r.counters.not_ip == 1);
  CHECK(r.counters.other_protocol == 1);
  CHECK(r.counters.fragments == 1);
  CHECK(r.counters.stopped_early.empty());
  REQUIRE(r.flows.size() == 1);
  CHECK(r.flows[0].packets_fwd == 1);
  CHECK(r.flows[0].packets_bwd == 1);
  CHECK(r.flows[0].bytes_bwd == 1040);
}

TEST_CASE("a file cut short inside a packet is read up to the cut, with the reason") {
  dais::TempDir dir;
  const auto file = dir / "cut.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    s.session(ip("192.0.2.10"), 51000, ip("10.0.0.80"), 80, 300, 1200);
    s.dns(ip("192.0.2.10"), 33333, ip("10.0.0.53"), 30, 90);
    writer.close();
  }
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 20);  // into the DNS answer
  const CaptureResult r = read_capture(file);
  CHECK(r.counters.packets == 9);
  REQUIRE(r.flows.size() == 2);
  check_session(r.flows[0], 300, 1200);
  CHECK(r.flows[1].packets_bwd == 0);
  CHECK(r.counters.stopped_early.find("truncated") != std::string::npos);
}

TEST_CASE("pcapng (converted by Wireshark's editcap) gives the same flows as pcap") {
  dais::TempDir dir;
  const auto file = dir / "session.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet);
    s.session(ip("192.0.2.10"), 51000, ip("10.0.0.80"), 80, 300, 1200);
    s.ping(ip("2001:db8::1"), ip("2001:db8::2"), 8);
    writer.close();
  }
  const std::string editcap = "/usr/bin/editcap";
  REQUIRE_MESSAGE(std::filesystem::exists(editcap),
                  "editcap (Debian wireshark-common, with tshark) is missing: run scripts/setup.sh test");
  const auto ng = dir / "session.pcapng";
  const auto converted = dais::test::run({editcap, "-F", "pcapng", file.string(), ng.string()});
  REQUIRE_MESSAGE(converted.exit_code == 0, converted.errors);
  std::ifstream in(ng, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  REQUIRE(std::string(magic, 4) == std::string("\x0A\x0D\x0D\x0A", 4));  // a pcapng section header
  const CaptureResult a = read_capture(file);
  const CaptureResult b = read_capture(ng);
  REQUIRE(a.flows.size() == 2);
  REQUIRE(b.flows.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(a.flows[i].start_s == b.flows[i].start_s);
    CHECK(a.flows[i].end_s == b.flows[i].end_s);
    CHECK(a.flows[i].src == b.flows[i].src);
    CHECK(a.flows[i].bytes_fwd == b.flows[i].bytes_fwd);
    CHECK(a.flows[i].bytes_bwd == b.flows[i].bytes_bwd);
    CHECK(a.flows[i].packets_fwd == b.flows[i].packets_fwd);
  }
}

TEST_CASE("reading the same capture twice gives the same flows in the same order") {
  dais::TempDir dir;
  const auto file = dir / "twice.pcap";
  {
    CaptureWriter writer(file, LinkType::ethernet);
    Scenario s(writer, LinkType::ethernet, 1700000000000000, 0);  // every packet at the same instant
    for (int i = 0; i < 50; ++i) s.dns(IpAddress::v4(0xC0000200u + static_cast<std::uint32_t>(i)), 1000, ip("10.0.0.53"), 30, 90);
    writer.close();
  }
  const CaptureResult a = read_capture(file);
  const CaptureResult b = read_capture(file);
  REQUIRE(a.flows.size() == 50);
  REQUIRE(b.flows.size() == 50);
  for (std::size_t i = 0; i < 50; ++i) {
    CHECK(a.flows[i].src == b.flows[i].src);
    CHECK(a.flows[i].src.as_v4() == 0xC0000200u + i);  // equal start times: ordered by source
  }
}

TEST_CASE("files that are not captures are refused with a message naming the file") {
  dais::TempDir dir;
  auto refused = [](const std::filesystem::path& file) {
    try {
      (void)read_capture(file);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    FAIL("read_capture accepted " << file);
    return std::string();
  };
  const auto garbage = dir.write("garbage.pcap", std::string(4096, 'x'));
  std::string message = refused(garbage);
  CHECK(message.find(garbage.string()) != std::string::npos);
  CHECK(message.find("not a readable packet capture") != std::string::npos);
  CHECK(message.find("unknown file format") != std::string::npos);

  const auto empty = dir.write("empty.pcap", "");
  CHECK(refused(empty).find(empty.string()) != std::string::npos);
  const auto missing = dir / "missing.pcap";
  message = refused(missing);
  CHECK(message.find(missing.string()) != std::string::npos);
  CHECK(message.find("No such file") != std::string::npos);
  message = refused(dir.path());
  CHECK(message.find("is a directory") != std::string::npos);

  const auto wifi = dir / "wifi.pcap";
  {
    // A capture, but of 802.11 frames (DLT 105), which DAIS does not decode.
    std::ofstream out(wifi, std::ios::binary);
    const unsigned char header[24] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0,
                                      0,    0,    0,    0,    0xFF, 0xFF, 0, 0, 105, 0, 0, 0};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
  }
  message = refused(wifi);
  CHECK(message.find(wifi.string()) != std::string::npos);
  CHECK(message.find("link type 105") != std::string::npos);
  CHECK(message.find("not supported") != std::string::npos);
}

// capture/flow_table: which packets make one flow and when it ends (idle and active timeouts,
// TCP RST and FIN, a reused 5-tuple), what each end is credited with, and the hash table under
// many flows opened and closed in mixed order, and the huge-page storage its big arrays use.
#include <doctest/doctest.h>

#include <cstdint>
#include <numeric>
#include <map>
#include <tuple>
#include <vector>

#include "capture/flow_table.h"
#include "capture/huge_page_allocator.h"

namespace {

using namespace dais::capture;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Packet tcp(const char* from, std::uint16_t from_port, const char* to, std::uint16_t to_port, std::uint8_t flags,
           std::uint32_t bytes = 40) {
  Packet p;
  p.src = ip(from);
  p.dst = ip(to);
  p.src_port = from_port;
  p.dst_port = to_port;
  p.protocol = 6;
  p.ip_bytes = bytes;
  p.tcp_flags = flags;
  return p;
}

Packet udp(const char* from, std::uint16_t from_port, const char* to, std::uint16_t to_port, std::uint32_t bytes) {
  Packet p = tcp(from, from_port, to, to_port, 0, bytes);
  p.protocol = 17;
  return p;
}

struct Collected {
  std::vector<FlowRecord> flows;
  FlowTable table;
  explicit Collected(FlowTimeouts timeouts = {})
      : table(timeouts, [this](FlowRecord&& f) { flows.push_back(std::move(f)); }) {}
};

namespace flag = tcp_flag;

}  // namespace

TEST_CASE("both directions make one flow; forward is the first packet's sender, whichever address is lower") {
  Collected c;
  // The client's address is above the server's, so its key orders the server first.
  c.table.add(tcp("10.0.0.9", 40000, "10.0.0.1", 22, flag::syn), 10.0);
  c.table.add(tcp("10.0.0.1", 22, "10.0.0.9", 40000, flag::syn | flag::ack), 10.1);
  c.table.add(tcp("10.0.0.9", 40000, "10.0.0.1", 22, flag::ack), 10.2);
  c.table.add(tcp("10.0.0.9", 40000, "10.0.0.1", 22, flag::psh | flag::ack, 140), 10.3);
  CHECK(c.table.open_flows() == 1);
  c.table.flush();
  REQUIRE(c.flows.size() == 1);
  const FlowRecord& f = c.flows[0];
  CHECK(f.src.text() == "10.0.0.9");
  CHECK(f.dst.text() == "10.0.0.1");
  CHECK(f.src_port == 40000);
  CHECK(f.dst_port == 22);
  CHECK(f.packets_fwd == 3);
  CHECK(f.packets_bwd == 1);
  CHECK(f.bytes_fwd == 220);
  CHECK(f.bytes_bwd == 40);
  CHECK(f.syn == 1);
  CHECK(f.syn_ack == 1);
  CHECK(f.start_s == 10.0);
  CHECK(f.end_s == doctest::Approx(10.3));
  CHECK(c.table.ends().end_of_capture == 1);
}

TEST_CASE("the same addresses with other ports or protocol are other flows") {
  Collected c;
  c.table.add(udp("10.0.0.1", 1000, "10.0.0.2", 53, 60), 1);
  c.table.add(udp("10.0.0.1", 1001, "10.0.0.2", 53, 60), 1);
  c.table.add(tcp("10.0.0.1", 1000, "10.0.0.2", 53, flag::syn), 1);
  // Equal addresses: the ports order the endpoints.
  c.table.add(udp("10.0.0.1", 7, "10.0.0.1", 9, 30), 1);
  c.table.add(udp("10.0.0.1", 9, "10.0.0.1", 7, 30), 1);
  CHECK(c.table.open_flows() == 4);
}

TEST_CASE("idle timeout: a gap longer than idle_s ends the flow; exactly idle_s does not") {
  Collected c(FlowTimeouts{.idle_s = 120, .active_s = 1800});
  c.table.add(udp("10.0.0.1", 1000, "10.0.0.2", 53, 50), 0);
  c.table.add(udp("10.0.0.2", 53, "10.0.0.1", 1000, 70), 120);  // exactly 120 s later: same flow
  c.table.add(udp("10.0.0.1", 1000, "10.0.0.2", 53, 50), 240.5);  // 120.5 s later: a new flow
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].packets_fwd == 1);
  CHECK(c.flows[0].packets_bwd == 1);
  CHECK(c.flows[0].end_s == 120);
  CHECK(c.table.ends().idle == 1);
  c.table.flush();
  REQUIRE(c.flows.size() == 2);
  CHECK(c.flows[1].start_s == 240.5);
  CHECK(c.flows[1].bytes_fwd == 50);
}

TEST_CASE("idle flows end when capture time passes, before the packet that moved it") {
  Collected c(FlowTimeouts{.idle_s = 10, .active_s = 1800});
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 53, 50), 0);
  c.table.add(udp("10.0.0.3", 1, "10.0.0.2", 53, 50), 5);
  c.table.add(udp("10.0.0.4", 1, "10.0.0.2", 53, 50), 12);  // the first is idle (12 > 0 + 10), the second not
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].src.text() == "10.0.0.1");
  CHECK(c.table.open_flows() == 2);
  c.table.add(udp("10.0.0.4", 1, "10.0.0.2", 53, 50), 20);  // 15 s after the second's last, 8 after the third's
  REQUIRE(c.flows.size() == 2);
  CHECK(c.flows[1].src.text() == "10.0.0.3");
  CHECK(c.table.open_flows() == 1);
}

TEST_CASE("an idle flow that saw packets since it was queued is handed over within twice idle_s") {
  Collected c(FlowTimeouts{.idle_s = 10, .active_s = 1800});
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 53, 50), 0);
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 53, 50), 5);  // idle from 15 on
  c.table.add(udp("10.0.0.3", 1, "10.0.0.2", 53, 50), 12);  // the first flow is requeued at 12
  c.table.add(udp("10.0.0.3", 1, "10.0.0.2", 53, 50), 15.5);
  CHECK(c.flows.empty());  // idle, but checked again only after 22
  c.table.add(udp("10.0.0.3", 1, "10.0.0.2", 53, 50), 22.5);
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].packets_fwd == 2);
  CHECK(c.flows[0].end_s == 5);
  CHECK(c.table.ends().idle == 1);
}

TEST_CASE("an idle flow's next packet starts a new flow even before the idle one was handed over") {
  Collected c(FlowTimeouts{.idle_s = 10, .active_s = 1800});
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 53, 50), 0);
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 53, 50), 5);
  c.table.add(udp("10.0.0.3", 1, "10.0.0.2", 53, 50), 12);   // requeues the first flow
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 53, 70), 15.5);  // 10.5 s after 5: a new flow
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].packets_fwd == 2);
  c.table.flush();
  REQUIRE(c.flows.size() == 3);
  CHECK(c.flows[1].src.text() == "10.0.0.3");  // flush: last packet at 12 before 15.5
  CHECK(c.flows[2].bytes_fwd == 70);
}

TEST_CASE("active timeout: a flow lasts at most active_s; the packet beyond starts the next one") {
  Collected c(FlowTimeouts{.idle_s = 120, .active_s = 1800});
  for (int t = 0; t <= 2000; t += 60) c.table.add(udp("10.0.0.1", 5000, "10.0.0.2", 5001, 100), t);
  c.table.flush();
  REQUIRE(c.flows.size() == 2);
  CHECK(c.flows[0].start_s == 0);
  CHECK(c.flows[0].end_s == 1800);
  CHECK(c.flows[0].packets_fwd == 31);  // 0, 60, ..., 1800
  CHECK(c.flows[1].start_s == 1860);
  CHECK(c.flows[1].packets_fwd == 3);  // 1860, 1920, 1980
  CHECK(c.table.ends().active == 1);
  CHECK(c.table.ends().end_of_capture == 1);
}

TEST_CASE("RST ends a flow with the RST in it; a later packet of the 5-tuple starts another") {
  Collected c;
  c.table.add(tcp("10.0.0.66", 40000, "10.0.0.10", 25, flag::syn), 1);
  c.table.add(tcp("10.0.0.10", 25, "10.0.0.66", 40000, flag::rst | flag::ack), 1.001);
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].packets_fwd == 1);
  CHECK(c.flows[0].packets_bwd == 1);
  CHECK(c.flows[0].rst == 1);
  CHECK(c.flows[0].syn == 1);
  CHECK(c.table.open_flows() == 0);
  c.table.add(tcp("10.0.0.66", 40000, "10.0.0.10", 25, flag::rst), 1.5);
  CHECK(c.flows.size() == 2);
  CHECK(c.table.ends().tcp_close == 2);
}

TEST_CASE("FIN both ways: the next packet (the last ACK) is the flow's last") {
  Collected c;
  const char* cl = "192.0.2.10";
  const char* sv = "198.51.100.80";
  c.table.add(tcp(cl, 50000, sv, 80, flag::syn), 0);
  c.table.add(tcp(sv, 80, cl, 50000, flag::syn | flag::ack), 0.01);
  c.table.add(tcp(cl, 50000, sv, 80, flag::ack), 0.02);
  c.table.add(tcp(cl, 50000, sv, 80, flag::fin | flag::ack), 0.03);
  c.table.add(tcp(sv, 80, cl, 50000, flag::ack), 0.04);  // one FIN so far: the flow goes on
  c.table.add(tcp(sv, 80, cl, 50000, flag::fin | flag::ack), 0.05);
  CHECK(c.flows.empty());
  c.table.add(tcp(cl, 50000, sv, 80, flag::ack), 0.06);
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].packets_fwd == 4);
  CHECK(c.flows[0].packets_bwd == 3);
  CHECK(c.flows[0].fin == 2);
  CHECK(c.flows[0].end_s == 0.06);
  c.table.add(tcp(cl, 50000, sv, 80, flag::ack), 0.07);  // a straggler: its own flow
  c.table.flush();
  CHECK(c.flows.size() == 2);
}

TEST_CASE("a SYN on a closed 5-tuple starts a new connection, the closed one ends without it") {
  Collected c;
  c.table.add(tcp("10.0.0.1", 50000, "10.0.0.2", 80, flag::fin | flag::ack), 0);
  c.table.add(tcp("10.0.0.2", 80, "10.0.0.1", 50000, flag::fin | flag::ack), 0.1);
  c.table.add(tcp("10.0.0.1", 50000, "10.0.0.2", 80, flag::syn), 0.2);
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].packets_fwd == 1);
  CHECK(c.flows[0].packets_bwd == 1);
  CHECK(c.flows[0].syn == 0);
  c.table.flush();
  REQUIRE(c.flows.size() == 2);
  CHECK(c.flows[1].syn == 1);
  CHECK(c.flows[1].start_s == doctest::Approx(0.2));
}

TEST_CASE("a packet stamped before its flow's last does not move the end back") {
  Collected c;
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 2, 10), 5);
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 2, 10), 3);
  c.table.flush();
  REQUIRE(c.flows.size() == 1);
  CHECK(c.flows[0].start_s == 5);
  CHECK(c.flows[0].end_s == 5);
  CHECK(c.flows[0].packets_fwd == 2);
}

TEST_CASE("flush ends flows by their last packet, oldest first") {
  Collected c;
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 2, 10), 1);
  c.table.add(udp("10.0.0.3", 1, "10.0.0.2", 2, 10), 2);
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 2, 10), 3);
  c.table.flush();
  REQUIRE(c.flows.size() == 2);
  CHECK(c.flows[0].src.text() == "10.0.0.3");
  CHECK(c.flows[1].src.text() == "10.0.0.1");
}

TEST_CASE("flush: flows whose last packets share a time end in the order they were queued") {
  Collected c;
  // Queued in the order .9, .1, .5, .3 (not address order, nor any hash order in particular).
  const char* clients[] = {"10.0.0.9", "10.0.0.1", "10.0.0.5", "10.0.0.3"};
  for (const char* client : clients) c.table.add(udp(client, 7, "10.0.0.2", 53, 10), 4);
  c.table.add(udp("10.0.0.7", 7, "10.0.0.2", 53, 10), 3);  // last packet earlier: ends first
  c.table.flush();
  REQUIRE(c.flows.size() == 5);
  CHECK(c.flows[0].src.text() == "10.0.0.7");
  for (int i = 0; i < 4; ++i) CHECK(c.flows[static_cast<std::size_t>(i) + 1].src.text() == clients[i]);
}

TEST_CASE("huge-page storage: big arrays on 2 MiB boundaries, small ones as usual, contents kept as they grow") {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> big;
  for (std::uint64_t i = 0; i < 1000000; ++i) big.push_back(i * 3);  // 8 MB after many reallocations
  CHECK(reinterpret_cast<std::uintptr_t>(big.data()) % (std::uintptr_t{2} << 20) == 0);
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < big.size(); ++i) wrong += big[i] != i * 3;
  CHECK(wrong == 0);
  struct alignas(64) Line {
    unsigned char bytes[64];
  };
  std::vector<Line, HugePageAllocator<Line>> small(3);
  CHECK(reinterpret_cast<std::uintptr_t>(small.data()) % 64 == 0);
  std::vector<int, HugePageAllocator<int>> numbers(10);
  std::iota(numbers.begin(), numbers.end(), 1);
  CHECK(std::accumulate(numbers.begin(), numbers.end(), 0) == 55);
}

TEST_CASE("IPv4 and IPv6 flows are kept apart") {
  Collected c;
  Packet v6 = udp("10.0.0.1", 1, "10.0.0.2", 2, 10);
  // a00:1:: holds the same 16 bytes as 10.0.0.1 does (IPv4 in the first four): only the version differs.
  v6.src = ip("a00:1::");
  v6.dst = ip("a00:2::");
  REQUIRE(v6.src.bytes == ip("10.0.0.1").bytes);
  c.table.add(v6, 1);
  c.table.add(udp("10.0.0.1", 1, "10.0.0.2", 2, 10), 1);
  CHECK(c.table.open_flows() == 2);
}

TEST_CASE("100000 flows opened, half reset in reverse order, the rest flushed: each keeps its own counts") {
  Collected c(FlowTimeouts{.idle_s = 1e9, .active_s = 1e9});
  constexpr std::uint32_t kFlows = 100000;
  auto address = [](std::uint32_t i) { return IpAddress::v4(0x0A000000u + i / 1000); };
  auto make = [&](std::uint32_t i, bool reply, std::uint8_t flags) {
    Packet p;
    p.src = reply ? IpAddress::v4(0xC0000201u) : address(i);
    p.dst = reply ? address(i) : IpAddress::v4(0xC0000201u);
    p.src_port = reply ? 443 : static_cast<std::uint16_t>(1024 + i % 1000);
    p.dst_port = reply ? static_cast<std::uint16_t>(1024 + i % 1000) : 443;
    p.protocol = 6;
    p.ip_bytes = 40 + i % 7;
    p.tcp_flags = flags;
    return p;
  };
  for (std::uint32_t i = 0; i < kFlows; ++i) c.table.add(make(i, false, flag::syn), 1);
  CHECK(c.table.open_flows() == kFlows);
  CHECK(c.table.memory_per_flow() > 0);
  for (std::uint32_t i = kFlows; i-- > 0;) {
    c.table.add(make(i, true, i % 2 ? flag::rst | flag::ack : flag::syn | flag::ack), 2);
  }
  CHECK(c.table.open_flows() == kFlows / 2);
  // The survivors see one more packet each, found again after so many deletions.
  for (std::uint32_t i = 0; i < kFlows; i += 2) c.table.add(make(i, false, flag::ack), 3);
  CHECK(c.table.open_flows() == kFlows / 2);
  c.table.flush();
  REQUIRE(c.flows.size() == kFlows);
  std::map<std::tuple<IpAddress, std::uint16_t>, const FlowRecord*> by_client;
  for (const FlowRecord& f : c.flows) by_client[{f.src, f.src_port}] = &f;
  REQUIRE(by_client.size() == kFlows);
  for (std::uint32_t i = 0; i < kFlows; ++i) {
    const FlowRecord& f = *by_client.at({address(i), static_cast<std::uint16_t>(1024 + i % 1000)});
    const bool reset = i % 2 == 1;
    if (f.packets_fwd != (reset ? 1u : 2u) || f.packets_bwd != 1 || f.bytes_bwd != 40 + i % 7 ||
        f.rst != (reset ? 1u : 0u) || f.syn_ack != (reset ? 0u : 1u)) {
      FAIL("flow " << i << " has the wrong counts");
    }
  }
  CHECK(c.table.ends().tcp_close == kFlows / 2);
  CHECK(c.table.ends().end_of_capture == kFlows / 2);
  CHECK(c.table.max_open_flows() == kFlows);
}

// FlowTable: assembles decoded packets into bidirectional flows, in packet order. A flow is
// keyed by its 5-tuple (addresses, ports, protocol) either way round; its forward direction is
// that of its first packet. A flow ends (and is handed to the sink) when
//   - it has been idle: no packet for more than `idle_s` of capture time (handed to the sink
//     within 2 * idle_s, or when its 5-tuple's next packet arrives, whichever is first);
//   - it has been active for more than `active_s`: the packet that would exceed it starts a new flow;
//   - TCP closes it: at a packet with RST (included), or at the first packet after FINs have gone
//     both ways (the last ACK, included); later packets of the same 5-tuple start a new flow;
//   - flush() is called (end of capture): the remaining flows, in order of their last packet.
// Capture time is the largest timestamp seen so far; a packet stamped earlier than its flow's last
// one does not move the flow's end back. The result depends only on the packets and their order.
// Not thread-safe (one reader owns a table); the sink is called synchronously from add/flush and
// must not call back into the table. Memory: one slot per open flow (memory_per_flow()); a packet
// costs one hash lookup and no allocation once the table has grown to the capture's busiest moment.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "capture/flow_record.h"
#include "capture/huge_page_allocator.h"
#include "capture/packet_parser.h"

namespace dais::capture {

// 120 s idle and 1800 s active: the defaults of Cisco NetFlow and of most flow exporters,
// long enough that a slow session is one flow, short enough that a scan's probes are not.
struct FlowTimeouts {
  double idle_s = 120;
  double active_s = 1800;
};

// Why flows ended; their sum is the number of flows handed to the sink.
struct FlowEnds {
  std::uint64_t idle = 0, active = 0, tcp_close = 0, end_of_capture = 0;
};

class FlowTable {
 public:
  using Sink = std::function<void(FlowRecord&&)>;

  FlowTable(const FlowTimeouts& timeouts, Sink sink);
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Adds a decoded packet (status ok) captured at `time_s`; ends the flows it makes expire.
  void add(const Packet& packet, double time_s);

  // The same in stages, for a reader that keeps a few packets in flight (pcap_flows.cpp): an open
  // flow's slot and state are likely cache misses, and fetching them while the next packets are
  // read hides that wait. prepare() keys a packet; prefetch_slot() and then, a little later,
  // prefetch_flow() are hints only (they change nothing, and a stale hint is harmless); add()
  // must still be called for every packet in capture order, with the packet it was prepared from.
  // prepare() and prefetch_slot() run once per packet, so they are defined inline below;
  // prefetch_flow() is not: GCC 12 drops the prefetches of its probe loop once it is inlined.
  struct Key {
    std::array<std::uint8_t, 16> a{}, b{};  // the endpoints in a fixed order (a <= b)
    std::uint16_t port_a = 0, port_b = 0;
    std::uint8_t protocol = 0, v6 = 0;
    std::uint16_t zero = 0;  // keeps the padding defined, so keys compare as bytes
    bool operator==(const Key& other) const { return std::memcmp(this, &other, sizeof(Key)) == 0; }
  };
  struct Prepared {
    Key key;  // kept, so add() does not build it again
    std::uint64_t hash = 0;
    std::uint8_t from = 0;  // 0: the packet's source is the key's endpoint a
  };
  Prepared prepare(const Packet& packet) const;
  void prefetch_slot(const Prepared& prepared) const;
  void prefetch_flow(const Prepared& prepared) const;
  void add(const Packet& packet, const Prepared& prepared, double time_s);
  // Ends every open flow, oldest last packet first.
  void flush();

  std::size_t open_flows() const { return open_; }
  std::size_t max_open_flows() const { return max_open_; }
  const FlowEnds& ends() const { return ends_; }
  // Bytes the table holds per open flow at its current size (flow slots, their links, index slots).
  double memory_per_flow() const;

 private:
  // One open flow in two cache lines, aligned to them: a packet reads the key and times (first
  // line) and updates the counters (second), so stream_capture prefetches both lines.
  struct alignas(64) Flow {
    Key key;
    double start = 0, last = 0;
    std::uint8_t initiator = 0;  // 0: a sent the first packet, 1: b did
    std::uint8_t fin_from = 0;   // bit 0: a sent a FIN, bit 1: b did
    double queued = 0;  // capture time it joined the list (expire_idle)
    std::uint64_t packets[2] = {}, bytes[2] = {};  // [0] from a, [1] from b
    std::uint32_t syn = 0, syn_ack = 0, fin = 0, rst = 0;
  };
  static_assert(sizeof(Flow) == 128, "a Flow is two cache lines");
  // A flow's place in the list of open flows (or, for a free flow slot, in the free list). Kept
  // apart from the flows, 8 bytes each, so that unlinking a flow touches its neighbours here, in
  // an array small enough to stay in cache, rather than two random Flows.
  struct Link {
    std::uint32_t prev = 0, next = 0;
  };
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  // A slot: the high 32 bits of the flow's hash (its tag) above its index in flows_.
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static constexpr std::uint64_t kTagMask = 0xFFFFFFFF00000000ull;
  static std::uint64_t tag_of(std::uint64_t hash) { return hash & kTagMask; }
  // A hash's first slot to probe, from its tag, so that a slot alone says where its probe run
  // starts: moving entries (erase_slot, grow) reads no Flow. slots_ never has more than 2^32
  // entries (flow indexes are 32 bits), so the tag's 32 bits cover any mask.
  std::size_t home_of(std::uint64_t hash_or_slot) const { return (hash_or_slot >> 32) & (slots_.size() - 1); }

  static std::uint64_t mix(std::uint64_t h);
  static Key key_of(const Packet& packet, std::uint8_t from);
  static std::uint64_t hash_of(const Key& key);
  std::uint32_t find(const Key& key, std::uint64_t hash) const;
  std::uint32_t insert(const Key& key, std::uint64_t hash, std::uint8_t initiator, double time_s);
  void expire_idle();
  void end(std::uint32_t index, std::uint64_t FlowEnds::*reason);
  void unlink(std::uint32_t index);
  void link_last(std::uint32_t index);
  void erase_slot(std::uint64_t hash, std::uint32_t index);
  void grow();

  FlowTimeouts timeouts_;
  Sink sink_;
  std::vector<Flow, HugePageAllocator<Flow>> flows_;              // flow slots, open or free
  // Parallel to flows_: open flows, oldest queued first (expire_idle), chained through prev/next;
  // free flow slots chained through next from free_.
  std::vector<Link> links_;
  std::uint32_t free_ = kNone;
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> slots_;     // open addressing (linear probing): tag | index
  std::uint32_t oldest_ = kNone, newest_ = kNone;
  std::size_t open_ = 0, max_open_ = 0;
  double now_ = 0;
  bool started_ = false;
  FlowEnds ends_;
};

// The per-packet stages, inline so the reader's loop (pcap_flows.cpp) compiles them in place.

inline std::uint64_t FlowTable::mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 33);
}

inline FlowTable::Key FlowTable::key_of(const Packet& packet, std::uint8_t from) {
  // Selects through pointers rather than copying each field under a condition: `from` follows
  // the capture's directions, which no branch predictor guesses.
  const bool forward = from == 0;
  const IpAddress& a = forward ? packet.src : packet.dst;
  const IpAddress& b = forward ? packet.dst : packet.src;
  Key key;
  key.a = a.bytes;
  key.b = b.bytes;
  key.port_a = forward ? packet.src_port : packet.dst_port;
  key.port_b = forward ? packet.dst_port : packet.src_port;
  key.protocol = packet.protocol;
  key.v6 = packet.src.v6 ? 1 : 0;
  return key;
}

inline std::uint64_t FlowTable::hash_of(const Key& key) {
  std::uint64_t words[5];
  static_assert(sizeof(Key) == sizeof words);
  std::memcpy(words, &key, sizeof words);
  std::uint64_t hash = words[0];
  for (int i = 1; i < 5; ++i) hash = (hash ^ (hash >> 29)) * 0x9E3779B97F4A7C15ull + words[i];
  return mix(hash);
}

inline FlowTable::Prepared FlowTable::prepare(const Packet& packet) const {
  // The endpoints in a fixed order, so both directions find the same flow. Any total order does
  // (which end is `a` changes no output: end() maps the key back through the initiator); comparing
  // the addresses as two native words is one that costs no call to memcmp.
  std::uint64_t s[2], d[2];
  std::memcpy(s, packet.src.bytes.data(), 16);
  std::memcpy(d, packet.dst.bytes.data(), 16);
  const bool src_first = s[0] != d[0]   ? s[0] < d[0]
                         : s[1] != d[1] ? s[1] < d[1]
                                        : packet.src_port <= packet.dst_port;
  Prepared prepared;
  prepared.from = src_first ? 0 : 1;
  prepared.key = key_of(packet, prepared.from);
  prepared.hash = hash_of(prepared.key);
  return prepared;
}

inline void FlowTable::prefetch_slot(const Prepared& prepared) const {
  __builtin_prefetch(&slots_[home_of(prepared.hash)]);
}

}  // namespace dais::capture

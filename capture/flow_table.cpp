#include "capture/flow_table.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace dais::capture {

FlowTable::FlowTable(const FlowTimeouts& timeouts, Sink sink)
    : timeouts_(timeouts), sink_(std::move(sink)), slots_(1024, kEmpty) {}

void FlowTable::prefetch_flow(const Prepared& prepared) const {
  // The flow may sit a few slots past its home (linear probing); its run is in the line fetched.
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = tag_of(prepared.hash);
  std::size_t i = home_of(prepared.hash);
  for (int probes = 0; probes < 8; ++probes, i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == kEmpty) return;
    if ((slot & kTagMask) == tag) {
      const char* flow = reinterpret_cast<const char*>(&flows_[static_cast<std::uint32_t>(slot)]);
      __builtin_prefetch(flow);
      __builtin_prefetch(flow + 64);
      return;
    }
  }
}

void FlowTable::add(const Packet& packet, double time_s) { add(packet, prepare(packet), time_s); }

void FlowTable::add(const Packet& packet, const Prepared& prepared, double time_s) {
  now_ = started_ ? std::max(now_, time_s) : time_s;
  started_ = true;
  // expire_idle()'s own first test, here so that the usual packet, which ends nothing, makes no call.
  if (oldest_ != kNone && now_ - flows_[oldest_].queued > timeouts_.idle_s) expire_idle();

  const std::uint8_t from = prepared.from;
  const std::uint64_t hash = prepared.hash;
  const Key& key = prepared.key;
  const bool tcp = packet.protocol == 6;
  const std::uint8_t flags = tcp ? packet.tcp_flags : 0;
  const bool syn = (flags & tcp_flag::syn) != 0;
  const bool ack = (flags & tcp_flag::ack) != 0;
  std::uint32_t index = find(key, hash);
  if (index != kNone) {
    const Flow& flow = flows_[index];
    if (now_ - flow.last > timeouts_.idle_s) {
      end(index, &FlowEnds::idle);  // idle, not yet handed over by expire_idle()
      index = kNone;
    } else if (now_ - flow.start > timeouts_.active_s) {
      end(index, &FlowEnds::active);
      index = kNone;
    } else if (flow.fin_from == 3 && syn && !ack) {
      // A new connection reusing the 5-tuple of one that has closed.
      end(index, &FlowEnds::tcp_close);
      index = kNone;
    }
  }
  if (index == kNone) index = insert(key, hash, from, time_s);

  Flow& flow = flows_[index];
  const bool closing = flow.fin_from == 3;
  ++flow.packets[from];
  flow.bytes[from] += packet.ip_bytes;
  flow.last = std::max(flow.last, time_s);
  // The flags are counted without branches: which of them a packet carries follows the traffic,
  // and a mispredicted branch costs more than these few additions.
  const bool fin = (flags & tcp_flag::fin) != 0;
  const bool rst = (flags & tcp_flag::rst) != 0;
  flow.syn += syn && !ack;
  flow.syn_ack += syn && ack;
  flow.fin += fin;
  flow.fin_from |= static_cast<std::uint8_t>(fin << from);
  flow.rst += rst;
  if (tcp && (rst || closing)) end(index, &FlowEnds::tcp_close);
}

// The list holds open flows in the order they were queued (created, or requeued here), each with
// the capture time it was queued at. A flow is requeued lazily, only when it reaches the head
// and has seen packets since, so a packet costs no list update. A flow is therefore handed to
// the sink up to idle_s later than the moment it became idle; which packets it holds is exact,
// because add() also checks idleness when a flow's next packet arrives.
void FlowTable::expire_idle() {
  while (oldest_ != kNone && now_ - flows_[oldest_].queued > timeouts_.idle_s) {
    Flow& flow = flows_[oldest_];
    if (now_ - flow.last > timeouts_.idle_s) {
      end(oldest_, &FlowEnds::idle);
    } else {
      const std::uint32_t index = oldest_;
      unlink(index);
      flow.queued = now_;
      link_last(index);
    }
  }
}

void FlowTable::flush() {
  // Flows whose last packets share a timestamp end in the order they were queued. The sort keys
  // are copied out of the Flows so that sorting reads one small array, not Flows at random.
  struct Open {
    double last;
    std::uint32_t queue_position, index;
  };
  std::vector<Open> open;
  open.reserve(open_);
  for (std::uint32_t i = oldest_; i != kNone; i = links_[i].next) {
    open.push_back({flows_[i].last, static_cast<std::uint32_t>(open.size()), i});
  }
  std::sort(open.begin(), open.end(), [](const Open& x, const Open& y) {
    return x.last != y.last ? x.last < y.last : x.queue_position < y.queue_position;
  });
  for (const Open& o : open) end(o.index, &FlowEnds::end_of_capture);
}

double FlowTable::memory_per_flow() const {
  if (open_ == 0) return 0;
  return static_cast<double>(flows_.capacity() * sizeof(Flow) + links_.capacity() * sizeof(Link) +
                             slots_.capacity() * sizeof(std::uint64_t)) /
         static_cast<double>(open_);
}

std::uint32_t FlowTable::find(const Key& key, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = tag_of(hash);
  for (std::size_t i = home_of(hash);; i = (i + 1) & mask) {
    const std::uint64_t slot = slots_[i];
    if (slot == kEmpty) return kNone;
    // The tag (high hash bits) lives in the slot, so a probe past another flow touches no Flow.
    if ((slot & kTagMask) == tag) {
      const auto index = static_cast<std::uint32_t>(slot);
      if (flows_[index].key == key) return index;
    }
  }
}

std::uint32_t FlowTable::insert(const Key& key, std::uint64_t hash, std::uint8_t initiator, double time_s) {
  if ((open_ + 1) * 2 > slots_.size()) grow();
  std::uint32_t index = free_;
  if (index != kNone) {
    free_ = links_[index].next;
    flows_[index] = Flow{};
  } else {
    index = static_cast<std::uint32_t>(flows_.size());
    flows_.emplace_back();
    links_.emplace_back();
  }
  Flow& flow = flows_[index];
  flow.key = key;
  flow.start = flow.last = time_s;
  flow.queued = now_;
  flow.initiator = initiator;
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home_of(hash);
  while (slots_[i] != kEmpty) i = (i + 1) & mask;
  slots_[i] = tag_of(hash) | index;
  link_last(index);
  ++open_;
  max_open_ = std::max(max_open_, open_);
  return index;
}

void FlowTable::end(std::uint32_t index, std::uint64_t FlowEnds::*reason) {
  Flow& flow = flows_[index];
  const int fwd = flow.initiator, bwd = 1 - flow.initiator;
  FlowRecord record;
  record.start_s = flow.start;
  record.end_s = flow.last;
  record.src.v6 = record.dst.v6 = flow.key.v6 != 0;
  record.src.bytes = fwd == 0 ? flow.key.a : flow.key.b;
  record.dst.bytes = fwd == 0 ? flow.key.b : flow.key.a;
  record.src_port = fwd == 0 ? flow.key.port_a : flow.key.port_b;
  record.dst_port = fwd == 0 ? flow.key.port_b : flow.key.port_a;
  record.protocol = flow.key.protocol;
  record.packets_fwd = flow.packets[fwd];
  record.packets_bwd = flow.packets[bwd];
  record.bytes_fwd = flow.bytes[fwd];
  record.bytes_bwd = flow.bytes[bwd];
  record.syn = flow.syn;
  record.syn_ack = flow.syn_ack;
  record.fin = flow.fin;
  record.rst = flow.rst;
  unlink(index);
  erase_slot(hash_of(flow.key), index);  // recomputed: a Flow has no room to keep it
  links_[index].next = free_;
  free_ = index;
  --open_;
  ++(ends_.*reason);
  sink_(std::move(record));
}

void FlowTable::unlink(std::uint32_t index) {
  Link& link = links_[index];
  if (link.prev != kNone) links_[link.prev].next = link.next;
  if (link.next != kNone) links_[link.next].prev = link.prev;
  if (oldest_ == index) oldest_ = link.next;
  if (newest_ == index) newest_ = link.prev;
  link.prev = link.next = kNone;
}

void FlowTable::link_last(std::uint32_t index) {
  Link& link = links_[index];
  link.prev = newest_;
  link.next = kNone;
  if (newest_ != kNone) links_[newest_].next = index;
  newest_ = index;
  if (oldest_ == kNone) oldest_ = index;
}

// Linear probing's deletion by backward shift: later entries of the same probe run move up, so
// find() can stop at the first empty slot.
void FlowTable::erase_slot(std::uint64_t hash, std::uint32_t index) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = home_of(hash);
  while (static_cast<std::uint32_t>(slots_[hole]) != index || slots_[hole] == kEmpty) hole = (hole + 1) & mask;
  for (std::size_t j = (hole + 1) & mask; slots_[j] != kEmpty; j = (j + 1) & mask) {
    const std::size_t home = home_of(slots_[j]);
    // The entry at j may fill the hole when its home is not in the cyclic range (hole, j].
    const bool home_between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!home_between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = kEmpty;
}

void FlowTable::grow() {
  decltype(slots_) bigger(slots_.size() * 2, kEmpty);
  const std::size_t mask = bigger.size() - 1;
  for (const std::uint64_t slot : slots_) {
    if (slot == kEmpty) continue;
    std::size_t i = (slot >> 32) & mask;
    while (bigger[i] != kEmpty) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  slots_ = std::move(bigger);
}

}  // namespace dais::capture

// Fan-out of committed events to WebSocket subscribers.
//
// The one writer (the engine, through daisd) calls publish() after each
// committed batch, in seq order. publish() builds each stream message once
// (shared, immutable) and hands the batch to every subscriber's deliver(),
// which must only push into a bounded queue and return: publishing never
// waits on a client. A subscriber whose queue is full drops the batch and
// later re-reads what it missed from the log, so nothing is lost silently.
//
// Thread safety: all methods are thread-safe. Subscribers are held weakly:
// an expired subscriber is forgotten at the next publish. The hub never owns
// a subscriber while it holds its lock, so a subscriber's destructor may call
// unsubscribe().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "eventstore/store.h"

namespace dais::api {

// One event as the stream sends it: {"seq":N,"hash":"<hex>","event":<stored bytes>}.
struct StreamEvent {
  std::uint64_t seq = 0;
  std::string type;
  std::shared_ptr<const std::string> message;
};
using StreamBatch = std::vector<StreamEvent>;

class StreamSubscriber {
 public:
  virtual ~StreamSubscriber() = default;
  // Called on the publisher's thread; must not block.
  virtual void deliver(const std::shared_ptr<const StreamBatch>& batch) = 0;
};

class EventHub {
 public:
  EventHub() = default;
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  void publish(const std::vector<eventstore::StoredEvent>& appended);

  void subscribe(const std::shared_ptr<StreamSubscriber>& subscriber);
  void unsubscribe(const StreamSubscriber* subscriber);

  std::size_t subscriber_count() const;
  // Seq after the last published event (0 before any publish).
  std::uint64_t next_seq() const { return next_seq_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;
  struct Entry {
    const StreamSubscriber* id;  // compared only, never dereferenced
    std::weak_ptr<StreamSubscriber> subscriber;
  };
  std::vector<Entry> subscribers_;
  std::atomic<std::uint64_t> next_seq_{0};
};

}  // namespace dais::api

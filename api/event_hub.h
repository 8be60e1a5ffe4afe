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

#include "eventstore/checkpointer.h"
#include "eventstore/store.h"

namespace dais::api {

// One event as the stream sends it: {"seq":N,"hash":"<hex>","event":<stored bytes>}; or, with
// `checkpoint` set, the signed checkpoint of the tree of `seq` leaves (stream_message.h), which
// follows the events it covers in the same batch and takes no seq of its own.
struct StreamEvent {
  std::uint64_t seq = 0;
  std::string type;
  std::shared_ptr<const std::string> message;
  bool checkpoint = false;
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

  // `checkpoint`, when given, is the signed tree head after `appended` and is sent after them
  // to the subscribers that asked for checkpoints.
  void publish(const std::vector<eventstore::StoredEvent>& appended,
               std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint = nullptr);

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

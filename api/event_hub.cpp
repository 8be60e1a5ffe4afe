#include "api/event_hub.h"

#include <algorithm>

#include "api/stream_message.h"

namespace dais::api {

void EventHub::publish(const std::vector<eventstore::StoredEvent>& appended,
                       std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint) {
  if (appended.empty()) return;
  next_seq_.store(appended.back().seq + 1, std::memory_order_release);

  // Owned out here, so that a subscriber whose last owner this becomes is
  // destroyed after the lock is released.
  std::vector<std::shared_ptr<StreamSubscriber>> live;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [](const Entry& e) { return e.subscriber.expired(); });
    live.reserve(subscribers_.size());
    for (const Entry& e : subscribers_) {
      if (auto s = e.subscriber.lock()) live.push_back(std::move(s));
    }
  }
  if (live.empty()) return;

  auto batch = std::make_shared<StreamBatch>();
  batch->reserve(appended.size() + 1);
  for (const auto& e : appended) {
    batch->push_back(StreamEvent{e.seq, e.type, std::make_shared<const std::string>(stream_message(e))});
  }
  if (checkpoint) {
    batch->push_back(StreamEvent{checkpoint->checkpoint.size, {},
                                 std::make_shared<const std::string>(checkpoint_message(*checkpoint)), true});
  }
  const std::shared_ptr<const StreamBatch> shared = std::move(batch);
  for (const auto& s : live) s->deliver(shared);
}

void EventHub::subscribe(const std::shared_ptr<StreamSubscriber>& subscriber) {
  std::lock_guard lock(mutex_);
  subscribers_.push_back(Entry{subscriber.get(), subscriber});
}

void EventHub::unsubscribe(const StreamSubscriber* subscriber) {
  std::lock_guard lock(mutex_);
  // By address, not through lock(): a shared_ptr made here could become the
  // subscriber's last owner and run its destructor under this lock.
  std::erase_if(subscribers_,
                [subscriber](const Entry& e) { return e.id == subscriber || e.subscriber.expired(); });
}

std::size_t EventHub::subscriber_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(subscribers_.begin(), subscribers_.end(), [](const Entry& e) { return !e.subscriber.expired(); }));
}

}  // namespace dais::api

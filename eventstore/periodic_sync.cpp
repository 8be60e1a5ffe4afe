#include "eventstore/periodic_sync.h"

namespace dais::eventstore {

PeriodicSync::PeriodicSync(std::chrono::milliseconds interval, std::function<void()> flush,
                           std::function<void(const std::exception&)> on_error)
    : interval_(interval),
      flush_(std::move(flush)),
      on_error_(std::move(on_error)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

PeriodicSync::~PeriodicSync() {
  thread_.request_stop();
  wake_.notify_all();
}

void PeriodicSync::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, interval_, [] { return false; });  // wakes on timeout or stop
    if (stop.stop_requested()) break;
    try {
      flush_();
    } catch (const std::exception& e) {
      on_error_(e);
    }
  }
}

}  // namespace dais::eventstore

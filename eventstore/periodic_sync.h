// Calls a flush function every `interval` on its own thread until destroyed
// (SyncMode::none's bound on what a power failure can lose). A failing flush
// is reported through `on_error` and retried at the next interval.
// Not copyable; destruction stops the thread and waits for it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace dais::eventstore {

class PeriodicSync {
 public:
  PeriodicSync(std::chrono::milliseconds interval, std::function<void()> flush,
               std::function<void(const std::exception&)> on_error);
  ~PeriodicSync();
  PeriodicSync(const PeriodicSync&) = delete;
  PeriodicSync& operator=(const PeriodicSync&) = delete;

 private:
  void run(std::stop_token stop);

  std::chrono::milliseconds interval_;
  std::function<void()> flush_;
  std::function<void(const std::exception&)> on_error_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts after the members it uses exist
};

}  // namespace dais::eventstore

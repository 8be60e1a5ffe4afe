// A fixed pool of worker threads running one parallel_for at a time.
// parallel_for(n, fn) calls fn(i) exactly once for every i in [0, n) and
// returns when all calls are done; the caller's thread works too. Results
// must be written to per-index slots: the order in which indices run is
// unspecified, which is why the engine merges results in canonical order.
// Not re-entrant (fn must not call parallel_for); one caller at a time.
// The first exception thrown by fn is rethrown to the caller.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dais::server {

class ThreadPool {
 public:
  // threads = total parallelism including the caller; 0 = hardware concurrency.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn);

 private:
  void work_loop();
  void run_chunks();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t job_size_ = 0;
  std::size_t next_index_ = 0;
  std::size_t finished_ = 0;
  std::size_t generation_ = 0;
  unsigned busy_workers_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
};

}  // namespace dais::server

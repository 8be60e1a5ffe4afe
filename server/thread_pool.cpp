#include "server/thread_pool.h"

#include <algorithm>

namespace dais::server {

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { work_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

// Takes indices one at a time under the lock; per-index work (an agent's step) is
// large enough that the lock is not the bottleneck, and it keeps the code obvious.
void ThreadPool::run_chunks() {
  std::unique_lock lock(mutex_);
  while (next_index_ < job_size_) {
    const std::size_t i = next_index_++;
    const auto* job = job_;
    lock.unlock();
    try {
      (*job)(i);
    } catch (...) {
      std::lock_guard guard(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    lock.lock();
    ++finished_;
  }
  if (finished_ == job_size_) done_.notify_all();
}

void ThreadPool::work_loop() {
  std::size_t seen_generation = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen_generation; });
    if (stopping_) return;
    seen_generation = generation_;
    ++busy_workers_;
    lock.unlock();
    run_chunks();
    lock.lock();
    --busy_workers_;
    done_.notify_all();
  }
}

void ThreadPool::parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  {
    std::lock_guard lock(mutex_);
    job_ = &fn;
    job_size_ = n;
    next_index_ = 0;
    finished_ = 0;
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  run_chunks();
  std::unique_lock lock(mutex_);
  // Wait until every index finished and no worker still references the job.
  done_.wait(lock, [&] { return finished_ == job_size_ && busy_workers_ == 0; });
  job_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

}  // namespace dais::server

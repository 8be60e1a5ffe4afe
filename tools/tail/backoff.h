// Exponential reconnect delays: 100 ms, doubling on each failure, capped at 5 s
// (by default); reset() after a connection that worked.
// Not thread-safe; a plain value type.
#pragma once

#include <algorithm>
#include <chrono>

namespace dais::tail {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;

  explicit Backoff(Duration first = Duration(100), Duration cap = Duration(5000))
      : first_(first), cap_(std::max(first, cap)), next_(first) {}

  // The delay before the next attempt; each call doubles the following one.
  Duration next() {
    const Duration delay = next_;
    next_ = std::min(cap_, next_ * 2);
    return delay;
  }

  void reset() { next_ = first_; }

 private:
  Duration first_;
  Duration cap_;
  Duration next_;
};

}  // namespace dais::tail

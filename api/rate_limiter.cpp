#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace dais::api {

RateLimiter::RateLimiter(double rate_per_s, double burst, std::size_t max_clients)
    : rate_(rate_per_s), burst_(std::max(burst, 1.0)), max_clients_(std::max<std::size_t>(max_clients, 1)) {}

void RateLimiter::set_limits(double rate_per_s, double burst) {
  std::lock_guard lock(mutex_);
  rate_ = rate_per_s;
  burst_ = std::max(burst, 1.0);
  for (auto& [client, bucket] : buckets_) bucket.tokens = std::min(bucket.tokens, burst_);
}

bool RateLimiter::allow(const std::string& client, unsigned& retry_after_s, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (rate_ <= 0) return true;
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(client);
    it = buckets_.emplace(client, Bucket{burst_, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  retry_after_s = static_cast<unsigned>(std::max(1.0, std::ceil((1 - b.tokens) / rate_)));
  return false;
}

}  // namespace dais::api

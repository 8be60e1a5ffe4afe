// Per-client token buckets keyed by remote address (requests per second with a
// burst). Bounded memory: the least recently seen keys are evicted past
// `max_clients`. Thread-safe (one mutex).
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace dais::api {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 disables limiting (every request allowed).
  RateLimiter(double rate_per_s, double burst, std::size_t max_clients = 10000);

  // Takes one token for `client`; on refusal returns false and sets
  // `retry_after_s` to the whole seconds until a token is available (>= 1).
  bool allow(const std::string& client, unsigned& retry_after_s, Clock::time_point now = Clock::now());

  // New limits (a configuration reload): clients keep their buckets, each capped at the new burst.
  void set_limits(double rate_per_s, double burst);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
    std::list<std::string>::iterator lru;
  };
  double rate_;
  double burst_;
  std::size_t max_clients_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;  // front = most recent
};

}  // namespace dais::api

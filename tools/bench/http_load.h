// An HTTP load generator for the benchmarks: keep-alive loopback connections
// driven by one epoll thread (the caller's), one request in flight per
// connection, each request's target taken from a function (fixed, or random
// per request). A 300 ms warm-up is not counted.
// Thread safety: one call per thread. Errors: std::runtime_error when a
// connection cannot be made or the server closes one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dais::bench {

struct LoadResult {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

// A blocking TCP connection to 127.0.0.1:port; throws std::runtime_error when it cannot be made.
int connect_loopback(std::uint16_t port);

// GET target() on `connections` connections for `seconds` (after the warm-up).
LoadResult run_load(std::uint16_t port, const std::function<std::string()>& target, std::size_t connections,
                    double seconds);

}  // namespace dais::bench

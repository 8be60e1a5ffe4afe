// Nearest-rank percentile of latency samples, shared by the benchmarks.
// Works on its own copy of the samples; returns 0 for no samples. p in [0, 1].
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace dais::bench {

inline double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  const std::size_t k =
      std::min(samples.size() - 1, static_cast<std::size_t>(p * static_cast<double>(samples.size())));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k), samples.end());
  return samples[k];
}

}  // namespace dais::bench

// Sample statistics for a sweep point: mean and the half-width of a 95 % confidence interval
// for the mean, using Student's t with n-1 degrees of freedom (two-sided, so the 0.975 quantile).
// Pure functions, thread-safe. An empty sample has no mean; fewer than two values have no interval.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace dais::experiment {

// The 0.975 quantile of Student's t with the given degrees of freedom (>= 1). Between table rows
// above 30 the next smaller tabulated degree is used, which widens the interval slightly (conservative).
double student_t_975(std::size_t degrees_of_freedom);

struct Estimate {
  std::size_t n = 0;
  std::optional<double> mean;             // absent when n == 0
  std::optional<double> ci95_half_width;  // absent when n < 2
};

Estimate estimate(const std::vector<double>& values);

}  // namespace dais::experiment

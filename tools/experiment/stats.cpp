#include "tools/experiment/stats.h"

#include <array>
#include <cmath>
#include <stdexcept>

namespace dais::experiment {

double student_t_975(std::size_t degrees_of_freedom) {
  if (degrees_of_freedom == 0) throw std::invalid_argument("Student's t needs at least one degree of freedom");
  static constexpr std::array<double, 30> small = {
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
      2.120,  2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (degrees_of_freedom <= small.size()) return small[degrees_of_freedom - 1];
  // Rows of the usual printed table; a df between two rows takes the smaller row's (larger) value.
  if (degrees_of_freedom < 40) return 2.042;
  if (degrees_of_freedom < 60) return 2.021;
  if (degrees_of_freedom < 120) return 2.000;
  return 1.980;
}

Estimate estimate(const std::vector<double>& values) {
  Estimate e;
  e.n = values.size();
  if (values.empty()) return e;
  double sum = 0.0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  e.mean = mean;
  if (values.size() < 2) return e;
  // Identical values have no spread; summing rounding residues would report a tiny false one.
  bool all_equal = true;
  for (double v : values) all_equal = all_equal && v == values.front();
  if (all_equal) {
    e.mean = values.front();
    e.ci95_half_width = 0.0;
    return e;
  }
  double squares = 0.0;
  for (double v : values) squares += (v - mean) * (v - mean);
  const double sample_sd = std::sqrt(squares / static_cast<double>(values.size() - 1));
  e.ci95_half_width = student_t_975(values.size() - 1) * sample_sd / std::sqrt(static_cast<double>(values.size()));
  return e;
}

}  // namespace dais::experiment

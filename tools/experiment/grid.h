// Expands a sweep's grid into points and runs. Points come in grid order: the first swept key
// varies slowest, the last fastest (like nested loops in file order); runs are every point once
// per seed, in point order then seed order. Run names are filesystem-safe and unique (a clash
// after replacing unsafe characters throws SpecError). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/experiment/spec.h"

namespace dais::experiment {

struct Point {
  std::vector<Setting> swept;  // one per grid key, in grid order
};

struct RunPlan {
  std::size_t point = 0;  // index into the points
  std::uint64_t seed = 0;
  std::string name;  // e.g. "consensus.enabled=true__seed=1"
};

std::vector<Point> expand_grid(const std::vector<SweptKey>& grid);
std::vector<RunPlan> plan_runs(const std::vector<Point>& points, const std::vector<std::uint64_t>& seeds);

// "key=value__key=value" with characters outside [A-Za-z0-9._=+-] replaced by '_'.
std::string point_name(const Point& point);

}  // namespace dais::experiment

#include "tools/experiment/grid.h"

#include <set>

namespace dais::experiment {
namespace {

std::string filesystem_safe(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '=' || c == '+' || c == '-';
    out += safe ? c : '_';
  }
  return out;
}

}  // namespace

std::vector<Point> expand_grid(const std::vector<SweptKey>& grid) {
  std::vector<Point> points;
  if (grid.empty()) return points;
  // An odometer over the value indices; the last key turns fastest.
  std::vector<std::size_t> index(grid.size(), 0);
  while (true) {
    Point p;
    for (std::size_t k = 0; k < grid.size(); ++k) p.swept.push_back({grid[k].key, grid[k].values[index[k]]});
    points.push_back(std::move(p));
    std::size_t k = grid.size();
    while (k > 0) {
      --k;
      if (++index[k] < grid[k].values.size()) break;
      index[k] = 0;
      if (k == 0) return points;
    }
  }
}

std::string point_name(const Point& point) {
  std::string name;
  for (const auto& s : point.swept) name += (name.empty() ? "" : "__") + s.key + "=" + s.value;
  return filesystem_safe(name);
}

std::vector<RunPlan> plan_runs(const std::vector<Point>& points, const std::vector<std::uint64_t>& seeds) {
  std::vector<RunPlan> runs;
  std::set<std::string> names;
  for (std::size_t p = 0; p < points.size(); ++p) {
    const std::string prefix = point_name(points[p]);
    for (const auto seed : seeds) {
      RunPlan run{p, seed, prefix + "__seed=" + std::to_string(seed)};
      if (!names.insert(run.name).second) {
        throw SpecError("two runs would share the directory name " + run.name +
                        " (values that differ only in characters unsafe for file names)");
      }
      runs.push_back(std::move(run));
    }
  }
  return runs;
}

}  // namespace dais::experiment

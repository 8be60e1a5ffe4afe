// Charts of a sweep: for each main figure, its per-point mean with 95 % CI error bars against the
// first swept key, one line per combination of the other swept keys. Pure (returns the charts);
// the caller writes them with render_svg. Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tools/experiment/results.h"
#include "tools/experiment/svg_chart.h"

namespace dais::experiment {

struct NamedChart {
  std::string file_name;  // e.g. "f1.svg"
  Chart chart;
};

// `points` must be expand_grid(grid) and `summaries` summarize() over them.
std::vector<NamedChart> sweep_charts(const std::string& experiment_name, const std::vector<SweptKey>& grid,
                                     const std::vector<Point>& points, const std::vector<PointSummary>& summaries);

}  // namespace dais::experiment

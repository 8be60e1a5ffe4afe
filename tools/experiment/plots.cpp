#include "tools/experiment/plots.h"

#include <algorithm>
#include <map>

namespace dais::experiment {
namespace {

const std::map<std::string, std::string>& figure_titles() {
  static const std::map<std::string, std::string> titles = {
      {"f1", "F1 score (detection)"},
      {"precision", "Precision (detection)"},
      {"recall", "Recall (detection)"},
      {"protected_before_hit", "Share of campaign arrivals already blocked"},
      {"time_to_protect_mean", "Mean time to protect (steps)"},
      {"poisoned_accepted", "Poisoned signatures accepted"},
      {"agent_steps_per_s", "Throughput (agent-steps per second)"},
  };
  return titles;
}

std::string last_component(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

}  // namespace

std::vector<NamedChart> sweep_charts(const std::string& experiment_name, const std::vector<SweptKey>& grid,
                                     const std::vector<Point>& points, const std::vector<PointSummary>& summaries) {
  std::vector<NamedChart> charts;
  if (grid.empty() || points.empty()) return charts;
  const SweptKey& x_key = grid.front();
  const std::size_t x_count = x_key.values.size();
  // Points are in grid order with the first key slowest, so point = x * lines + line.
  const std::size_t lines = points.size() / x_count;

  std::vector<double> x_values;
  if (x_key.numeric) {
    for (const auto& v : x_key.values) {
      double parsed = 0;
      parses_as_number(v, &parsed);
      x_values.push_back(parsed);
    }
  }
  std::string legend_title;
  for (std::size_t k = 1; k < grid.size(); ++k) legend_title += (k > 1 ? ", " : "") + grid[k].key;
  std::size_t most_runs = 0, fewest_runs = summaries.empty() ? 0 : summaries.front().runs;
  for (const auto& s : summaries) {
    most_runs = std::max(most_runs, s.runs);
    fewest_runs = std::min(fewest_runs, s.runs);
  }
  const std::string runs_text = fewest_runs == most_runs ? std::to_string(most_runs)
                                                         : std::to_string(fewest_runs) + "–" + std::to_string(most_runs);

  for (const auto& figure : main_figures()) {
    NamedChart named;
    named.file_name = figure + ".svg";
    Chart& chart = named.chart;
    const auto title = figure_titles().find(figure);
    chart.title = (title != figure_titles().end() ? title->second : figure) + " vs " + x_key.key;
    chart.subtitle = "experiment " + experiment_name + ": mean ± 95 % CI (Student t) over " + runs_text +
                     " seeds per point";
    chart.x_label = x_key.key;
    chart.y_label = figure;
    chart.legend_title = grid.size() > 1 ? legend_title : "";
    chart.x_labels = x_key.values;
    if (x_key.numeric) chart.x_numeric = x_values;
    for (std::size_t line = 0; line < lines; ++line) {
      ChartSeries series;
      const Point& first = points.at(line);
      for (std::size_t k = 1; k < first.swept.size(); ++k) {
        series.label += (k > 1 ? ", " : "") + last_component(first.swept[k].key) + "=" + first.swept[k].value;
      }
      if (series.label.empty()) series.label = "mean ± 95 % CI";
      for (std::size_t x = 0; x < x_count; ++x) {
        const Estimate& e = summaries.at(x * lines + line).figures.at(figure);
        series.mean.push_back(e.mean);
        series.half_width.push_back(e.ci95_half_width);
      }
      chart.series.push_back(std::move(series));
    }
    charts.push_back(std::move(named));
  }
  return charts;
}

}  // namespace dais::experiment

// A small SVG line-chart writer: one line per series over shared x positions, each point a mean
// with an optional error bar (the 95 % CI half-width), with axes, ticks, labels, a legend and a
// title. The x axis is categorical, numeric (linear), or logarithmic when numeric values are all
// positive and span at least a factor of 20. Output is a standalone SVG document any browser
// shows. Pure; thread-safe. Missing means are skipped (the line joins the present ones).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dais::experiment {

struct ChartSeries {
  std::string label;
  std::vector<std::optional<double>> mean;        // one per x position
  std::vector<std::optional<double>> half_width;  // one per x position
};

struct Chart {
  std::string title;
  std::string subtitle;
  std::string x_label;
  std::string y_label;
  std::string legend_title;
  std::vector<std::string> x_labels;          // tick labels, one per x position
  std::optional<std::vector<double>> x_numeric;  // numeric x values, when the axis is numeric
  std::vector<ChartSeries> series;
};

std::string render_svg(const Chart& chart);

// Round tick values (steps of 1, 2 or 5 times a power of ten) covering [low, high].
std::vector<double> nice_ticks(double low, double high, int target_count);

// Escapes &, <, > and quotes for SVG text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace dais::experiment

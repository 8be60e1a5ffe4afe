#include "tools/experiment/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace dais::experiment {
namespace {

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::size_t kColourCount = sizeof kColours / sizeof kColours[0];

std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string tick_label(double v) {
  if (std::fabs(v) < 1e-12) v = 0.0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

std::string text(double x, double y, const std::string& content, const std::string& attributes) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" " + attributes + ">" + xml_escape(content) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attributes) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" " +
         attributes + "/>\n";
}

}  // namespace

std::string xml_escape(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double low, double high, int target_count) {
  if (!(high > low)) return {low};
  const double rough = (high - low) / std::max(1, target_count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  double step = magnitude * 10.0;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= rough) {
      step = m * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(low / step + 1e-9) * step;
  const double last = std::ceil(high / step - 1e-9) * step;
  for (int k = 0; first + k * step <= last + step * 1e-6; ++k) ticks.push_back(first + k * step);
  return ticks;
}

std::string render_svg(const Chart& chart) {
  const std::size_t positions = chart.x_labels.size();
  // The legend column grows with its longest label (about 7 px per character at 12 px).
  std::size_t longest = chart.legend_title.size();
  for (const auto& s : chart.series) longest = std::max(longest, s.label.size() + 4);
  const double legend_width = std::max(140.0, 7.0 * static_cast<double>(longest) + 30.0);
  const double plot_left = 80, plot_width = 500, plot_top = 64, plot_height = 320;
  const double plot_right = plot_left + plot_width, plot_bottom = plot_top + plot_height;
  const double width = plot_right + 30 + legend_width, height = plot_bottom + 66;

  // y range over every mean and error bar, with round ticks.
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const auto& s : chart.series) {
    for (std::size_t i = 0; i < positions && i < s.mean.size(); ++i) {
      if (!s.mean[i]) continue;
      const double hw = i < s.half_width.size() && s.half_width[i] ? *s.half_width[i] : 0.0;
      low = std::min(low, *s.mean[i] - hw);
      high = std::max(high, *s.mean[i] + hw);
    }
  }
  const bool has_data = std::isfinite(low);
  if (!has_data) low = 0, high = 1;
  if (low >= 0 && low <= 0.3 * high) low = 0;  // near-zero data reads best from a zero baseline
  if (high - low < 1e-12) {
    const double pad = std::fabs(high) > 0 ? std::fabs(high) * 0.1 : 1.0;
    low -= pad;
    high += pad;
  }
  const std::vector<double> y_ticks = nice_ticks(low, high, 5);
  const double y_low = std::min(low, y_ticks.front()), y_high = std::max(high, y_ticks.back());
  auto y_of = [&](double v) { return plot_bottom - (v - y_low) / (y_high - y_low) * plot_height; };

  // x positions: numeric (linear or log) when given, otherwise evenly spaced categories.
  std::vector<double> x_at(positions);
  bool log_axis = false;
  if (chart.x_numeric && chart.x_numeric->size() == positions && positions > 1) {
    const auto& xs = *chart.x_numeric;
    const auto [min_it, max_it] = std::minmax_element(xs.begin(), xs.end());
    double x_min = *min_it, x_max = *max_it;
    log_axis = x_min > 0 && x_max / x_min >= 20.0;
    auto transform = [&](double v) { return log_axis ? std::log10(v) : v; };
    const double t_min = transform(x_min), t_max = transform(x_max);
    const double span = t_max > t_min ? t_max - t_min : 1.0;
    for (std::size_t i = 0; i < positions; ++i) {
      x_at[i] = plot_left + plot_width * (0.06 + 0.88 * (transform(xs[i]) - t_min) / span);
    }
  } else {
    for (std::size_t i = 0; i < positions; ++i) {
      x_at[i] = plot_left + plot_width * (static_cast<double>(i) + 0.5) / static_cast<double>(std::max<std::size_t>(1, positions));
    }
  }

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
                    "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
                    "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  svg += "<title>" + xml_escape(chart.title) + "</title>\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + num(width) + "\" height=\"" + num(height) + "\" fill=\"white\"/>\n";
  svg += text(width / 2, 24, chart.title, "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
  svg += text(width / 2, 44, chart.subtitle, "text-anchor=\"middle\" font-size=\"11\" fill=\"#555\"");

  // Grid lines and y ticks.
  for (double t : y_ticks) {
    const double y = y_of(t);
    svg += line(plot_left, y, plot_right, y, "stroke=\"#e4e4e4\"");
    svg += line(plot_left - 5, y, plot_left, y, "stroke=\"black\"");
    svg += text(plot_left - 8, y + 4, tick_label(t), "text-anchor=\"end\"");
  }
  // Axes.
  svg += line(plot_left, plot_top, plot_left, plot_bottom, "stroke=\"black\"");
  svg += line(plot_left, plot_bottom, plot_right, plot_bottom, "stroke=\"black\"");
  for (std::size_t i = 0; i < positions; ++i) {
    svg += line(x_at[i], plot_bottom, x_at[i], plot_bottom + 5, "stroke=\"black\"");
    svg += text(x_at[i], plot_bottom + 19, chart.x_labels[i], "text-anchor=\"middle\"");
  }
  svg += text((plot_left + plot_right) / 2, plot_bottom + 44, chart.x_label + (log_axis ? " (log scale)" : ""),
              "text-anchor=\"middle\" font-size=\"13\"");
  const double y_mid = (plot_top + plot_bottom) / 2;
  svg += "<text x=\"0\" y=\"0\" transform=\"translate(22," + num(y_mid) +
         ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">" + xml_escape(chart.y_label) + "</text>\n";
  if (!has_data) svg += text((plot_left + plot_right) / 2, y_mid, "no data", "text-anchor=\"middle\" fill=\"#999\"");

  // Series: a line through the present means, each with its error bar; series are nudged apart
  // sideways so overlapping error bars stay visible.
  const std::size_t count = chart.series.size();
  for (std::size_t s = 0; s < count; ++s) {
    const ChartSeries& series = chart.series[s];
    const std::string colour = kColours[s % kColourCount];
    const std::string dash = s >= kColourCount ? " stroke-dasharray=\"6 3\"" : "";
    const double nudge = (static_cast<double>(s) - (static_cast<double>(count) - 1) / 2.0) * 4.0;
    std::string points;
    std::string marks;
    for (std::size_t i = 0; i < positions && i < series.mean.size(); ++i) {
      if (!series.mean[i]) continue;
      const double x = x_at[i] + nudge, y = y_of(*series.mean[i]);
      points += (points.empty() ? "" : " ") + num(x) + "," + num(y);
      if (i < series.half_width.size() && series.half_width[i] && *series.half_width[i] > 0) {
        const double top = y_of(*series.mean[i] + *series.half_width[i]);
        const double bottom = y_of(*series.mean[i] - *series.half_width[i]);
        const std::string stroke = "stroke=\"" + colour + "\" stroke-width=\"1.2\"";
        marks += line(x, top, x, bottom, stroke) + line(x - 4, top, x + 4, top, stroke) +
                 line(x - 4, bottom, x + 4, bottom, stroke);
      }
      marks += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3.5\" fill=\"" + colour + "\"/>\n";
    }
    svg += "<g>\n<title>" + xml_escape(series.label) + "</title>\n";
    if (!points.empty()) {
      svg += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"" + dash +
             "/>\n";
    }
    svg += marks + "</g>\n";
  }

  // Legend.
  const double legend_left = plot_right + 30;
  double legend_y = plot_top + 4;
  svg += text(legend_left, legend_y, chart.legend_title, "font-weight=\"bold\"");
  for (std::size_t s = 0; s < count; ++s) {
    legend_y += 20;
    const std::string colour = kColours[s % kColourCount];
    const std::string dash = s >= kColourCount ? " stroke-dasharray=\"6 3\"" : "";
    svg += line(legend_left, legend_y - 4, legend_left + 22, legend_y - 4, "stroke=\"" + colour + "\" stroke-width=\"2\"" + dash);
    svg += "<circle cx=\"" + num(legend_left + 11) + "\" cy=\"" + num(legend_y - 4) + "\" r=\"3.5\" fill=\"" + colour + "\"/>\n";
    svg += text(legend_left + 30, legend_y, chart.series[s].label, "");
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace dais::experiment

// A sweep's results as tables: one row per run (runs.csv) and, per point, each figure's mean and
// 95 % confidence half-width with n (summary.csv, and summary.md for documents). Rows follow grid
// order, then seed order. A figure missing from a summary (or null) is an empty cell and is left
// out of that point's statistics. Numbers use the "C" format with up to 10 significant digits.
// Pure; thread-safe. Errors: parse_summary throws on unreadable or too deeply nested summaries.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/experiment/grid.h"
#include "tools/experiment/stats.h"

namespace dais::experiment {

// The numeric figures of a daisd summary kept per run and summarised per point, in column order.
const std::vector<std::string>& run_figures();
// The figures given a chart each and shown in summary.md.
const std::vector<std::string>& main_figures();

struct RunRecord {
  std::size_t point = 0;
  std::uint64_t seed = 0;
  std::string name;
  nlohmann::json summary;  // daisd's --summary-json
};

struct PointSummary {
  std::size_t point = 0;
  std::size_t runs = 0;
  std::map<std::string, Estimate> figures;
};

// Parses the text of a run's summary file. Throws std::invalid_argument when it nests deeper
// than dais::kMaxJsonDepth (refused before parsing: records are copied, and a deep tree would
// recurse per level) and nlohmann::json::parse_error when it is not JSON.
nlohmann::json parse_summary(std::string_view text);

std::optional<double> figure_value(const nlohmann::json& summary, const std::string& figure);
std::string format_number(double value);

// Records must already be in grid-then-seed order; summaries come out in point order.
std::vector<PointSummary> summarize(std::size_t point_count, const std::vector<RunRecord>& records);

std::string runs_csv(const std::vector<SweptKey>& grid, const std::vector<Point>& points,
                     const std::vector<RunRecord>& records);
std::string summary_csv(const std::vector<SweptKey>& grid, const std::vector<Point>& points,
                        const std::vector<PointSummary>& summaries);
// A Markdown table of the main figures as "mean ± half-width" per point.
std::string summary_markdown(const std::vector<SweptKey>& grid, const std::vector<Point>& points,
                             const std::vector<PointSummary>& summaries);

}  // namespace dais::experiment

#include "tools/experiment/results.h"

#include <cstdio>
#include <stdexcept>

#include "common/json_depth.h"

namespace dais::experiment {
namespace {

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string optional_number(const std::optional<double>& value) { return value ? format_number(*value) : ""; }

void append_row(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
  out += "\n";
}

std::vector<std::string> swept_cells(const Point& point) {
  std::vector<std::string> cells;
  for (const auto& s : point.swept) cells.push_back(s.value);
  return cells;
}

}  // namespace

const std::vector<std::string>& run_figures() {
  static const std::vector<std::string> figures = {
      "precision",         "recall",          "f1",
      "time_to_protect_mean", "protected_before_hit", "decision_latency_mean",
      "never_protected",   "time_to_protect_censored_mean",
      "benign_blocked_per_agent_step", "benign_signatures_accepted_per_agent_step",
      "poisoned_proposed", "poisoned_accepted", "benign_signatures_accepted",
      "attack_signatures_proposed", "attack_signatures_accepted", "honest_signatures_lost",
      "disputes", "corroborations", "revoked", "poisoned_revoked", "poisoned_kept",
      "attack_signatures_revoked", "benign_signatures_revoked", "honest_signatures_lost_or_revoked",
      "recoveries",        "recovery_to_vote_mean", "recovery_to_block_mean",
      "benign_blocked",    "proposed",        "endorsed",
      "accepted",          "rejected",        "votes",
      "retrained",         "campaign_arrivals", "crashes",
      "events",            "agent_steps_per_s"};
  return figures;
}

const std::vector<std::string>& main_figures() {
  static const std::vector<std::string> figures = {"f1", "precision", "recall", "protected_before_hit",
                                                   "time_to_protect_mean", "poisoned_accepted", "agent_steps_per_s"};
  return figures;
}

nlohmann::json parse_summary(std::string_view text) {
  if (!json_depth_within(text)) {
    throw std::invalid_argument("it nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  return nlohmann::json::parse(text);
}

std::optional<double> figure_value(const nlohmann::json& summary, const std::string& figure) {
  const auto found = summary.find(figure);
  if (found == summary.end() || !found->is_number()) return std::nullopt;
  return found->get<double>();
}

std::string format_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

std::vector<PointSummary> summarize(std::size_t point_count, const std::vector<RunRecord>& records) {
  std::vector<PointSummary> summaries(point_count);
  std::vector<std::map<std::string, std::vector<double>>> values(point_count);
  for (std::size_t p = 0; p < point_count; ++p) summaries[p].point = p;
  for (const auto& r : records) {
    if (r.point >= point_count) continue;
    ++summaries[r.point].runs;
    for (const auto& figure : run_figures()) {
      if (const auto v = figure_value(r.summary, figure)) values[r.point][figure].push_back(*v);
    }
  }
  for (std::size_t p = 0; p < point_count; ++p) {
    for (const auto& figure : run_figures()) summaries[p].figures[figure] = estimate(values[p][figure]);
  }
  return summaries;
}

std::string runs_csv(const std::vector<SweptKey>& grid, const std::vector<Point>& points,
                     const std::vector<RunRecord>& records) {
  std::vector<std::string> header;
  for (const auto& g : grid) header.push_back(g.key);
  header.push_back("seed");
  for (const auto& f : run_figures()) header.push_back(f);
  header.insert(header.end(), {"head_seq", "head_hash", "run"});
  std::string out;
  append_row(out, header);
  for (const auto& r : records) {
    std::vector<std::string> cells = swept_cells(points.at(r.point));
    cells.push_back(std::to_string(r.seed));
    for (const auto& f : run_figures()) cells.push_back(optional_number(figure_value(r.summary, f)));
    cells.push_back(optional_number(figure_value(r.summary, "head_seq")));
    const auto hash = r.summary.find("head_hash");
    cells.push_back(hash != r.summary.end() && hash->is_string() ? hash->get<std::string>() : "");
    cells.push_back(r.name);
    append_row(out, cells);
  }
  return out;
}

std::string summary_csv(const std::vector<SweptKey>& grid, const std::vector<Point>& points,
                        const std::vector<PointSummary>& summaries) {
  std::vector<std::string> header;
  for (const auto& g : grid) header.push_back(g.key);
  header.push_back("n");
  for (const auto& f : run_figures()) {
    header.push_back(f + "_mean");
    header.push_back(f + "_ci95");
  }
  std::string out;
  append_row(out, header);
  for (const auto& s : summaries) {
    std::vector<std::string> cells = swept_cells(points.at(s.point));
    cells.push_back(std::to_string(s.runs));
    for (const auto& f : run_figures()) {
      const Estimate& e = s.figures.at(f);
      cells.push_back(optional_number(e.mean));
      cells.push_back(optional_number(e.ci95_half_width));
    }
    append_row(out, cells);
  }
  return out;
}

std::string summary_markdown(const std::vector<SweptKey>& grid, const std::vector<Point>& points,
                             const std::vector<PointSummary>& summaries) {
  auto short_number = [](double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.4g", v);
    return std::string(buffer);
  };
  std::string out = "|";
  for (const auto& g : grid) out += " " + g.key + " |";
  out += " n |";
  for (const auto& f : main_figures()) out += " " + f + " |";
  out += "\n|";
  for (std::size_t i = 0; i < grid.size() + 1 + main_figures().size(); ++i) out += "---|";
  out += "\n";
  for (const auto& s : summaries) {
    out += "|";
    for (const auto& v : points.at(s.point).swept) out += " " + v.value + " |";
    out += " " + std::to_string(s.runs) + " |";
    for (const auto& f : main_figures()) {
      const Estimate& e = s.figures.at(f);
      std::string cell = e.mean ? short_number(*e.mean) : "–";
      if (e.ci95_half_width) cell += " ± " + short_number(*e.ci95_half_width);
      out += " " + cell + " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace dais::experiment

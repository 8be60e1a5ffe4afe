// scikit-learn's Isolation Forest figures from shared/data/if/REFERENCE.md:
// the Markdown table whose header has the columns "file", "AUC mean",
// "AUC std", "fit s" and "score s" (any order, other columns ignored).
// Header-only (dais-bench globs only bench_*.cpp); pure parsing plus one file
// read. Rows with a non-numeric figure throw std::runtime_error; a document
// without such a table yields an empty list.
#pragma once

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dais::bench {

struct IforestReference {
  std::string file;
  double auc_mean = 0.0, auc_std = 0.0, fit_s = 0.0, score_s = 0.0;
};

namespace reference_detail {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Cells of "| a | b |"; nullopt for a line that is not a table row.
inline std::optional<std::vector<std::string_view>> cells(std::string_view line) {
  line = trim(line);
  if (line.size() < 2 || line.front() != '|' || line.back() != '|') return std::nullopt;
  line = line.substr(1, line.size() - 2);
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t bar = line.find('|', start);
    out.push_back(trim(line.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start)));
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

inline double number(std::string_view cell, std::string_view file) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size()) {
    throw std::runtime_error("reference table: row '" + std::string(file) + "' has a non-numeric figure '" +
                             std::string(cell) + "'");
  }
  return value;
}

}  // namespace reference_detail

inline std::vector<IforestReference> parse_iforest_reference(std::string_view markdown) {
  using namespace reference_detail;
  std::vector<IforestReference> out;
  int file_col = -1, mean_col = -1, std_col = -1, fit_col = -1, score_col = -1;
  bool in_table = false, header_seen = false;
  std::istringstream lines{std::string(markdown)};
  for (std::string line; std::getline(lines, line);) {
    const auto row = cells(line);
    if (!row) {
      in_table = header_seen = false;
      continue;
    }
    if (!in_table) {  // a header line opens a table
      in_table = true;
      file_col = mean_col = std_col = fit_col = score_col = -1;
      for (std::size_t c = 0; c < row->size(); ++c) {
        const std::string_view name = (*row)[c];
        const int index = static_cast<int>(c);
        if (name == "file") file_col = index;
        if (name == "AUC mean") mean_col = index;
        if (name == "AUC std") std_col = index;
        if (name == "fit s") fit_col = index;
        if (name == "score s") score_col = index;
      }
      header_seen = file_col >= 0 && mean_col >= 0 && std_col >= 0 && fit_col >= 0 && score_col >= 0;
      continue;
    }
    if (!header_seen || row->size() <= 1 || (*row)[0].find("---") != std::string_view::npos) continue;
    const auto cell = [&](int c) { return c < static_cast<int>(row->size()) ? (*row)[c] : std::string_view(); };
    IforestReference reference;
    reference.file = std::string(cell(file_col));
    reference.auc_mean = number(cell(mean_col), reference.file);
    reference.auc_std = number(cell(std_col), reference.file);
    reference.fit_s = number(cell(fit_col), reference.file);
    reference.score_s = number(cell(score_col), reference.file);
    out.push_back(reference);
  }
  return out;
}

inline std::vector<IforestReference> load_iforest_reference(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open");
  std::ostringstream text;
  text << file.rdbuf();
  return parse_iforest_reference(text.str());
}

}  // namespace dais::bench

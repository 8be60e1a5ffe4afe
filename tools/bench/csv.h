// Loads a labelled numeric CSV (the ODDS/REFERENCE.md layout): one header line
// of column names, then rows of numeric feature columns and a final 0/1 label
// column. Header-only so dais-bench and tests share it (dais-bench globs only
// bench_*.cpp). Accepts LF or CRLF line ends, blank lines at the end, spaces
// around fields and quoted header names. Throws std::runtime_error naming the
// file, line and column for anything else: unreadable file, missing header,
// ragged rows, empty or non-numeric or non-finite fields, labels other than 0/1.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dais::bench {

struct LabelledTable {
  std::vector<std::string> feature_names;
  std::vector<float> features;  // row-major, rows() * cols()
  std::vector<int> labels;      // one per row
  std::size_t cols() const { return feature_names.size(); }
  std::size_t rows() const { return labels.size(); }
};

namespace csv_detail {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

inline std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

[[noreturn]] inline void fail(std::string_view source, std::size_t line, std::size_t column, const std::string& why) {
  std::ostringstream message;
  message << source << ":" << line;
  if (column != 0) message << ": column " << column;
  message << ": " << why;
  throw std::runtime_error(message.str());
}

}  // namespace csv_detail

// Parses CSV text; `source` names it in error messages.
inline LabelledTable parse_labelled_csv(std::string_view text, std::string_view source) {
  using namespace csv_detail;
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) fail(source, 1, 0, "empty file: expected a header line");

  const auto header = split(lines[0]);
  if (header.size() < 2) fail(source, 1, 0, "header needs at least one feature column and a label column");
  LabelledTable table;
  for (std::size_t c = 0; c + 1 < header.size(); ++c) {
    std::string_view name = header[c];
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    if (name.empty()) fail(source, 1, c + 1, "empty column name");
    double ignored = 0.0;
    if (std::from_chars(name.data(), name.data() + name.size(), ignored).ptr == name.data() + name.size()) {
      fail(source, 1, c + 1, "header expected, found the number '" + std::string(name) + "'");
    }
    table.feature_names.emplace_back(name);
  }
  if (lines.size() < 2) fail(source, 2, 0, "no data rows");

  const std::size_t cols = table.cols();
  table.features.reserve((lines.size() - 1) * cols);
  table.labels.reserve(lines.size() - 1);
  for (std::size_t l = 1; l < lines.size(); ++l) {
    const auto fields = split(lines[l]);
    if (fields.size() != header.size()) {
      fail(source, l + 1, 0,
           "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(fields.size()));
    }
    for (std::size_t c = 0; c < fields.size(); ++c) {
      std::string_view field = fields[c];
      if (field.empty()) fail(source, l + 1, c + 1, "empty field (missing value)");
      if (field.front() == '+') field.remove_prefix(1);
      double value = 0.0;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (error != std::errc() || end != field.data() + field.size()) {
        fail(source, l + 1, c + 1, "not a number: '" + std::string(fields[c]) + "'");
      }
      if (!std::isfinite(value) || std::abs(value) > std::numeric_limits<float>::max()) {
        fail(source, l + 1, c + 1, "value not finite in float: '" + std::string(fields[c]) + "'");
      }
      if (c + 1 < fields.size()) {
        table.features.push_back(static_cast<float>(value));
      } else if (value == 0.0 || value == 1.0) {
        table.labels.push_back(static_cast<int>(value));
      } else {
        fail(source, l + 1, c + 1, "label must be 0 or 1, found '" + std::string(fields[c]) + "'");
      }
    }
  }
  return table;
}

inline LabelledTable load_labelled_csv(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw std::runtime_error(path + ": read error");
  return parse_labelled_csv(text.str(), path);
}

}  // namespace dais::bench

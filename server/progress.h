// Progress of a long command on stderr: a redrawn bar on a terminal, a plain
// line every few seconds otherwise (logs, CI), never both. Thread-compatible:
// one thread reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace dais::server {

class ProgressReporter {
 public:
  // `label` prefixes every line, e.g. "daisd" or "replay".
  explicit ProgressReporter(std::string label, bool enabled = true);
  ~ProgressReporter();

  // done of total (total 0 = unknown); `detail` is appended (e.g. "12034 events").
  void update(std::uint64_t done, std::uint64_t total, const std::string& detail);
  // Clears the bar, if one is drawn.
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool terminal_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace dais::server

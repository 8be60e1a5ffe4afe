// Shows a sweep's progress on stderr: a one-line bar redrawn in place on a terminal, plain lines
// otherwise, nothing when quiet. Failed runs are always reported with daisd's error. Elapsed
// time appears only here, never in results. Single-threaded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

#include "tools/experiment/runner.h"

namespace dais::experiment {

class ProgressDisplay : public RunObserver {
 public:
  enum class Mode { bar, lines, quiet };
  ProgressDisplay(std::size_t total, Mode mode, std::FILE* out = stderr);

  void started(const RunJob& job) override;
  void finished(const RunJob& job, const RunResult& result) override;
  void close();  // ends the bar's line

  std::size_t completed() const { return completed_; }
  std::size_t skipped() const { return skipped_; }
  std::size_t failed() const { return failed_; }

 private:
  void draw_bar();

  std::size_t total_;
  Mode mode_;
  std::FILE* out_;
  std::size_t running_ = 0, completed_ = 0, skipped_ = 0, failed_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool bar_drawn_ = false;
};

}  // namespace dais::experiment

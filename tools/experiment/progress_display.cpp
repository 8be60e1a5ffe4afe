#include "tools/experiment/progress_display.h"

#include <string>

namespace dais::experiment {
namespace {

std::string duration_text(double seconds) {
  const long total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

}  // namespace

ProgressDisplay::ProgressDisplay(std::size_t total, Mode mode, std::FILE* out) : total_(total), mode_(mode), out_(out) {}

void ProgressDisplay::started(const RunJob& job) {
  ++running_;
  if (mode_ == Mode::bar) draw_bar();
  if (mode_ == Mode::lines) std::fprintf(out_, "dais-experiment: start %s\n", job.name.c_str());
  std::fflush(out_);
}

void ProgressDisplay::finished(const RunJob& job, const RunResult& result) {
  if (result.status != RunStatus::skipped && running_ > 0) --running_;
  const std::size_t done = completed_ + skipped_ + failed_ + 1;
  switch (result.status) {
    case RunStatus::completed: ++completed_; break;
    case RunStatus::skipped: ++skipped_; break;
    case RunStatus::failed: ++failed_; break;
    case RunStatus::interrupted: break;
  }
  if (result.status == RunStatus::failed) {
    if (bar_drawn_) std::fputs("\r\033[K", out_);
    std::fprintf(out_, "dais-experiment: run %s FAILED: %s\n", job.name.c_str(), result.error.c_str());
  } else if (mode_ == Mode::lines && result.status != RunStatus::interrupted) {
    std::fprintf(out_, "dais-experiment: [%zu/%zu] %s %s", done, total_,
                 result.status == RunStatus::skipped ? "skipped (already done)" : "done", job.name.c_str());
    if (result.status == RunStatus::completed) std::fprintf(out_, " (%.1f s)", result.seconds);
    std::fputc('\n', out_);
  }
  if (mode_ == Mode::bar) draw_bar();
  std::fflush(out_);
}

void ProgressDisplay::draw_bar() {
  const std::size_t done = completed_ + skipped_ + failed_;
  constexpr std::size_t width = 30;
  const std::size_t filled = total_ ? done * width / total_ : width;
  std::string bar(filled, '#');
  bar += std::string(width - filled, '.');
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string eta = "--:--";
  const std::size_t ran = completed_ + failed_;
  if (ran > 0 && done < total_) eta = duration_text(elapsed / static_cast<double>(ran) * static_cast<double>(total_ - done));
  std::fprintf(out_, "\r\033[K[%s] %zu/%zu runs  %zu running  %zu skipped  %zu failed  elapsed %s  eta %s", bar.c_str(),
               done, total_, running_, skipped_, failed_, duration_text(elapsed).c_str(), eta.c_str());
  bar_drawn_ = true;
}

void ProgressDisplay::close() {
  if (bar_drawn_) std::fputc('\n', out_);
  bar_drawn_ = false;
  std::fflush(out_);
}

}  // namespace dais::experiment

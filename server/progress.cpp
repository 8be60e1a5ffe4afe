#include "server/progress.h"

#include <unistd.h>

#include <cstdio>

namespace dais::server {

namespace {
constexpr auto kTerminalInterval = std::chrono::milliseconds(100);
constexpr auto kLogInterval = std::chrono::seconds(5);
}  // namespace

ProgressReporter::ProgressReporter(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      terminal_(isatty(STDERR_FILENO) != 0),
      started_(std::chrono::steady_clock::now()),
      last_(started_) {}

ProgressReporter::~ProgressReporter() { finish(); }

void ProgressReporter::update(std::uint64_t done, std::uint64_t total, const std::string& detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool last_one = total != 0 && done >= total;
  if (!last_one && now - last_ < (terminal_ ? std::chrono::duration_cast<std::chrono::milliseconds>(kTerminalInterval)
                                            : std::chrono::duration_cast<std::chrono::milliseconds>(kLogInterval))) {
    return;
  }
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  if (terminal_) {
    constexpr int kWidth = 30;
    std::string bar;
    if (total != 0) {
      const int filled = static_cast<int>(kWidth * static_cast<double>(done) / static_cast<double>(total));
      bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] ";
    }
    std::fprintf(stderr, "\r%s %s%llu/%s steps  %.1f steps/s  %s\x1b[K", label_.c_str(), bar.c_str(),
                 static_cast<unsigned long long>(done), total ? std::to_string(total).c_str() : "?", rate,
                 detail.c_str());
    drawn_ = true;
  } else if (!last_one) {
    std::fprintf(stderr, "%s: step %llu/%s, %.1f steps/s, %s\n", label_.c_str(), static_cast<unsigned long long>(done),
                 total ? std::to_string(total).c_str() : "?", rate, detail.c_str());
  }
  std::fflush(stderr);
}

void ProgressReporter::finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\x1b[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace dais::server

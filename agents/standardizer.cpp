#include "agents/standardizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dais::agents {

Standardizer::Standardizer(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("Standardizer: capacity must be >= 1");
  ring_.resize(capacity);
  sd_.fill(1.0);
}

void Standardizer::add(const FeatureVector& features) {
  ring_[next_] = features;
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
  stale_ = true;
}

Standardizer::State Standardizer::state() const {
  if (stale_) refresh();
  return State{std::vector<FeatureVector>(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(count_)), next_,
               mean_, sd_};
}

void Standardizer::restore(State state) {
  const auto n = state.window.size();
  // Slots fill in order until the ring is full, so next == size until then.
  if (n > ring_.size() || state.next >= ring_.size() || (n < ring_.size() && state.next != n)) {
    throw std::invalid_argument("Standardizer::restore: the state does not fit a window of " +
                                std::to_string(ring_.size()));
  }
  std::fill(ring_.begin(), ring_.end(), FeatureVector{});
  std::copy(state.window.begin(), state.window.end(), ring_.begin());
  next_ = state.next;
  count_ = n;
  mean_ = state.mean;
  sd_ = state.sd;
  stale_ = false;
}

void Standardizer::refresh() const {
  stale_ = false;
  if (count_ == 0) {
    mean_.fill(0.0);
    sd_.fill(1.0);
    return;
  }
  // Window members are ring_[0, count_) whatever next_ is; order does not change the sums' meaning,
  // and summing in index order keeps the result deterministic.
  std::array<double, kFeatureCount> sum{};
  for (std::size_t i = 0; i < count_; ++i)
    for (std::size_t f = 0; f < kFeatureCount; ++f) sum[f] += ring_[i][f];
  for (std::size_t f = 0; f < kFeatureCount; ++f) mean_[f] = sum[f] / static_cast<double>(count_);
  std::array<double, kFeatureCount> squares{};
  for (std::size_t i = 0; i < count_; ++i)
    for (std::size_t f = 0; f < kFeatureCount; ++f) {
      const double d = ring_[i][f] - mean_[f];
      squares[f] += d * d;
    }
  for (std::size_t f = 0; f < kFeatureCount; ++f)
    sd_[f] = std::max(kMinSd, std::sqrt(squares[f] / static_cast<double>(count_)));
}

std::array<double, kFeatureCount> Standardizer::standardise(const FeatureVector& features) const {
  if (stale_) refresh();
  std::array<double, kFeatureCount> z{};
  for (std::size_t f = 0; f < kFeatureCount; ++f) z[f] = (features[f] - mean_[f]) / sd_[f];
  return z;
}

double cosine_similarity(const std::array<double, kFeatureCount>& a, const std::array<double, kFeatureCount>& b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t f = 0; f < kFeatureCount; ++f) {
    dot += a[f] * b[f];
    na += a[f] * a[f];
    nb += b[f] * b[f];
  }
  if (na <= 0 || nb <= 0) return 0.0;
  return dot / std::sqrt(na * nb);
}

}  // namespace dais::agents

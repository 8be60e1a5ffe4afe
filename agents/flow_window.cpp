#include "agents/flow_window.h"

#include <algorithm>
#include <cmath>
#include <vector>
#include <stdexcept>

namespace dais::agents {
namespace {

// Running form of window_stats over one source's connections in time order.
class Accumulator {
 public:
  explicit Accumulator(double window_s) : window_s_(window_s) {}
  // Back to empty, keeping the buffers for the next source.
  void reset() {
    flows_ = failed_ = gaps_ = 0;
    last_start_ = gap_sum_ = gap_squares_ = 0;
    ports_.clear();
    hosts_.clear();
  }
  void add(const Connection& c) {
    if (flows_ > 0) {
      const double gap = c.start_s - last_start_;
      gap_sum_ += gap;
      gap_squares_ += gap * gap;
      ++gaps_;
    }
    last_start_ = c.start_s;
    ++flows_;
    if (c.failed_logins > 0) ++failed_;
    insert_sorted(ports_, c.dst_port);
    insert_sorted(hosts_, c.dst_host);
  }
  WindowStats stats() const {
    WindowStats w;
    w.flows = flows_;
    w.distinct_ports = static_cast<std::uint32_t>(ports_.size());
    w.distinct_hosts = static_cast<std::uint32_t>(hosts_.size());
    w.failed_login_share = flows_ == 0 ? 0.0 : static_cast<double>(failed_) / flows_;
    if (gaps_ == 0) {
      w.inter_arrival_mean_s = window_s_;
    } else {
      w.inter_arrival_mean_s = gap_sum_ / gaps_;
      if (gaps_ >= 2 && w.inter_arrival_mean_s > 0) {
        const double variance = std::max(0.0, gap_squares_ / gaps_ - w.inter_arrival_mean_s * w.inter_arrival_mean_s);
        w.inter_arrival_cv = std::sqrt(variance) / w.inter_arrival_mean_s;
      }
    }
    return w;
  }

 private:
  double window_s_;
  std::uint32_t flows_ = 0, failed_ = 0, gaps_ = 0;
  double last_start_ = 0, gap_sum_ = 0, gap_squares_ = 0;
  // Distinct values kept as sorted vectors: a source's window holds a few to a few hundred
  // connections, and a node-based set allocated for every one of them.
  template <typename T> static void insert_sorted(std::vector<T>& values, T value) {
    const auto it = std::lower_bound(values.begin(), values.end(), value);
    if (it == values.end() || *it != value) values.insert(it, value);
  }
  std::vector<std::uint16_t> ports_;
  std::vector<std::uint32_t> hosts_;
};

}  // namespace

WindowStats window_stats(std::span<const Connection> source_history, double window_s) {
  Accumulator acc(window_s);
  for (const Connection& c : source_history) acc.add(c);
  return acc.stats();
}

FeatureVector realistic_features(const Connection& c, const WindowStats& w) {
  FeatureVector f{};
  const double packets = std::max<std::uint32_t>(1, c.packets);
  f[0] = static_cast<float>(std::log1p(c.bytes_in));
  f[1] = static_cast<float>(std::log1p(c.bytes_out));
  f[2] = static_cast<float>(std::log1p(packets));
  f[3] = static_cast<float>(std::log1p(c.duration_s));
  f[4] = static_cast<float>(w.failed_login_share);
  f[5] = static_cast<float>(std::clamp(c.syn_packets / packets, 0.0, 1.0));
  f[6] = static_cast<float>(std::log1p(w.distinct_ports));
  f[7] = static_cast<float>(std::log1p(w.inter_arrival_mean_s * 1000.0));
  f[8] = static_cast<float>(std::log1p(w.distinct_hosts));
  f[9] = static_cast<float>(std::clamp(w.inter_arrival_cv, 0.0, 8.0));
  return f;
}

FlowWindow::FlowWindow(std::uint32_t window_steps) : window_steps_(window_steps) {
  if (window_steps == 0) throw std::invalid_argument("FlowWindow: window_steps must be >= 1");
}

void FlowWindow::clear() {
  history_.clear();
  last_step_.reset();
}

std::vector<Flow> FlowWindow::advance(std::int64_t step, const std::vector<Connection>& connections, double step_s) {
  if (last_step_ && step <= *last_step_) throw std::invalid_argument("FlowWindow: steps must increase");
  const std::int64_t first = step - static_cast<std::int64_t>(window_steps_) + 1;
  while (!history_.empty() && history_.front().first < first) history_.pop_front();

  // Every record in the window, grouped by source in time order: earlier steps first, then this step.
  // The sort key is source << 32 | position in window order (time order within a source): one
  // integer comparison, and unique, so the order is the same whatever the sort algorithm.
  struct Ref {
    std::uint64_t key;
    const Connection* c;
    std::int64_t current;   // index in `connections`, -1 for history
    std::uint32_t source() const { return static_cast<std::uint32_t>(key >> 32); }
  };
  std::vector<Ref> refs;
  std::size_t total = connections.size();
  for (const auto& [s, records] : history_) total += records.size();
  refs.reserve(total);
  std::uint64_t order = 0;
  for (const auto& [s, records] : history_)
    for (const Connection& c : records) refs.push_back({std::uint64_t{c.source} << 32 | order++, &c, -1});
  for (std::size_t i = 0; i < connections.size(); ++i)
    refs.push_back({std::uint64_t{connections[i].source} << 32 | order++, &connections[i], static_cast<std::int64_t>(i)});
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.key < b.key; });

  const double window_s = step_s * window_steps_;
  std::vector<Flow> flows(connections.size());
  Accumulator acc(window_s);
  for (std::size_t begin = 0; begin < refs.size();) {
    std::size_t end = begin;
    while (end < refs.size() && refs[end].source() == refs[begin].source()) ++end;
    // This step's records come last in window order: a source without any has nothing to describe.
    if (refs[end - 1].current < 0) {
      begin = end;
      continue;
    }
    acc.reset();
    for (std::size_t k = begin; k < end; ++k) {
      acc.add(*refs[k].c);
      if (refs[k].current < 0) continue;
      const Connection& c = *refs[k].c;
      Flow& flow = flows[static_cast<std::size_t>(refs[k].current)];
      flow.features = realistic_features(c, acc.stats());
      flow.source = c.source;
      flow.dst_port = c.dst_port;
      flow.label = c.label;
    }
    begin = end;
  }

  if (window_steps_ > 1) history_.emplace_back(step, connections);
  last_step_ = step;
  return flows;
}

}  // namespace dais::agents

#include "agents/isolation_forest.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "common/random.h"

namespace dais::agents {

namespace {

// sklearn's tree splitter treats a feature whose node range is at most this as constant.
constexpr double kFeatureThreshold = 1e-7;
constexpr double kEulerGamma = 0.5772156649015329;
constexpr std::uint32_t kNoParent = IsolationForest::kLeaf;

// Grows one tree at a time into reusable buffers, so fitting allocates per
// forest, never per node.
class TreeBuilder {
 public:
  TreeBuilder(std::span<const float> rows, std::size_t cols, std::size_t n, std::size_t k)
      : rows_(rows), cols_(cols), n_(n), k_(k), max_depth_(tree_height_limit(k)),
        columns_(k * cols), sample_(k), index_(k), scratch_(k), feature_order_(cols), taken_(k < n ? n : 0) {
    nodes_.reserve(2 * k);
  }

  // Nodes of tree `tree` in pre-order; links are relative to the tree's root.
  const std::vector<IsolationForest::Node>& build(std::uint64_t seed, std::size_t tree) {
    dais::Stream rng(seed, dais::Purpose::forest, tree);
    draw_subsample(rng);
    gather_columns();
    std::iota(index_.begin(), index_.end(), 0u);
    std::iota(feature_order_.begin(), feature_order_.end(), 0u);
    nodes_.clear();
    stack_.clear();
    stack_.push_back({0, static_cast<std::uint32_t>(k_), 0, kNoParent});
    while (!stack_.empty()) {
      const Frame frame = stack_.back();
      stack_.pop_back();
      const auto here = static_cast<std::uint32_t>(nodes_.size());
      if (frame.parent != kNoParent) nodes_[frame.parent].link = here;
      grow(frame, rng);
    }
    return nodes_;
  }

 private:
  struct Frame {
    std::uint32_t begin, end, depth, parent;  // parent: split whose right child this is
  };

  // k distinct rows out of n without replacement (Floyd's algorithm: O(k) draws).
  void draw_subsample(dais::Stream& rng) {
    if (k_ == n_) {
      std::iota(sample_.begin(), sample_.end(), 0u);
      return;
    }
    std::size_t count = 0;
    for (std::size_t j = n_ - k_; j < n_; ++j) {
      auto pick = static_cast<std::uint32_t>(rng.below(j + 1));
      if (taken_[pick]) pick = static_cast<std::uint32_t>(j);
      taken_[pick] = 1;
      sample_[count++] = pick;
    }
    for (const std::uint32_t row : sample_) taken_[row] = 0;
  }

  // Column-major copy of the subsample, so a node's scan of one feature stays in a few cache
  // lines. Every feature is copied at once, a sampled row (one cache line) at a time: a tree
  // splits on nearly every feature anyway, and a feature at a time would read each row once per
  // feature, 4 * cols bytes apart.
  void gather_columns() {
    float* out = columns_.data();
    for (std::size_t i = 0; i < k_; ++i) {
      const float* row = rows_.data() + static_cast<std::size_t>(sample_[i]) * cols_;
      for (std::size_t feature = 0; feature < cols_; ++feature) out[feature * k_ + i] = row[feature];
    }
  }
  const float* column(std::uint32_t feature) const { return columns_.data() + static_cast<std::size_t>(feature) * k_; }

  void grow(const Frame& frame, dais::Stream& rng) {
    const std::uint32_t size = frame.end - frame.begin;
    if (size <= 1 || frame.depth >= max_depth_ || !choose_split(frame, rng)) {
      nodes_.push_back(IsolationForest::Node::leaf(static_cast<std::uint32_t>(nodes_.size()), frame.depth, size));
      return;
    }
    // Branch-free partition (left when x <= threshold), since the comparison is a coin flip that
    // a branch would mispredict half the time. Every row is written to both ends of a scratch
    // array and only the right end's cursor moves, so no iteration waits on the previous one's
    // store (an in-place swap did, and it was the slowest line of a fit). The order of rows
    // within a child is not kept, and nothing depends on it: a node only ever takes their min,
    // max and count.
    const float* values = column(split_feature_);
    const std::uint32_t* index = index_.data() + frame.begin;
    std::uint32_t* out = scratch_.data();
    std::uint32_t left_count = 0, right_end = size;
    for (std::uint32_t p = 0; p < size; ++p) {
      const std::uint32_t row = index[p];
      const std::uint32_t left = static_cast<double>(values[row]) <= split_value_ ? 1u : 0u;
      out[left_count] = row;
      out[right_end - 1] = row;
      left_count += left;
      right_end -= 1u - left;
    }
    std::copy(out, out + size, index_.data() + frame.begin);
    const std::uint32_t middle = frame.begin + left_count;
    const auto here = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back({split_value_, split_feature_, 0});
    stack_.push_back({middle, frame.end, frame.depth + 1, here});
    stack_.push_back({frame.begin, middle, frame.depth + 1, kNoParent});  // popped next: index here + 1
  }

  // Like sklearn's random splitter with max_features=1: draw features without
  // replacement until one is not constant in the node, then a uniform threshold
  // in [min, max). False when every feature is constant (the node becomes a leaf).
  bool choose_split(const Frame& frame, dais::Stream& rng) {
    for (std::size_t j = 0; j < cols_; ++j) {
      std::swap(feature_order_[j], feature_order_[j + rng.below(cols_ - j)]);
      const std::uint32_t feature = feature_order_[j];
      const float* values = column(feature);
      float low = values[index_[frame.begin]];
      float high = low;
      for (std::uint32_t p = frame.begin + 1; p < frame.end; ++p) {
        const float value = values[index_[p]];
        low = std::min(low, value);
        high = std::max(high, value);
      }
      if (static_cast<double>(high) <= static_cast<double>(low) + kFeatureThreshold) continue;
      double threshold = rng.uniform(low, high);
      if (threshold >= static_cast<double>(high)) threshold = low;  // keep the max on the right
      split_feature_ = feature;
      split_value_ = threshold;
      return true;
    }
    return false;
  }

  std::span<const float> rows_;
  std::size_t cols_, n_, k_, max_depth_;
  std::vector<float> columns_;
  std::vector<std::uint32_t> sample_, index_, scratch_, feature_order_;
  std::vector<std::uint8_t> taken_;
  std::vector<Frame> stack_;
  std::vector<IsolationForest::Node> nodes_;
  std::uint32_t split_feature_ = 0;
  double split_value_ = 0.0;
};

// numpy.percentile's default ('linear') of an ascending array, q in [0, 1].
double linear_percentile(const std::vector<double>& ascending, double q) {
  const double position = q * static_cast<double>(ascending.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, ascending.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return ascending[below] + fraction * (ascending[above] - ascending[below]);
}

}  // namespace

std::size_t tree_height_limit(std::size_t max_samples) {
  return static_cast<std::size_t>(std::bit_width(std::max<std::size_t>(max_samples, 2) - 1));
}

double average_path_length(std::size_t n) {
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  const double m = static_cast<double>(n);
  return 2.0 * (std::log(m - 1.0) + kEulerGamma) - 2.0 * (m - 1.0) / m;
}

IsolationForest IsolationForest::fit(std::span<const float> rows, std::size_t cols, const ForestParams& params) {
  constexpr std::size_t kU32 = std::numeric_limits<std::uint32_t>::max();
  if (cols == 0 || cols >= kU32) throw std::invalid_argument("isolation forest: column count must be in [1, 2^32-1)");
  if (rows.empty() || rows.size() % cols != 0) {
    throw std::invalid_argument("isolation forest: need at least one row and rows.size() a multiple of cols");
  }
  if (params.n_estimators == 0 || params.n_estimators >= kU32) {
    throw std::invalid_argument("isolation forest: n_estimators must be in [1, 2^32-1)");
  }
  if (params.max_samples == 0) throw std::invalid_argument("isolation forest: max_samples must be >= 1");
  if (params.contamination && !(*params.contamination > 0.0 && *params.contamination <= 0.5)) {
    throw std::invalid_argument("isolation forest: contamination must be in (0, 0.5]");
  }
  for (const float v : rows) {
    if (!std::isfinite(v)) throw std::invalid_argument("isolation forest: training data holds NaN or infinity");
  }
  const std::size_t n = rows.size() / cols;
  const std::size_t k = std::min(params.max_samples, n);
  // Split links are u32 forest-wide indices; a tree has at most 2k - 1 nodes.
  if (k >= kU32 / 2 || params.n_estimators > kU32 / (2 * k)) {
    throw std::invalid_argument("isolation forest: n_estimators * max_samples too large");
  }

  IsolationForest forest;
  forest.cols_ = cols;
  forest.max_samples_ = k;
  forest.training_rows_ = n;
  forest.seed_ = params.seed;
  forest.contamination_ = params.contamination;
  forest.normaliser_ = static_cast<double>(params.n_estimators) * average_path_length(k);
  forest.max_depth_ = tree_height_limit(k);
  forest.tree_begin_.reserve(params.n_estimators);

  // Trees grow into a per-thread scratch array that is copied once into a forest of exactly
  // their size: growing the forest itself would reallocate and copy it a dozen times, and
  // every fresh page costs a fault (an engine refits forests every step).
  thread_local std::vector<Node> grown;
  grown.clear();
  TreeBuilder builder(rows, cols, n, k);
  for (std::size_t tree = 0; tree < params.n_estimators; ++tree) {
    const auto base = static_cast<std::uint32_t>(grown.size());
    forest.tree_begin_.push_back(base);
    for (Node node : builder.build(params.seed, tree)) {
      node.link += base;
      grown.push_back(node);
    }
  }
  forest.nodes_.assign(grown.begin(), grown.end());
  forest.tabulate_path_lengths();

  if (params.contamination) {
    std::vector<double> negated = forest.score(rows, cols);  // sklearn's score_samples is -s
    for (double& v : negated) v = -v;
    std::sort(negated.begin(), negated.end());
    forest.threshold_ = -linear_percentile(negated, *params.contamination);
  }
  return forest;
}

double IsolationForest::score_from_total_path(double total) const {
  // sklearn returns 2^-1 when c(max_samples) is 0 (a single training row).
  if (normaliser_ == 0.0) return 0.5;
  return std::exp2(-total / normaliser_);
}

void IsolationForest::tabulate_path_lengths() {
  // One c() per possible leaf size rather than one log per leaf reached; the same function, so the
  // same doubles as computing it at the leaf.
  path_of_size_.resize(max_samples_ + 1);
  for (std::size_t size = 0; size <= max_samples_; ++size) path_of_size_[size] = average_path_length(size);
}

double IsolationForest::score_one(const float* row) const { return score_from_total_path(total_path(row)); }

namespace {

// One branch-free step down a tree (a mask rather than ?: so the compiler cannot turn the select
// back into a branch: the comparison is a coin flip). A leaf's value is NaN and its link is
// itself, so a walk that has reached its leaf stays there, and every walk can take the height
// limit's number of steps with no test for leaves: fewer instructions per step than testing,
// measured 25 % faster in a whole score.
std::uint32_t walk_step(const IsolationForest::Node* nodes, std::uint32_t at, const float* row) {
  const IsolationForest::Node& node = nodes[at];
  const std::uint32_t right = 0u - static_cast<std::uint32_t>(!(static_cast<double>(row[node.feature]) <= node.value));
  const std::uint32_t left_child = at + 1;
  return left_child ^ ((left_child ^ node.link) & right);
}

}  // namespace

double IsolationForest::total_path(const float* row) const {
  // kLanes trees descend in lock-step (walk_step, above), so one row's walks through a cold
  // forest wait for memory kLanes at a time; the path lengths are summed in tree order, as
  // score() sums them, so both give the same double.
  constexpr std::size_t kLanes = 8;
  double total = 0.0;
  const Node* nodes = nodes_.data();
  const std::size_t trees = tree_begin_.size();
  for (std::size_t first = 0; first < trees; first += kLanes) {
    const std::size_t lanes = std::min(kLanes, trees - first);
    std::uint32_t at[kLanes];
    for (std::size_t lane = 0; lane < lanes; ++lane) at[lane] = tree_begin_[first + lane];
    for (std::size_t level = 0; level < max_depth_; ++level) {
      for (std::size_t lane = 0; lane < lanes; ++lane) at[lane] = walk_step(nodes, at[lane], row);
    }
    for (std::size_t lane = 0; lane < lanes; ++lane) total += path_length(nodes[at[lane]]);
  }
  return total;
}

void IsolationForest::score(std::span<const float> rows, std::size_t cols, std::span<double> out) const {
  if (cols != cols_) throw std::invalid_argument("isolation forest: column count differs from the fitted model");
  if (rows.size() % cols != 0 || rows.size() / cols != out.size()) {
    throw std::invalid_argument("isolation forest: rows.size() must equal out.size() * cols");
  }
  // Row blocks, trees outside: one tree's nodes stay hot in L1 across the block. Inside a block,
  // kLanes rows descend in lock-step with branch-free steps, so their independent loads overlap
  // instead of each row paying a mispredicted branch per level (8 lanes: 4 leave the core idle,
  // 16 run out of registers).
  constexpr std::size_t kBlock = 256;
  constexpr std::size_t kLanes = 8;
  double totals[kBlock];
  const Node* nodes = nodes_.data();
  const std::size_t trees = tree_begin_.size();
  for (std::size_t start = 0; start < out.size(); start += kBlock) {
    const std::size_t count = std::min(kBlock, out.size() - start);
    const std::size_t lockstep = count - count % kLanes;
    std::fill(totals, totals + count, 0.0);
    const float* block = rows.data() + start * cols;
    for (std::size_t tree = 0; tree < trees; ++tree) {
      const std::uint32_t root = tree_begin_[tree];
      // The next tree's nodes are fetched while this one is walked: a forest rarely sits in
      // cache (an engine scores a few dozen rows per agent and step, one agent after another),
      // and a walk is a chain of dependent loads that would otherwise wait for memory at every level.
      if (tree + 1 < trees) {
        const auto* line = reinterpret_cast<const char*>(nodes + tree_begin_[tree + 1]);
        const auto* end = reinterpret_cast<const char*>(nodes + (tree + 2 < trees ? tree_begin_[tree + 2] : nodes_.size()));
        for (; line < end; line += 64) __builtin_prefetch(line);
      }
      for (std::size_t r = 0; r < lockstep; r += kLanes) {
        std::uint32_t at[kLanes];
        std::fill(at, at + kLanes, root);
        for (std::size_t level = 0; level < max_depth_; ++level) {
          for (std::size_t lane = 0; lane < kLanes; ++lane) {
            at[lane] = walk_step(nodes, at[lane], block + (r + lane) * cols);
          }
        }
        for (std::size_t lane = 0; lane < kLanes; ++lane) totals[r + lane] += path_length(nodes[at[lane]]);
      }
      for (std::size_t r = lockstep; r < count; ++r) {
        std::uint32_t at = root;
        for (std::size_t level = 0; level < max_depth_; ++level) at = walk_step(nodes, at, block + r * cols);
        totals[r] += path_length(nodes[at]);
      }
    }
    for (std::size_t r = 0; r < count; ++r) out[start + r] = score_from_total_path(totals[r]);
  }
}

std::vector<double> IsolationForest::score(std::span<const float> rows, std::size_t cols) const {
  std::vector<double> out(cols == 0 ? 0 : rows.size() / cols);
  score(rows, cols, out);
  return out;
}

std::size_t IsolationForest::node_count(std::size_t tree) const {
  if (tree >= tree_begin_.size()) throw std::invalid_argument("isolation forest: tree index out of range");
  const std::size_t end = tree + 1 < tree_begin_.size() ? tree_begin_[tree + 1] : nodes_.size();
  return end - tree_begin_[tree];
}

std::size_t IsolationForest::tree_root(std::size_t tree) const {
  if (tree >= tree_begin_.size()) throw std::invalid_argument("isolation forest: tree index out of range");
  return tree_begin_[tree];
}

std::size_t IsolationForest::leaf_count() const {
  return static_cast<std::size_t>(
      std::count_if(nodes_.begin(), nodes_.end(), [](const Node& node) { return node.is_leaf(); }));
}

std::size_t IsolationForest::memory_bytes() const {
  return sizeof(*this) + nodes_.capacity() * sizeof(Node) + tree_begin_.capacity() * sizeof(std::uint32_t) +
         path_of_size_.capacity() * sizeof(double);
}

}  // namespace dais::agents

// Isolation Forest (Liu, Ting, Zhou, ICDM 2008) with scikit-learn's semantics:
// trees grown on subsamples drawn without replacement, random feature and
// uniform random split between the node's min and max, height limit
// ceil(log2(max_samples)), path length depth + c(leaf size), score
// s(x) = 2^(-E[h(x)] / c(max_samples)) in (0, 1]; higher = more anomalous.
// Each tree is a pure function of (seed, tree index): randomness comes only from
// dais::Stream(seed, Purpose::forest, tree). An IsolationForest is an immutable
// value after fit(); const members are safe to call from many threads at once.
// Bad input (shape, non-finite values, parameters, malformed bytes) throws
// std::invalid_argument.
//
// Serialised form (serialize/deserialize, in forest_serialization.cpp), all
// integers and floats little-endian:
//   offset size  field
//   0      8     magic "DAISIFOR"
//   8      4     u32 format version (1)
//   12     4     u32 feature count (columns), >= 1
//   16     4     u32 tree count, >= 1
//   20     4     u32 effective max_samples (subsample size per tree), >= 1
//   24     8     u64 training rows, >= max_samples
//   32     8     u64 seed
//   40     4     u32 threshold mode: 0 = fixed 0.5 (sklearn contamination='auto'),
//                                    1 = quantile of training scores
//   44     8     f64 contamination (0 in mode 0; in (0, 0.5] in mode 1)
//   52     8     f64 threshold (a row is anomalous when score > threshold)
//   then, per tree: u32 node count, then that many 16-byte node records in
//   pre-order (a split's left child is the next record):
//     u32 feature   split feature, or 0xFFFFFFFF for a leaf
//     u32 link      split: index of the right child within the tree;
//                   leaf: number of subsample rows that reached it
//     f64 value     split: threshold (left when x[feature] <= value); leaf: 0
// The form is canonical: deserialize() rejects anything serialize() cannot
// produce (bad structure, sizes that do not add up, trailing bytes), so equal
// models have equal digests.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"

namespace dais::agents {

struct ForestParams {
  std::size_t n_estimators = 100;
  // Subsample size per tree; the forest uses min(max_samples, rows) like sklearn.
  std::size_t max_samples = 256;
  std::uint64_t seed = 0;
  // nullopt: fixed threshold 0.5 (sklearn contamination='auto'); otherwise the
  // threshold is the (1 - contamination) quantile of the training scores.
  std::optional<double> contamination;
};

// Average path length of an unsuccessful search in a binary search tree of n
// points: c(n) = 2 H(n-1) - 2 (n-1) / n, with c(0) = c(1) = 0 and c(2) = 1.
double average_path_length(std::size_t n);

// sklearn's height limit ceil(log2(max(max_samples, 2))), computed exactly on
// integers: no leaf of a tree grown on max_samples rows lies deeper.
std::size_t tree_height_limit(std::size_t max_samples);

class IsolationForest {
 public:
  // One split or leaf; a tree is a pre-order run of these in one forest-wide array.
  // A leaf is built so that a walk which reaches it stays there: its value is a quiet NaN, which
  // no x is <= to, so the walk always takes `link`, the leaf's own index. Scoring can then take
  // exactly height-limit steps per walk with no test for leaves (see score()). The NaN's payload
  // holds the leaf's depth (bits 32-50) and the number of subsample rows that reached it (bits 0-31).
  struct Node {
    double value;            // split: threshold (left when x[feature] <= value); leaf: tagged NaN
    std::uint32_t feature;   // split: feature index; leaf: 0 (a valid column, so a walk's load stays in its row)
    std::uint32_t link;      // split: forest-wide index of the right child; leaf: its own index

    static Node leaf(std::uint32_t self, std::uint32_t depth, std::uint32_t size) {
      return {std::bit_cast<double>(kLeafTag | (std::uint64_t{depth} << 32) | size), 0, self};
    }
    bool is_leaf() const { return (std::bit_cast<std::uint64_t>(value) & kTagMask) == kLeafTag; }
    std::uint32_t leaf_size() const { return static_cast<std::uint32_t>(std::bit_cast<std::uint64_t>(value)); }
    std::uint32_t leaf_depth() const {
      return static_cast<std::uint32_t>((std::bit_cast<std::uint64_t>(value) & ~kTagMask) >> 32);
    }

   private:
    static constexpr std::uint64_t kLeafTag = 0x7FF8000000000000ULL;  // positive quiet NaN
    static constexpr std::uint64_t kTagMask = 0xFFF8000000000000ULL;
  };
  // The serialised form's feature field of a leaf.
  static constexpr std::uint32_t kLeaf = 0xFFFFFFFFu;
  static constexpr std::uint32_t kFormatVersion = 1;

  // rows: row-major, rows.size() == n * cols with n >= 1, every value finite.
  static IsolationForest fit(std::span<const float> rows, std::size_t cols, const ForestParams& params);

  // Anomaly score of one row of feature_count() floats.
  double score_one(const float* row) const;
  // Scores of rows.size() / cols rows into out (same count); cols must equal feature_count().
  void score(std::span<const float> rows, std::size_t cols, std::span<double> out) const;
  std::vector<double> score(std::span<const float> rows, std::size_t cols) const;

  double threshold() const { return threshold_; }
  bool is_anomaly(double score) const { return score > threshold_; }

  std::size_t feature_count() const { return cols_; }
  std::size_t tree_count() const { return tree_begin_.size(); }
  std::size_t max_samples() const { return max_samples_; }
  std::size_t training_rows() const { return training_rows_; }
  std::uint64_t seed() const { return seed_; }
  std::optional<double> contamination() const { return contamination_; }
  std::size_t node_count() const { return nodes_.size(); }
  std::size_t node_count(std::size_t tree) const;
  // Read-only view of every tree (for inspection and tests); tree_root(t) indexes into it.
  std::span<const Node> nodes() const { return nodes_; }
  std::size_t tree_root(std::size_t tree) const;
  std::size_t leaf_count() const;
  // A leaf's path length, depth + c(leaf size): what it adds to a row's total path.
  double path_length(const Node& leaf) const {
    return static_cast<double>(leaf.leaf_depth()) + path_of_size_[leaf.leaf_size()];
  }
  // Bytes held by this object, including its arrays' capacity.
  std::size_t memory_bytes() const;

  std::string serialize() const;
  static IsolationForest deserialize(std::string_view bytes);
  // SHA-256 of serialize(): the model_digest of a ModelRetrained event.
  dais::Digest digest() const;

 private:
  IsolationForest() = default;
  double score_from_total_path(double total) const;
  void tabulate_path_lengths();  // fills path_of_size_ for max_samples_
  double total_path(const float* row) const;

  std::size_t cols_ = 0;
  std::size_t max_samples_ = 0;
  std::size_t training_rows_ = 0;
  std::uint64_t seed_ = 0;
  std::optional<double> contamination_;
  double threshold_ = 0.5;
  double normaliser_ = 0.0;           // tree count * c(max_samples)
  std::size_t max_depth_ = 0;         // ceil(log2(max_samples)): no leaf lies deeper
  std::vector<Node> nodes_;           // every tree, one after another
  std::vector<std::uint32_t> tree_begin_;  // index of each tree's root in nodes_
  std::vector<double> path_of_size_;       // c(size) for every leaf size in [0, max_samples_]
};

}  // namespace dais::agents

// Isolation Forest: the c(n) correction, scores, determinism, the serialised
// form and its validation, edge cases, and ROC AUC against scikit-learn's
// published figures on the shipped ODDS data.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "agents/isolation_forest.h"
#include "agents/roc_auc.h"
#include "common/random.h"
#include "tools/bench/csv.h"
#include "tools/bench/iforest_reference.h"

using dais::agents::average_path_length;
using dais::agents::ForestParams;
using dais::agents::IsolationForest;

namespace {

// n rows of standard normal features from a test stream.
std::vector<float> gaussian_rows(std::size_t n, std::size_t cols, std::uint64_t seed) {
  dais::Stream rng(seed, dais::Purpose::test, 1);
  std::vector<float> rows(n * cols);
  for (float& v : rows) v = static_cast<float>(rng.normal());
  return rows;
}

ForestParams params_with_seed(std::uint64_t seed, std::size_t trees = 100) {
  ForestParams params;
  params.seed = seed;
  params.n_estimators = trees;
  return params;
}

// Depth of every leaf of one tree, walking the pre-order layout.
std::vector<std::size_t> leaf_depths(const IsolationForest& forest, std::size_t tree) {
  std::vector<std::size_t> depths;
  std::vector<std::pair<std::size_t, std::size_t>> stack{{forest.tree_root(tree), 0}};
  while (!stack.empty()) {
    const auto [index, depth] = stack.back();
    stack.pop_back();
    const auto& node = forest.nodes()[index];
    if (node.is_leaf()) {
      CHECK(node.leaf_depth() == depth);
      CHECK(node.link == index);  // a leaf links to itself: a walk that reaches it stays
      depths.push_back(depth);
    } else {
      stack.push_back({node.link, depth + 1});
      stack.push_back({index + 1, depth + 1});
    }
  }
  return depths;
}

void overwrite_u32(std::string& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}
void overwrite_f64(std::string& bytes, std::size_t offset, double value) {
  const auto bits = std::bit_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) bytes[offset + i] = static_cast<char>((bits >> (8 * i)) & 0xFF);
}
constexpr std::size_t kHeader = 60;

}  // namespace

TEST_CASE("c(n) follows the paper: 2H(n-1) - 2(n-1)/n with c(1) = 0 and c(2) = 1") {
  CHECK(average_path_length(0) == 0.0);
  CHECK(average_path_length(1) == 0.0);
  CHECK(average_path_length(2) == 1.0);
  const double gamma = 0.5772156649;
  for (std::size_t n : {3u, 10u, 256u, 100000u}) {
    const double m = static_cast<double>(n);
    CHECK(average_path_length(n) == doctest::Approx(2.0 * (std::log(m - 1.0) + gamma) - 2.0 * (m - 1.0) / m));
  }
  CHECK(average_path_length(256) == doctest::Approx(10.2447709).epsilon(1e-8));
  // Exact harmonic numbers agree within the Euler-Maclaurin error for moderate n.
  double harmonic = 0.0;
  for (int i = 1; i < 1000; ++i) harmonic += 1.0 / i;
  CHECK(average_path_length(1000) == doctest::Approx(2.0 * harmonic - 2.0 * 999.0 / 1000.0).epsilon(1e-3));
}

TEST_CASE("scores lie in (0, 1] and the default threshold is sklearn's 0.5") {
  // 603 rows: full blocks, lock-step groups and a ragged tail all take part.
  const auto rows = gaussian_rows(603, 4, 1);
  const auto forest = IsolationForest::fit(rows, 4, params_with_seed(0));
  CHECK(forest.threshold() == 0.5);
  CHECK_FALSE(forest.contamination().has_value());
  const auto scores = forest.score(rows, 4);
  REQUIRE(scores.size() == 603);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    CHECK(scores[i] > 0.0);
    CHECK(scores[i] <= 1.0);
    CHECK(scores[i] == forest.score_one(rows.data() + i * 4));  // batch and single agree exactly
  }
}

TEST_CASE("batch scoring agrees with single scoring on extreme and non-finite rows") {
  // Far rows end their walks after one or two splits, so whole lock-step groups stop early;
  // NaN and infinities must take the same branches as in score_one.
  const auto training = gaussian_rows(500, 3, 7);
  const auto forest = IsolationForest::fit(training, 3, params_with_seed(3));
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> specials = {0.0f, 1e30f, -1e30f, inf, -inf, nan, 0.5f, -2.0f};
  std::vector<float> rows;
  for (std::size_t i = 0; i < 37; ++i) {  // 4 groups of 8 and a tail of 5
    for (std::size_t c = 0; c < 3; ++c) rows.push_back(specials[(i * 3 + c * (i % 5 + 1)) % specials.size()]);
  }
  const auto scores = forest.score(rows, 3);
  REQUIRE(scores.size() == 37);
  for (std::size_t i = 0; i < scores.size(); ++i) {
    CHECK(scores[i] == forest.score_one(rows.data() + i * 3));
    CHECK(scores[i] > 0.0);
    CHECK(scores[i] <= 1.0);
  }
}

TEST_CASE("a planted outlier scores above every inlier and above the threshold") {
  const std::size_t cols = 5;
  auto rows = gaussian_rows(500, cols, 2);
  for (std::size_t f = 0; f < cols; ++f) rows.push_back(8.0f);
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const auto forest = IsolationForest::fit(rows, cols, params_with_seed(seed));
    const auto scores = forest.score(rows, cols);
    const double outlier = scores.back();
    CHECK(outlier > *std::max_element(scores.begin(), scores.end() - 1));
    CHECK(forest.is_anomaly(outlier));
  }
}

TEST_CASE("same seed gives the same model; a different seed a different one") {
  const auto rows = gaussian_rows(400, 6, 3);
  const auto a = IsolationForest::fit(rows, 6, params_with_seed(7));
  const auto b = IsolationForest::fit(rows, 6, params_with_seed(7));
  const auto c = IsolationForest::fit(rows, 6, params_with_seed(8));
  CHECK(a.serialize() == b.serialize());
  CHECK(a.digest() == b.digest());
  CHECK(a.score(rows, 6) == b.score(rows, 6));
  CHECK(a.digest() != c.digest());
  CHECK(a.score(rows, 6) != c.score(rows, 6));
  CHECK(a.digest() == dais::sha256(a.serialize()));
}

TEST_CASE("score() and score_one() equal a plain walk that stops at the leaves, for any input") {
  // score() walks every tree the height limit's number of steps, relying on a leaf's NaN value
  // and self link to hold a finished walk in place; a plain walk that tests for leaves, summed in
  // tree order, must give the same doubles, also for inputs the model never saw (NaN, infinities).
  const auto rows = gaussian_rows(500, 4, 21);
  const auto forest = IsolationForest::fit(rows, 4, params_with_seed(3, 37));
  auto queries = gaussian_rows(45, 4, 22);  // 45: five 8-row lock-step groups and a remainder
  queries[1] = std::numeric_limits<float>::quiet_NaN();
  queries[6] = std::numeric_limits<float>::infinity();
  queries[11] = -std::numeric_limits<float>::infinity();
  queries[12] = 1e30f;
  const auto scores = forest.score(queries, 4);
  for (std::size_t r = 0; r < 45; ++r) {
    const float* row = queries.data() + r * 4;
    double total = 0.0;
    for (std::size_t t = 0; t < forest.tree_count(); ++t) {
      std::size_t at = forest.tree_root(t);
      std::uint32_t depth = 0;
      while (!forest.nodes()[at].is_leaf()) {
        const auto& node = forest.nodes()[at];
        at = static_cast<double>(row[node.feature]) <= node.value ? at + 1 : node.link;
        ++depth;
      }
      const auto& leaf = forest.nodes()[at];
      REQUIRE(leaf.leaf_depth() == depth);
      total += depth + average_path_length(leaf.leaf_size());
    }
    const double expected = std::exp2(-total / (37 * average_path_length(256)));
    CHECK(std::bit_cast<std::uint64_t>(scores[r]) == std::bit_cast<std::uint64_t>(expected));
    CHECK(std::bit_cast<std::uint64_t>(forest.score_one(row)) == std::bit_cast<std::uint64_t>(expected));
  }
}

TEST_CASE("each tree depends only on (seed, tree index)") {
  const auto rows = gaussian_rows(300, 3, 4);
  const auto ten = IsolationForest::fit(rows, 3, params_with_seed(5, 10));
  const auto twenty = IsolationForest::fit(rows, 3, params_with_seed(5, 20));
  const std::size_t prefix = ten.node_count();
  REQUIRE(twenty.node_count() > prefix);
  for (std::size_t i = 0; i < prefix; ++i) {
    CHECK(ten.nodes()[i].feature == twenty.nodes()[i].feature);
    CHECK(ten.nodes()[i].link == twenty.nodes()[i].link);
    // Bits, not ==: a leaf's value is a NaN.
    CHECK(std::bit_cast<std::uint64_t>(ten.nodes()[i].value) == std::bit_cast<std::uint64_t>(twenty.nodes()[i].value));
  }
}

TEST_CASE("trees respect the height limit and hold every subsample row in their leaves") {
  const auto rows = gaussian_rows(1000, 3, 5);
  const auto forest = IsolationForest::fit(rows, 3, params_with_seed(1, 20));
  CHECK(forest.max_samples() == 256);
  CHECK(forest.training_rows() == 1000);
  for (std::size_t t = 0; t < forest.tree_count(); ++t) {
    for (std::size_t depth : leaf_depths(forest, t)) CHECK(depth <= 8);
    std::size_t rows_in_leaves = 0;
    const std::size_t begin = forest.tree_root(t);
    for (std::size_t i = begin; i < begin + forest.node_count(t); ++i) {
      if (forest.nodes()[i].is_leaf()) rows_in_leaves += forest.nodes()[i].leaf_size();
    }
    CHECK(rows_in_leaves == 256);
  }
  CHECK(forest.leaf_count() * 2 == forest.node_count() + forest.tree_count());  // full binary trees
  CHECK(forest.memory_bytes() >= forest.node_count() * sizeof(IsolationForest::Node));
}

TEST_CASE("fewer rows than max_samples: the subsample is every row") {
  const auto rows = gaussian_rows(100, 2, 6);
  const auto forest = IsolationForest::fit(rows, 2, params_with_seed(0, 10));
  CHECK(forest.max_samples() == 100);
  ForestParams big = params_with_seed(0, 10);
  big.max_samples = 5000;
  const auto same = IsolationForest::fit(rows, 2, big);
  CHECK(same.max_samples() == 100);
  CHECK(same.digest() == forest.digest());
  for (std::size_t t = 0; t < forest.tree_count(); ++t) {
    for (std::size_t depth : leaf_depths(forest, t)) CHECK(depth <= 7);  // ceil(log2(100))
  }
  // With every row in every tree, the trees still differ by their random splits.
  CHECK(forest.node_count(0) + forest.node_count(1) > 2);
}

TEST_CASE("constant data gives single-leaf trees and score 0.5") {
  const std::vector<float> rows(50 * 3, 2.5f);
  const auto forest = IsolationForest::fit(rows, 3, params_with_seed(0, 10));
  CHECK(forest.node_count() == 10);
  for (double s : forest.score(rows, 3)) CHECK(s == doctest::Approx(0.5));
  const float elsewhere[3] = {100.0f, -4.0f, 0.0f};
  CHECK(forest.score_one(elsewhere) == doctest::Approx(0.5));

  SUBCASE("constant columns are never split on") {
    auto mixed = gaussian_rows(200, 3, 7);
    for (std::size_t r = 0; r < 200; ++r) mixed[r * 3 + 0] = mixed[r * 3 + 2] = 1.0f;
    const auto mixed_forest = IsolationForest::fit(mixed, 3, params_with_seed(0, 10));
    for (const auto& node : mixed_forest.nodes()) {
      if (!node.is_leaf()) CHECK(node.feature == 1);
    }
    CHECK(mixed_forest.node_count() > 10);
  }
  SUBCASE("one training row") {
    const std::vector<float> one = {1.0f, 2.0f, 3.0f};
    const auto single = IsolationForest::fit(one, 3, params_with_seed(0, 5));
    CHECK(single.max_samples() == 1);
    CHECK(single.score_one(one.data()) == 0.5);
  }
}

TEST_CASE("contamination sets the threshold at that quantile of the training scores") {
  const auto rows = gaussian_rows(1000, 4, 8);
  ForestParams params = params_with_seed(3);
  params.contamination = 0.1;
  const auto forest = IsolationForest::fit(rows, 4, params);
  CHECK(forest.contamination() == 0.1);
  const auto scores = forest.score(rows, 4);
  const auto flagged = std::count_if(scores.begin(), scores.end(), [&](double s) { return forest.is_anomaly(s); });
  CHECK(flagged >= 95);
  CHECK(flagged <= 100);
  // Same trees as the fixed-threshold model; only the threshold differs.
  const auto fixed = IsolationForest::fit(rows, 4, params_with_seed(3));
  CHECK(fixed.score(rows, 4) == scores);
  CHECK(fixed.threshold() != forest.threshold());
}

TEST_CASE("serialize/deserialize round trip keeps scores, bytes and digest") {
  const auto rows = gaussian_rows(700, 5, 9);
  for (bool contaminated : {false, true}) {
    ForestParams params = params_with_seed(11, 30);
    if (contaminated) params.contamination = 0.05;
    const auto forest = IsolationForest::fit(rows, 5, params);
    const std::string bytes = forest.serialize();
    CHECK(bytes.substr(0, 8) == "DAISIFOR");
    const auto copy = IsolationForest::deserialize(bytes);
    CHECK(copy.serialize() == bytes);
    CHECK(copy.digest() == forest.digest());
    CHECK(copy.score(rows, 5) == forest.score(rows, 5));
    CHECK(copy.threshold() == forest.threshold());
    CHECK(copy.contamination() == forest.contamination());
    CHECK(copy.tree_count() == 30);
    CHECK(copy.seed() == 11);
    CHECK(copy.training_rows() == 700);
  }
}

TEST_CASE("malformed serialised models throw std::invalid_argument") {
  const auto rows = gaussian_rows(64, 2, 10);
  const auto forest = IsolationForest::fit(rows, 2, params_with_seed(0, 3));
  const std::string good = forest.serialize();
  REQUIRE_NOTHROW(IsolationForest::deserialize(good));

  SUBCASE("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      CHECK_THROWS_AS(IsolationForest::deserialize(good.substr(0, n)), std::invalid_argument);
    }
  }
  SUBCASE("trailing byte") { CHECK_THROWS_AS(IsolationForest::deserialize(good + '\0'), std::invalid_argument); }
  SUBCASE("header fields") {
    const std::vector<std::pair<std::size_t, std::uint32_t>> edits = {
        {0, 0x53494144u + 1},  // magic
        {8, 2},                // version
        {12, 0},               // feature count
        {16, 0},               // tree count
        {16, 1000000},         // more trees than bytes
        {20, 0},               // max_samples
        {20, 65},              // max_samples above training rows
        {40, 2},               // threshold mode
        {40, 1},               // contamination mode with contamination 0
    };
    for (const auto& [offset, value] : edits) {
      std::string bad = good;
      overwrite_u32(bad, offset, value);
      CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    }
    std::string bad = good;
    overwrite_f64(bad, 52, 0.7);  // fixed mode must have threshold 0.5
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
  }
  SUBCASE("node records") {
    // First tree: its root is a split (64 distinct rows), at kHeader + 4.
    const std::size_t root = kHeader + 4;
    REQUIRE(!forest.nodes()[0].is_leaf());
    std::string bad = good;
    overwrite_u32(bad, root, 2);  // split feature out of range
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_u32(bad, root + 4, 1);  // right child equal to the left child
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_u32(bad, root + 4, static_cast<std::uint32_t>(forest.node_count(0)));  // past the tree
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_u32(bad, root + 4, static_cast<std::uint32_t>(forest.nodes()[0].link + 1));  // skips a node
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_f64(bad, root + 8, std::numeric_limits<double>::quiet_NaN());
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_u32(bad, kHeader, 0);  // node count
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);

    // The first leaf of the first tree.
    std::size_t leaf = 0;
    while (!forest.nodes()[leaf].is_leaf()) ++leaf;
    const std::size_t record = root + leaf * 16;
    bad = good;
    overwrite_u32(bad, record + 4, forest.nodes()[leaf].leaf_size() + 1);  // leaf sizes no longer sum to max_samples
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_u32(bad, record + 4, 0);
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
    bad = good;
    overwrite_f64(bad, record + 8, 1.0);  // leaf value must be zero
    CHECK_THROWS_AS(IsolationForest::deserialize(bad), std::invalid_argument);
  }
  SUBCASE("garbage") {
    dais::Stream rng(1, dais::Purpose::test, 2);
    for (int trial = 0; trial < 200; ++trial) {
      std::string bad = good;
      for (int flips = 0; flips < 4; ++flips) bad[kHeader + rng.below(bad.size() - kHeader)] ^= 0x5A;
      try {
        const auto parsed = IsolationForest::deserialize(bad);
        CHECK(parsed.serialize() == bad);  // anything accepted is canonical and scores without crashing
        CHECK(parsed.score_one(rows.data()) > 0.0);
      } catch (const std::invalid_argument&) {
      }
    }
  }
}

TEST_CASE("bad fit and score input throws std::invalid_argument") {
  const auto rows = gaussian_rows(20, 2, 11);
  ForestParams params;
  CHECK_THROWS_AS(IsolationForest::fit(rows, 0, params), std::invalid_argument);
  CHECK_THROWS_AS(IsolationForest::fit(rows, 3, params), std::invalid_argument);
  CHECK_THROWS_AS(IsolationForest::fit({}, 2, params), std::invalid_argument);
  auto with_nan = rows;
  with_nan[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(IsolationForest::fit(with_nan, 2, params), std::invalid_argument);
  with_nan[5] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(IsolationForest::fit(with_nan, 2, params), std::invalid_argument);
  ForestParams bad = params;
  bad.n_estimators = 0;
  CHECK_THROWS_AS(IsolationForest::fit(rows, 2, bad), std::invalid_argument);
  bad = params;
  bad.max_samples = 0;
  CHECK_THROWS_AS(IsolationForest::fit(rows, 2, bad), std::invalid_argument);
  for (double c : {0.0, -0.1, 0.51, std::numeric_limits<double>::quiet_NaN()}) {
    bad = params;
    bad.contamination = c;
    CHECK_THROWS_AS(IsolationForest::fit(rows, 2, bad), std::invalid_argument);
  }
  const auto forest = IsolationForest::fit(rows, 2, params);
  std::vector<double> out(10);
  CHECK_THROWS_AS(forest.score(rows, 4, std::span<double>(out.data(), 5)), std::invalid_argument);
  CHECK_THROWS_AS(forest.score(rows, 2, out), std::invalid_argument);
  CHECK_THROWS_AS(forest.node_count(forest.tree_count()), std::invalid_argument);
}

TEST_CASE("ROC AUC on the shipped ODDS sets is within 0.02 of scikit-learn's") {
  const std::string folder = std::string(DAIS_SHARED_DATA) + "/if/";
  const auto references = dais::bench::load_iforest_reference(folder + "REFERENCE.md");
  REQUIRE(references.size() >= 2);
  for (const std::string name : {"breastw.csv", "ionosphere.csv"}) {
    CAPTURE(name);
    const auto reference = std::find_if(references.begin(), references.end(),
                                        [&](const auto& r) { return r.file == name; });
    REQUIRE(reference != references.end());
    const auto table = dais::bench::load_labelled_csv(folder + name);
    double total = 0.0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      const auto forest = IsolationForest::fit(table.features, table.cols(), params_with_seed(seed));
      total += dais::agents::roc_auc(forest.score(table.features, table.cols()), table.labels);
    }
    const double auc = total / 10.0;
    MESSAGE(name << ": AUC " << auc << " vs scikit-learn " << reference->auc_mean);
    CHECK(std::abs(auc - reference->auc_mean) <= 0.02);
  }
}

// Isolation Forest beyond the small ODDS sets: tens of thousands of rows, many
// features, subsamples larger than the default, and a planted cluster of
// anomalies that must still be found.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "agents/isolation_forest.h"
#include "agents/roc_auc.h"
#include "common/random.h"

using dais::agents::ForestParams;
using dais::agents::IsolationForest;

TEST_CASE("50k rows x 50 features with 1% shifted anomalies") {
  const std::size_t n = 50000, cols = 50;
  dais::Stream rng(9, dais::Purpose::test, 4);
  std::vector<float> rows(n * cols);
  std::vector<int> labels(n, 0);
  for (std::size_t r = 0; r < n; ++r) {
    labels[r] = r % 100 == 0 ? 1 : 0;
    for (std::size_t f = 0; f < cols; ++f) {
      const double shift = labels[r] && f < 10 ? 4.0 : 0.0;
      rows[r * cols + f] = static_cast<float>(rng.normal() + shift);
    }
  }
  ForestParams params;
  params.seed = 1;
  const auto forest = IsolationForest::fit(rows, cols, params);
  CHECK(forest.max_samples() == 256);
  CHECK(forest.training_rows() == n);
  const auto scores = forest.score(rows, cols);
  REQUIRE(scores.size() == n);
  CHECK(dais::agents::roc_auc(scores, labels) > 0.9);
  CHECK(IsolationForest::deserialize(forest.serialize()).score(rows, cols) == scores);

  SUBCASE("max_samples larger than the default and than the row count") {
    params.n_estimators = 10;
    params.max_samples = 20000;
    const auto wide = IsolationForest::fit(rows, cols, params);
    CHECK(wide.max_samples() == 20000);
    CHECK(wide.node_count(0) <= 2 * 20000 - 1);
    const std::vector<float> head(rows.begin(), rows.begin() + 37 * cols);
    const auto head_scores = wide.score(head, cols);
    for (std::size_t r = 0; r < 37; ++r) CHECK(head_scores[r] == wide.score_one(head.data() + r * cols));
    const std::vector<float> first(rows.begin(), rows.begin() + 300 * cols);
    params.max_samples = 1000;
    const auto clipped = IsolationForest::fit(first, cols, params);
    CHECK(clipped.max_samples() == 300);
    CHECK(clipped.score(first, cols).size() == 300);
  }
}

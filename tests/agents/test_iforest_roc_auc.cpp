// ROC AUC: Mann-Whitney with average ranks for ties, checked against direct
// pair counting, plus the degenerate and invalid inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "agents/roc_auc.h"
#include "common/random.h"

using dais::agents::roc_auc;

namespace {

// The definition: P(score of a positive > score of a negative) + half P(tie).
double auc_by_pairs(const std::vector<double>& scores, const std::vector<int>& labels) {
  double wins = 0.0, pairs = 0.0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] != 1) continue;
    for (std::size_t j = 0; j < scores.size(); ++j) {
      if (labels[j] != 0) continue;
      pairs += 1.0;
      wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
    }
  }
  return wins / pairs;
}

}  // namespace

TEST_CASE("perfect, reversed and uninformative rankings") {
  const std::vector<int> labels = {0, 0, 1, 1};
  CHECK(roc_auc(std::vector<double>{0.1, 0.2, 0.8, 0.9}, labels) == 1.0);
  CHECK(roc_auc(std::vector<double>{0.9, 0.8, 0.2, 0.1}, labels) == 0.0);
  CHECK(roc_auc(std::vector<double>{0.5, 0.5, 0.5, 0.5}, labels) == 0.5);
  // scikit-learn's documented example.
  CHECK(roc_auc(std::vector<double>{0.1, 0.4, 0.35, 0.8}, labels) == doctest::Approx(0.75));
}

TEST_CASE("ties count one half") {
  // Pairs: (1 vs 1) tie, (1 vs 2) loss, (2 vs 1) win, (2 vs 2) tie -> 2 / 4.
  CHECK(roc_auc(std::vector<double>{1, 1, 2, 2}, std::vector<int>{0, 1, 0, 1}) == 0.5);
  // One positive tied with one of two negatives and above the other: (1 + 0.5) / 2.
  CHECK(roc_auc(std::vector<double>{3, 3, 1}, std::vector<int>{1, 0, 0}) == 0.75);
}

TEST_CASE("agrees with pair counting on heavily tied random data") {
  dais::Stream rng(42, dais::Purpose::test, 3);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 2 + rng.below(300);
    std::vector<double> scores(n);
    std::vector<int> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
      labels[i] = rng.chance(0.3) ? 1 : 0;
      scores[i] = static_cast<double>(rng.below(8)) + (labels[i] ? 1.5 : 0.0);  // few distinct values
    }
    labels[0] = 0;
    labels[1] = 1;
    CHECK(roc_auc(scores, labels) == doctest::Approx(auc_by_pairs(scores, labels)).epsilon(1e-12));
  }
}

TEST_CASE("invalid input throws std::invalid_argument") {
  CHECK_THROWS_AS(roc_auc(std::vector<double>{1, 2}, std::vector<int>{0}), std::invalid_argument);
  CHECK_THROWS_AS(roc_auc(std::vector<double>{1, 2}, std::vector<int>{0, 2}), std::invalid_argument);
  CHECK_THROWS_AS(roc_auc(std::vector<double>{1, 2}, std::vector<int>{1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(roc_auc(std::vector<double>{1, 2}, std::vector<int>{0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(roc_auc(std::vector<double>{}, std::vector<int>{}), std::invalid_argument);
  CHECK_THROWS_AS(roc_auc(std::vector<double>{std::numeric_limits<double>::quiet_NaN(), 1.0}, std::vector<int>{0, 1}),
                  std::invalid_argument);
}

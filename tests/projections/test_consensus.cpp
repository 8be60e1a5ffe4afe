#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "common/random.h"
#include "projections/consensus.h"

using dais::projections::ConsensusParams;
using dais::projections::decide_at_deadline;
using dais::projections::evaluate;
using dais::projections::Outcome;
using dais::projections::Tally;

namespace {

Tally unweighted(std::uint32_t yes, std::uint32_t no) {
  Tally t;
  std::uint32_t agent = 0;
  for (std::uint32_t i = 0; i < yes; ++i) t.add_vote(agent++, true, 1.0);
  for (std::uint32_t i = 0; i < no; ++i) t.add_vote(agent++, false, 1.0);
  return t;
}

ConsensusParams params(double majority, double quorum, ConsensusParams::Tie tie = ConsensusParams::Tie::reject) {
  ConsensusParams p;
  p.majority = majority;
  p.quorum = quorum;
  p.tie = tie;
  return p;
}

const Outcome kMajority{true, "majority"};
const Outcome kMinority{false, "minority"};
const Outcome kNoQuorum{false, "no_quorum"};

}  // namespace

TEST_CASE("deadline rule: majority 0.51, 0.66 and 0.75") {
  struct Row {
    double majority;
    std::uint32_t yes, no, eligible;
    Outcome expected;
  };
  const std::vector<Row> table = {
      {0.51, 3, 2, 10, kMajority},     // 0.6
      {0.51, 2, 3, 10, kMinority},     // 0.4
      {0.51, 51, 49, 100, kMajority},  // exactly 0.51
      {0.51, 26, 25, 100, kMinority},  // 0.5098 < 0.51
      {0.66, 2, 1, 3, kMajority},      // 0.667
      {0.66, 3, 2, 5, kMinority},      // 0.6
      {0.66, 4, 2, 6, kMajority},
      {0.75, 3, 1, 8, kMajority},      // exactly 0.75
      {0.75, 5, 2, 7, kMinority},      // 0.714
      {0.75, 2, 1, 3, kMinority},
      {1.0, 4, 0, 4, kMajority},
      {1.0, 4, 1, 5, kMinority},
  };
  for (const auto& row : table) {
    CAPTURE(row.majority);
    CAPTURE(row.yes);
    CAPTURE(row.no);
    const auto t = unweighted(row.yes, row.no);
    CHECK(decide_at_deadline(t, row.eligible, params(row.majority, 0.5)) == row.expected);
  }
}

TEST_CASE("deadline rule: quorum counts ballots against eligible voters") {
  CHECK(decide_at_deadline(unweighted(2, 2), 10, params(0.51, 0.5)) == kNoQuorum);    // 4 < 5
  CHECK(decide_at_deadline(unweighted(5, 0), 10, params(0.51, 0.5)) == kMajority);    // 5 >= 5
  CHECK(decide_at_deadline(unweighted(3, 0), 4, params(0.51, 1.0)) == kNoQuorum);
  CHECK(decide_at_deadline(unweighted(4, 0), 4, params(0.51, 1.0)) == kMajority);
  // No ballot at all is never a decision by majority, even with quorum 0.
  CHECK(decide_at_deadline(unweighted(0, 0), 4, params(0.51, 0.0)) == kNoQuorum);
  CHECK(decide_at_deadline(unweighted(0, 0), 0, params(0.51, 0.0)) == kNoQuorum);
  CHECK(decide_at_deadline(unweighted(1, 0), 5, params(0.51, 0.0)) == kMajority);
}

TEST_CASE("deadline rule: the tie rule both ways") {
  const auto t = unweighted(3, 3);
  CHECK(decide_at_deadline(t, 6, params(0.51, 0.5, ConsensusParams::Tie::reject)) == Outcome{false, "tie"});
  CHECK(decide_at_deadline(t, 6, params(0.51, 0.5, ConsensusParams::Tie::accept)) == Outcome{true, "tie"});
  CHECK(decide_at_deadline(t, 6, params(0.75, 0.5, ConsensusParams::Tie::accept)) == Outcome{true, "tie"});
  // Weights that tie only up to rounding (0.1 + 0.2 vs 0.3) are a tie.
  Tally w;
  w.add_vote(1, true, 0.1);
  w.add_vote(2, true, 0.2);
  w.add_vote(3, false, 0.3);
  CHECK(decide_at_deadline(w, 3, params(0.51, 0.5)) == Outcome{false, "tie"});
}

TEST_CASE("deadline rule: weights, not heads, decide") {
  Tally t;
  t.add_support(0, 2.0);
  t.add_vote(1, false, 0.9);
  t.add_vote(2, false, 0.9);
  CHECK(t.yes == 1);
  CHECK(t.no == 2);
  CHECK(decide_at_deadline(t, 3, params(0.51, 0.5)) == kMajority);  // 2.0 / 3.8 = 0.526
  CHECK(decide_at_deadline(t, 3, params(0.66, 0.5)) == kMinority);
}

TEST_CASE("a tally keeps one ballot per agent") {
  Tally t;
  CHECK(t.add_support(7, 1.0));
  CHECK_FALSE(t.add_vote(7, false, 1.0));
  CHECK_FALSE(t.add_support(7, 1.0));
  CHECK(t.add_vote(8, false, 0.5));
  CHECK(t.has_ballot(7));
  CHECK_FALSE(t.has_ballot(9));
  CHECK(t.yes == 1);
  CHECK(t.no == 1);
  CHECK(t.yes_weight == 1.0);
  CHECK(t.no_weight == 0.5);
  CHECK(t.cast() == 2);
}

TEST_CASE("evaluate decides early only when the outcome is settled") {
  const auto p = params(0.51, 0.5);
  // 3 of 5 yes: even if the other two vote no, 3/5 = 0.6 >= 0.51.
  CHECK(evaluate(unweighted(3, 0), 5, p, 1, 3) == std::optional<Outcome>(kMajority));
  // 3 of 5 no: the best case is 2/5.
  CHECK(evaluate(unweighted(0, 3), 5, p, 1, 3) == std::optional<Outcome>(kMinority));
  // Quorum not yet met: wait.
  CHECK_FALSE(evaluate(unweighted(2, 0), 5, p, 1, 3).has_value());
  // 2 yes 1 no of 5: the rest could swing it either way.
  CHECK_FALSE(evaluate(unweighted(2, 1), 5, p, 1, 3).has_value());
  // With reputation, the two outstanding ballots may weigh up to 2.0 each: 3 / (3 + 4) < 0.51.
  auto weighted = p;
  weighted.reputation = true;
  CHECK_FALSE(evaluate(unweighted(3, 0), 5, weighted, 1, 3).has_value());
  CHECK(evaluate(unweighted(5, 0), 6, weighted, 1, 3) == std::optional<Outcome>(kMajority));  // 5/7
  // Everyone has voted: decided, including a tie.
  CHECK(evaluate(unweighted(2, 2), 4, p, 1, 3) == std::optional<Outcome>(Outcome{false, "tie"}));
  // At or after the deadline there is always a decision.
  CHECK(evaluate(unweighted(2, 1), 5, p, 3, 3) == std::optional<Outcome>(kMajority));
  CHECK(evaluate(unweighted(1, 0), 5, p, 4, 3) == std::optional<Outcome>(kNoQuorum));
  // A reachable tie blocks an early decision even when both tie and majority would reject.
  CHECK_FALSE(evaluate(unweighted(1, 2), 5, params(0.66, 0.5), 1, 3).has_value());
}

TEST_CASE("validate rejects parameters out of range") {
  CHECK_NOTHROW(dais::projections::validate(ConsensusParams{}));
  CHECK_THROWS_AS(dais::projections::validate(params(0.5, 0.5)), std::invalid_argument);
  CHECK_THROWS_AS(dais::projections::validate(params(1.01, 0.5)), std::invalid_argument);
  CHECK_THROWS_AS(dais::projections::validate(params(0.6, -0.1)), std::invalid_argument);
  CHECK_THROWS_AS(dais::projections::validate(params(0.6, 1.1)), std::invalid_argument);
  auto no_window = params(0.6, 0.5);
  no_window.window = 0;
  CHECK_THROWS_WITH_AS(dais::projections::validate(no_window), doctest::Contains("window"), std::invalid_argument);
}

// The promise of the header: an early decision equals the deadline decision of
// every way the vote can still go (each outstanding voter: abstain, yes or no).
TEST_CASE("property: early decisions never contradict the deadline") {
  dais::Stream rng(2024, dais::Purpose::test);
  const double majorities[] = {0.51, 0.6, 0.66, 0.75, 1.0};
  const double quorums[] = {0.0, 0.25, 0.5, 0.75, 1.0};
  const double weight_choices[] = {0.1, 0.5, 1.0, 1.0, 1.5, 2.0};
  std::uint64_t early = 0, early_with_outstanding = 0, completions_checked = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    ConsensusParams p;
    p.majority = majorities[rng.below(5)];
    p.quorum = quorums[rng.below(5)];
    p.tie = rng.chance(0.5) ? ConsensusParams::Tie::accept : ConsensusParams::Tie::reject;
    p.reputation = rng.chance(0.5);
    const auto eligible = static_cast<std::uint32_t>(1 + rng.below(10));
    std::vector<double> weight(eligible, 1.0);
    if (p.reputation) {
      for (auto& w : weight) w = rng.chance(0.3) ? rng.uniform(0.1, 2.0) : weight_choices[rng.below(6)];
    }
    std::vector<std::uint32_t> order(eligible);
    std::iota(order.begin(), order.end(), 0u);
    for (std::uint32_t i = eligible; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    const auto cast = static_cast<std::uint32_t>(rng.below(eligible + 1));
    const double yes_bias = rng.uniform();
    Tally partial;
    for (std::uint32_t i = 0; i < cast; ++i) partial.add_vote(order[i], rng.chance(yes_bias), weight[order[i]]);

    const auto decided = evaluate(partial, eligible, p, 1, 5);
    if (!decided) continue;
    ++early;
    const std::uint32_t outstanding = eligible - cast;
    if (outstanding > 0) ++early_with_outstanding;
    std::uint64_t combos = 1;
    for (std::uint32_t i = 0; i < outstanding; ++i) combos *= 3;
    for (std::uint64_t c = 0; c < combos; ++c) {
      Tally final_tally = partial;
      std::uint64_t code = c;
      for (std::uint32_t i = cast; i < eligible; ++i, code /= 3) {
        if (code % 3 == 1) final_tally.add_vote(order[i], true, weight[order[i]]);
        if (code % 3 == 2) final_tally.add_vote(order[i], false, weight[order[i]]);
      }
      const auto at_deadline = evaluate(final_tally, eligible, p, 5, 5);
      REQUIRE(at_deadline.has_value());
      if (!(*at_deadline == *decided)) {
        CAPTURE(trial);
        CAPTURE(c);
        CHECK(at_deadline->reason == decided->reason);
        REQUIRE(at_deadline->accepted == decided->accepted);
      }
      ++completions_checked;
    }
  }
  // The property is not vacuous: many decisions were made while ballots were outstanding.
  CHECK(early_with_outstanding > 1000);
  CHECK(completions_checked > early);
  MESSAGE("early decisions: " << early << " (with outstanding ballots: " << early_with_outstanding
                              << "), completions checked: " << completions_checked);
}

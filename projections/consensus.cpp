#include "projections/consensus.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dais::projections {

namespace {

constexpr double kTieTolerance = 1e-9;     // relative to yes + no weight
constexpr double kEarlyMargin = 1e-8;      // on shares, see the header

bool quorum_met(std::uint32_t cast, std::uint32_t eligible, double quorum) {
  return cast > 0 && static_cast<double>(cast) >= quorum * static_cast<double>(eligible);
}

bool is_tie(double yes, double no) { return std::fabs(yes - no) <= kTieTolerance * (yes + no); }

}  // namespace

void validate(const ConsensusParams& p) {
  if (!(p.majority > 0.5 && p.majority <= 1.0)) {
    throw std::invalid_argument("consensus.majority must be in (0.5, 1], got " + std::to_string(p.majority));
  }
  if (!(p.quorum >= 0.0 && p.quorum <= 1.0)) {
    throw std::invalid_argument("consensus.quorum must be in [0, 1], got " + std::to_string(p.quorum));
  }
  if (p.window == 0) throw std::invalid_argument("consensus.window must be at least 1");
}

bool Tally::add_vote(std::uint32_t agent, bool approve, double weight) {
  if (!agents_.insert(agent).second) return false;
  if (approve) {
    ++yes;
    yes_weight += weight;
  } else {
    ++no;
    no_weight += weight;
  }
  return true;
}

Outcome decide_at_deadline(const Tally& t, std::uint32_t eligible_voters, const ConsensusParams& p) {
  if (!quorum_met(t.cast(), eligible_voters, p.quorum)) return {false, reason::no_quorum};
  if (is_tie(t.yes_weight, t.no_weight)) return {p.tie == ConsensusParams::Tie::accept, reason::tie};
  const double share = t.yes_weight / (t.yes_weight + t.no_weight);
  if (share >= p.majority) return {true, reason::majority};
  return {false, reason::minority};
}

std::optional<Outcome> evaluate(const Tally& t, std::uint32_t eligible_voters, const ConsensusParams& p,
                                std::uint64_t current_step, std::uint64_t deadline_step) {
  if (current_step >= deadline_step) return decide_at_deadline(t, eligible_voters, p);
  const std::uint32_t cast = t.cast();
  if (cast >= eligible_voters) return decide_at_deadline(t, eligible_voters, p);
  if (!quorum_met(cast, eligible_voters, p.quorum)) return std::nullopt;

  const double max_weight = p.reputation ? kMaxReputationWeight : 1.0;
  const double outstanding = static_cast<double>(eligible_voters - cast) * max_weight;
  const double yes = t.yes_weight;
  const double no = t.no_weight;
  const double lowest = yes + no + outstanding > 0 ? yes / (yes + no + outstanding) : 0.5;
  const double highest = yes + no + outstanding > 0 ? (yes + outstanding) / (yes + no + outstanding) : 0.5;
  const bool tie_reachable = lowest <= 0.5 + kEarlyMargin && highest >= 0.5 - kEarlyMargin;
  if (tie_reachable) return std::nullopt;
  if (lowest >= p.majority + kEarlyMargin) return Outcome{true, reason::majority};
  if (highest < p.majority - kEarlyMargin) return Outcome{false, reason::minority};
  return std::nullopt;
}

}  // namespace dais::projections

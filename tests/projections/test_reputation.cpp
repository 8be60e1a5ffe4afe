#include <doctest/doctest.h>

#include <map>
#include <vector>

#include "projections/consensus.h"

using dais::events::ConsensusReached;
using dais::events::VoteCast;
using dais::projections::kMaxReputationWeight;
using dais::projections::kMinReputationWeight;
using dais::projections::Reputation;

namespace {

ConsensusReached decided(bool accepted, std::string reason) {
  // Designated initialisers: GCC 12 warns falsely (-Wrestrict) on assigning a literal to the string member.
  return ConsensusReached{
      .signature_id = "s", .accepted = accepted, .reason = std::move(reason), .indicator = "", .expires_step = 0};
}

std::map<std::uint32_t, VoteCast> ballots(std::initializer_list<std::pair<std::uint32_t, bool>> list) {
  std::map<std::uint32_t, VoteCast> m;
  for (auto [voter, approve] : list) m[voter] = VoteCast{"s", voter, approve, 0, 0, 1};
  return m;
}

}  // namespace

TEST_CASE("disabled reputation keeps every weight at 1") {
  Reputation r(false);
  const std::vector<std::uint32_t> supporters = {0};
  r.record(decided(false, "minority"), 0, supporters, ballots({{1, true}, {2, false}}));
  CHECK(r.weight(0) == 1.0);
  CHECK(r.weight(1) == 1.0);
  CHECK(r.weight(2) == 1.0);
}

TEST_CASE("agreeing with the outcome gains weight, disagreeing loses it; the proposer more so") {
  Reputation r(true);
  const std::vector<std::uint32_t> supporters = {0, 3};  // proposer 0, endorser 3
  r.record(decided(true, "majority"), 0, supporters, ballots({{1, true}, {2, false}}));
  CHECK(r.weight(0) == doctest::Approx(1.10));
  CHECK(r.weight(3) == doctest::Approx(1.05));
  CHECK(r.weight(1) == doctest::Approx(1.05));
  CHECK(r.weight(2) == doctest::Approx(0.90));
  CHECK(r.weight(4) == 1.0);  // not involved

  Reputation rejected(true);
  rejected.record(decided(false, "minority"), 0, supporters, ballots({{1, true}, {2, false}}));
  CHECK(rejected.weight(0) == doctest::Approx(0.80));
  CHECK(rejected.weight(3) == doctest::Approx(0.90));
  CHECK(rejected.weight(1) == doctest::Approx(0.90));
  CHECK(rejected.weight(2) == doctest::Approx(1.05));

}

TEST_CASE("ties, missing quorums and protected addresses carry no verdict") {
  Reputation r(true);
  const std::vector<std::uint32_t> supporters = {0};
  r.record(decided(false, "tie"), 0, supporters, ballots({{1, false}}));
  r.record(decided(false, "no_quorum"), 0, supporters, ballots({{1, false}}));
  r.record(decided(false, "protected_address"), 0, supporters, {});
  CHECK(r.weight(0) == 1.0);
  CHECK(r.weight(1) == 1.0);
  CHECK(Reputation::is_verdict("majority"));
  CHECK(Reputation::is_verdict("minority"));
  CHECK_FALSE(Reputation::is_verdict("tie"));
  CHECK_FALSE(Reputation::is_verdict("protected_address"));
}

TEST_CASE("each agent is judged once per decision, the proposer as proposer") {
  Reputation r(true);
  const std::vector<std::uint32_t> supporters = {0, 0, 1};
  r.record(decided(true, "majority"), 0, supporters, ballots({{0, true}, {1, true}}));
  CHECK(r.weight(0) == doctest::Approx(1.10));
  CHECK(r.weight(1) == doctest::Approx(1.05));
}

TEST_CASE("weights stay within bounds") {
  Reputation r(true);
  const std::vector<std::uint32_t> supporters = {0};
  for (int i = 0; i < 200; ++i) r.record(decided(true, "majority"), 0, supporters, ballots({{1, true}, {2, false}}));
  CHECK(r.weight(0) == kMaxReputationWeight);
  CHECK(r.weight(1) == kMaxReputationWeight);
  CHECK(r.weight(2) == kMinReputationWeight);
  // A liar at the floor recovers only by agreeing.
  r.record(decided(false, "minority"), 0, supporters, ballots({{2, false}}));
  CHECK(r.weight(2) > kMinReputationWeight);
  CHECK(r.weight(0) < kMaxReputationWeight);
}

TEST_CASE("reputation round-trips through JSON") {
  Reputation r(true);
  r.record(decided(true, "majority"), 3, std::vector<std::uint32_t>{3}, ballots({{1, false}}));
  const auto copy = Reputation::from_json(r.to_json());
  CHECK(copy == r);
  CHECK(copy.weight(3) == r.weight(3));
  CHECK_THROWS(Reputation::from_json(nlohmann::json{{"enabled", true}}));
}

TEST_CASE("evidence mode: votes change nothing, later evidence does") {
  Reputation r(true, true);
  const std::vector<std::uint32_t> supporters = {0, 3};  // proposer 0, endorser 3
  const auto votes = ballots({{1, true}, {2, false}, {4, true}});
  // A bloc that wins its votes earns nothing from them.
  r.record(decided(true, "majority"), 0, supporters, votes);
  for (std::uint32_t a = 0; a < 5; ++a) CHECK(r.weight(a) == 1.0);

  SUBCASE("a dispute lowers the proposer and everyone who backed it, except the disputer") {
    r.record_evidence(true, 4, 0, supporters, votes);  // 4 voted yes, then saw the source behave benignly
    CHECK(r.weight(0) == doctest::Approx(0.80));
    CHECK(r.weight(3) == doctest::Approx(0.90));
    CHECK(r.weight(1) == doctest::Approx(0.90));
    CHECK(r.weight(4) == 1.0);
    CHECK(r.weight(2) == 1.0);  // voted no: not a backer
  }
  SUBCASE("a corroboration by an agent that did not back it raises the backers") {
    r.record_evidence(false, 2, 0, supporters, votes);
    CHECK(r.weight(0) == doctest::Approx(1.10));
    CHECK(r.weight(3) == doctest::Approx(1.05));
    CHECK(r.weight(1) == doctest::Approx(1.05));
    CHECK(r.weight(4) == doctest::Approx(1.05));
    CHECK(r.weight(2) == 1.0);
  }
  SUBCASE("a backer vouching for its own ballot changes nothing") {
    r.record_evidence(false, 1, 0, supporters, votes);
    r.record_evidence(false, 3, 0, supporters, votes);
    r.record_evidence(false, 0, 0, supporters, votes);
    for (std::uint32_t a = 0; a < 5; ++a) CHECK(r.weight(a) == 1.0);
  }
  SUBCASE("the mode survives a JSON round trip") {
    r.record_evidence(true, 2, 0, supporters, votes);
    const auto back = Reputation::from_json(r.to_json());
    CHECK(back == r);
    CHECK(back.evidence());
  }
}

TEST_CASE("without evidence mode, record_evidence changes nothing") {
  Reputation r(true);
  const std::vector<std::uint32_t> supporters = {0};
  r.record_evidence(true, 2, 0, supporters, ballots({{1, true}}));
  CHECK(r.weight(0) == 1.0);
  CHECK(r.weight(1) == 1.0);
}

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "server/consensus_round.h"

using namespace dais;
using server::ConsensusRound;
using server::Finding;
using server::Produced;

namespace {

constexpr std::uint32_t kIndicator = 0xc6336401;  // 198.51.100.1

server::EngineSettings round_settings() {
  server::EngineSettings settings;
  settings.seed = 5;
  settings.blacklist_expiry = 10;
  settings.consensus.window = 3;
  settings.consensus.committee = 0;  // every other active agent
  return settings;
}

agents::Signature signature(const std::string& id, std::uint32_t indicator = kIndicator) {
  agents::Signature s;
  s.id = id;
  s.indicator = indicator;
  s.confidence = 0.8;
  s.observations = 4;
  return s;
}

std::vector<std::string> types(const std::vector<Produced>& out) {
  std::vector<std::string> names;
  for (const auto& p : out) names.push_back(p.type);
  return names;
}

// Every ballot owed, filled in with the same choice.
std::vector<std::vector<server::Ballot>> all_voting(ConsensusRound& round, std::size_t agents,
                                                    const std::vector<std::uint32_t>& active, bool approve,
                                                    std::uint64_t step) {
  auto ballots = round.ballots_owed(agents, active, step);
  for (auto& group : ballots) {
    for (auto& b : group) b.vote.approve = approve;
  }
  return ballots;
}

const std::vector<std::uint32_t> kAllUp{0, 1, 2, 3};

}  // namespace

TEST_CASE("a proposal collects endorsements and ballots, is accepted, and blocks its indicator until it expires") {
  ConsensusRound round(round_settings());
  std::vector<Produced> out;
  events::StepCompleted stats;
  const auto sig = signature("aaaa000000000001");

  round.offer(4, Finding{sig, 0, false, false}, kAllUp, out, stats);
  REQUIRE(types(out) == std::vector<std::string>{"SignatureProposed"});
  CHECK(out[0].step == 4);
  CHECK(out[0].data["deadline_step"] == 6);
  CHECK(out[0].data["indicator"] == "198.51.100.1");
  CHECK(stats.proposed == 1);
  REQUIRE(round.open_count() == 1);
  CHECK(round.open(0).committee == std::vector<std::uint32_t>{1, 2, 3});

  round.offer(4, Finding{sig, 0, false, false}, kAllUp, out, stats);  // its proposer again: nothing
  CHECK(out.size() == 1);
  round.offer(4, Finding{sig, 1, false, false}, kAllUp, out, stats);
  CHECK(types(out).back() == "SignatureEndorsed");
  CHECK(stats.endorsed == 1);

  // The endorser holds a ballot already; the other two members owe one each.
  auto ballots = all_voting(round, 4, kAllUp, true, 4);
  CHECK(ballots[0].empty());
  CHECK(ballots[1].empty());
  REQUIRE(ballots[2].size() == 1);
  REQUIRE(ballots[3].size() == 1);
  CHECK(ballots[2][0].vote.signature_id == sig.id);
  CHECK(ballots[2][0].vote.voter == 2);
  CHECK(ballots[2][0].vote.weight == 1.0);
  out.clear();
  round.record(4, std::move(ballots), out, stats);
  REQUIRE(types(out) == std::vector<std::string>{"VoteCast", "VoteCast"});
  CHECK(out[0].data["voter"] == 2);
  CHECK(out[1].data["voter"] == 3);
  CHECK(stats.votes == 2);
  for (const auto& group : round.ballots_owed(4, kAllUp, 4)) CHECK(group.empty());

  out.clear();
  const auto accepted = round.decide(4, out, stats);  // every ballot is in: no need to wait for the deadline
  REQUIRE(accepted.size() == 1);
  CHECK(accepted[0].signature_id == sig.id);
  CHECK(accepted[0].indicator == kIndicator);
  REQUIRE(types(out) == std::vector<std::string>{"ConsensusReached"});
  CHECK(out[0].data["accepted"] == true);
  CHECK(out[0].data["reason"] == "majority");
  CHECK(out[0].data["yes"] == 4);
  CHECK(out[0].data["voters"] == 4);
  CHECK(out[0].data["expires_step"] == 14);
  CHECK(stats.accepted == 1);
  CHECK(round.open_count() == 0);
  REQUIRE(round.network_blacklist().count(kIndicator) == 1);
  CHECK(round.network_blacklist().at(kIndicator).signature_id == sig.id);
  CHECK(round.network_blacklist().at(kIndicator).expires_step == 14);

  // Another finding for a blocked indicator is not proposed while the block is in force.
  out.clear();
  round.offer(5, Finding{signature("aaaa000000000002"), 2, false, false}, kAllUp, out, stats);
  CHECK(out.empty());

  round.expire(13);
  CHECK(round.network_blacklist().count(kIndicator) == 1);
  round.expire(14);
  CHECK(round.network_blacklist().empty());
}

TEST_CASE("a rejected signature is not proposed again within a consensus window; ground truth is counted") {
  ConsensusRound round(round_settings());
  std::vector<Produced> out;
  events::StepCompleted stats;
  const auto poison = signature("bbbb000000000001");

  round.offer(4, Finding{poison, 0, true, true}, kAllUp, out, stats);
  round.record(4, all_voting(round, 4, kAllUp, false, 4), out, stats);
  out.clear();
  CHECK(round.decide(4, out, stats).empty());
  REQUIRE(types(out) == std::vector<std::string>{"ConsensusReached"});
  CHECK(out[0].data["accepted"] == false);
  CHECK(out[0].data["reason"] == "minority");
  CHECK(out[0].data["yes"] == 1);
  CHECK(out[0].data["no"] == 3);
  CHECK(stats.rejected == 1);
  CHECK(round.network_blacklist().empty());
  CHECK(round.ground_truth().poisoned_proposed == 1);
  CHECK(round.ground_truth().benign_signatures_proposed == 1);
  CHECK(round.ground_truth().poisoned_accepted == 0);
  CHECK(round.ground_truth().benign_signatures_accepted == 0);

  out.clear();
  round.offer(5, Finding{poison, 0, true, true}, kAllUp, out, stats);
  round.offer(6, Finding{poison, 1, true, true}, kAllUp, out, stats);
  CHECK(out.empty());
  round.offer(7, Finding{poison, 0, true, true}, kAllUp, out, stats);
  CHECK(types(out) == std::vector<std::string>{"SignatureProposed"});
  CHECK(round.ground_truth().poisoned_proposed == 2);
}

TEST_CASE("a protected indicator is rejected at once, without a vote") {
  auto settings = round_settings();
  settings.protected_addresses = {"10.0.0.0/24"};
  ConsensusRound round(settings);
  std::vector<Produced> out;
  events::StepCompleted stats;

  round.offer(2, Finding{signature("cccc000000000001", 0x0a000007), 1, false, true}, kAllUp, out, stats);
  REQUIRE(types(out) == std::vector<std::string>{"SignatureProposed", "ConsensusReached"});
  CHECK(out[1].data["accepted"] == false);
  CHECK(out[1].data["reason"] == "protected_address");
  CHECK(out[1].data["indicator"] == "10.0.0.7");
  CHECK(stats.proposed == 1);
  CHECK(stats.rejected == 1);
  CHECK(round.open_count() == 0);
  CHECK(round.ground_truth().protected_rejections == 1);
}

TEST_CASE("crashed members owe no ballot and weigh on the quorum until the deadline") {
  ConsensusRound round(round_settings());
  std::vector<Produced> out;
  events::StepCompleted stats;
  round.offer(4, Finding{signature("dddd000000000001"), 0, false, false}, kAllUp, out, stats);
  round.offer(4, Finding{signature("dddd000000000002", kIndicator + 1), 0, false, false}, kAllUp, out, stats);

  // Agents 2 and 3 crash after the proposal: the electorate stays at four.
  const std::vector<std::uint32_t> up{0, 1};
  auto ballots = round.ballots_owed(4, up, 4);
  REQUIRE(ballots[1].size() == 2);
  CHECK(ballots[2].empty());
  CHECK(ballots[3].empty());
  ballots[1][0].vote.approve = true;  // the first signature gets agent 1's yes
  ballots[1].pop_back();              // the second gets no ballot at all
  round.record(4, std::move(ballots), out, stats);

  out.clear();
  CHECK(round.decide(4, out, stats).empty());
  CHECK(round.decide(5, out, stats).empty());
  CHECK(out.empty());
  CHECK(round.open_count() == 2);

  const auto accepted = round.decide(6, out, stats);  // the deadline
  REQUIRE(types(out) == std::vector<std::string>{"ConsensusReached", "ConsensusReached"});
  CHECK(out[0].data["signature_id"] == "dddd000000000001");
  CHECK(out[0].data["reason"] == "majority");  // two of four cast: the quorum of one half is met
  CHECK(out[1].data["signature_id"] == "dddd000000000002");
  CHECK(out[1].data["reason"] == "no_quorum");
  REQUIRE(accepted.size() == 1);
  CHECK(accepted[0].signature_id == "dddd000000000001");
  CHECK(round.open_count() == 0);
}

TEST_CASE("ballots are recorded by signature in proposal order, then by voter") {
  ConsensusRound round(round_settings());
  std::vector<Produced> out;
  events::StepCompleted stats;
  round.offer(1, Finding{signature("eeee000000000002", kIndicator + 2), 0, false, false}, kAllUp, out, stats);
  round.offer(1, Finding{signature("eeee000000000001", kIndicator + 1), 1, false, false}, kAllUp, out, stats);
  out.clear();
  round.record(1, all_voting(round, 4, kAllUp, true, 1), out, stats);
  std::vector<std::pair<std::string, int>> order;
  for (const auto& p : out) order.emplace_back(p.data["signature_id"].get<std::string>(), p.data["voter"].get<int>());
  CHECK(order == std::vector<std::pair<std::string, int>>{{"eeee000000000002", 1},
                                                          {"eeee000000000002", 2},
                                                          {"eeee000000000002", 3},
                                                          {"eeee000000000001", 0},
                                                          {"eeee000000000001", 2},
                                                          {"eeee000000000001", 3}});
}

TEST_CASE("an agent that voted on a signature cannot endorse it afterwards: its logged vote stands") {
  ConsensusRound round(round_settings());
  std::vector<Produced> out;
  events::StepCompleted stats;
  const auto sig = signature("ffff000000000001");
  round.offer(4, Finding{sig, 0, false, false}, kAllUp, out, stats);

  // Agents 1, 2 and 3 vote no while the window is open (deadline step 6).
  round.record(4, all_voting(round, 4, kAllUp, false, 4), out, stats);
  // Agent 2 then finds the same signature itself: no endorsement, no second ballot.
  out.clear();
  round.offer(5, Finding{sig, 2, false, false}, kAllUp, out, stats);
  CHECK(out.empty());
  CHECK(stats.endorsed == 0);

  out.clear();
  CHECK(round.decide(5, out, stats).empty());
  REQUIRE(types(out) == std::vector<std::string>{"ConsensusReached"});
  CHECK(out[0].data["yes"] == 1);  // the proposer alone
  CHECK(out[0].data["no"] == 3);   // agent 2's no is the ballot that counts
  CHECK(out[0].data["accepted"] == false);
}

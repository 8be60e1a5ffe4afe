#include <doctest/doctest.h>

#include "events/evidence.h"
#include "projections/fold.h"
#include "projections/signatures.h"
#include "tests/projections/event_log.h"

using namespace dais;
using dais::projections::ProjectionError;
using dais::projections::Signatures;
using dais::projections::SignatureStatus;
using dais::test::decision;
using dais::test::EventLog;
using dais::test::proposal;
using dais::test::vote;

namespace {

Signatures fold(const EventLog& log) {
  Signatures s;
  for (const auto& e : log.events()) s.apply(e);
  return s;
}

}  // namespace

TEST_CASE("a signature from proposal through endorsement and votes to acceptance") {
  EventLog log;
  log.add(0, test::run_started(4, false));
  log.add(1, proposal("s1", 0, "203.0.113.7", 3));
  log.add(1, events::SignatureEndorsed{"s1", 2, 0.6, 5});
  log.add(1, vote("s1", 1, true, 1.0));
  log.add(2, vote("s1", 3, false, 0.5));

  auto s = fold(log);
  const auto* r = s.find("s1");
  REQUIRE(r != nullptr);
  CHECK(r->status == SignatureStatus::pending);
  CHECK(r->indicator == "203.0.113.7");
  CHECK(r->proposer == 0);
  CHECK(r->proposed_step == 1);
  CHECK(r->deadline_step == 3);
  REQUIRE(r->endorsers.size() == 1);
  CHECK(r->endorsers[0].agent == 2);
  CHECK(r->endorsers[0].observations == 5);
  REQUIRE(r->votes.size() == 2);
  CHECK(r->votes[1].voter == 3);
  CHECK(r->votes[1].weight == 0.5);
  CHECK(r->votes[1].step == 2);
  CHECK(r->votes_approve == 1);
  CHECK(r->votes_reject == 1);
  CHECK_FALSE(r->decided_step.has_value());
  CHECK(s.pending_due_at(3) == std::vector<std::string>{"s1"});
  CHECK(s.pending_due_at(2).empty());
  CHECK(s.pending_due_by(5) == std::vector<std::string>{"s1"});
  auto pending_view = Signatures::view(*r, true);
  CHECK(pending_view["yes"].is_null());
  CHECK(pending_view["decided_step"].is_null());
  CHECK(pending_view["votes"].size() == 2);

  auto d = decision("s1", true, "majority", "203.0.113.7", 202);
  d.yes = 3;
  d.no = 1;
  d.voters = 4;
  d.yes_weight = 3.0;
  d.no_weight = 0.5;
  log.add(2, d);
  s = fold(log);
  r = s.find("s1");
  CHECK(r->status == SignatureStatus::accepted);
  CHECK(r->decided_step == 2u);
  CHECK(r->reason == "majority");
  CHECK(r->yes == 3u);
  CHECK(r->no == 1u);
  CHECK(r->voters == 4u);
  CHECK(r->yes_weight == 3.0);
  CHECK(r->expires_step == 202u);
  CHECK(s.pending_due_at(3).empty());
  CHECK(s.counts().accepted == 1);
  CHECK(s.counts().pending == 0);
  const auto view = Signatures::view(*r, true);
  CHECK(view["status"] == "accepted");
  CHECK(view["votes"][0]["voter"] == 1);
  CHECK(view["centroid"] == nlohmann::json({0.5, 1.5, 2.5}));
  CHECK_FALSE(Signatures::view(*r, false).contains("votes"));
}

TEST_CASE("lists are in proposal order and filter by status; deadlines index pending ones") {
  EventLog log;
  log.add(1, proposal("zz", 0, "198.51.100.1", 3));
  log.add(1, proposal("aa", 1, "198.51.100.2", 3));
  log.add(2, proposal("mm", 2, "198.51.100.3", 4));
  log.add(2, decision("aa", false, "minority", "198.51.100.2"));
  const auto s = fold(log);
  std::vector<std::string> ids;
  for (const auto* r : s.list()) ids.push_back(r->id);
  CHECK(ids == std::vector<std::string>{"zz", "aa", "mm"});
  ids.clear();
  for (const auto* r : s.list(SignatureStatus::pending)) ids.push_back(r->id);
  CHECK(ids == std::vector<std::string>{"zz", "mm"});
  CHECK(s.list(SignatureStatus::rejected).size() == 1);
  CHECK(s.list(SignatureStatus::accepted).empty());
  CHECK(s.pending_due_at(3) == std::vector<std::string>{"zz"});
  CHECK(s.pending_due_by(4) == std::vector<std::string>{"zz", "mm"});
  CHECK(s.counts().pending == 2);
  CHECK(s.counts().rejected == 1);
  CHECK(s.counts().total() == 3);
  const auto page = s.list_json(std::nullopt, 1, 1);
  CHECK(page["total"] == 3);
  REQUIRE(page["signatures"].size() == 1);
  CHECK(page["signatures"][0]["id"] == "aa");
  CHECK(s.list_json(SignatureStatus::pending, 5, 10)["signatures"].empty());
  CHECK(s.counts_json()["pending"] == 2);
  CHECK(projections::parse_signature_status("accepted") == SignatureStatus::accepted);
  CHECK_FALSE(projections::parse_signature_status("done").has_value());
}

TEST_CASE("a decided signature proposed again opens a new round") {
  EventLog log;
  log.add(1, proposal("s", 0, "192.0.2.9", 2));
  log.add(1, vote("s", 1, false));
  log.add(2, decision("s", false, "minority", "192.0.2.9"));
  log.add(3, proposal("other", 1, "192.0.2.10", 5));
  log.add(5, proposal("s", 2, "192.0.2.9", 7));
  const auto s = fold(log);
  const auto* r = s.find("s");
  REQUIRE(r != nullptr);
  CHECK(r->status == SignatureStatus::pending);
  CHECK(r->round == 2);
  CHECK(r->proposer == 2);
  CHECK(r->votes.empty());
  REQUIRE(r->history.size() == 1);
  CHECK(r->history[0].reason == "minority");
  CHECK(r->history[0].decided_step == 2);
  CHECK(s.counts().rejected == 0);
  CHECK(s.counts().pending == 2);
  CHECK(s.list().back()->id == "s");
}

TEST_CASE("inconsistent logs are refused with the seq named") {
  auto expect_error = [](EventLog& log, const char* fragment) {
    Signatures s;
    const auto& events = log.events();
    for (std::size_t i = 0; i + 1 < events.size(); ++i) s.apply(events[i]);
    const std::string prefix = "event seq " + std::to_string(events.back().seq);
    CHECK_THROWS_WITH_AS(s.apply(events.back()), doctest::Contains(prefix.c_str()), ProjectionError);
    CHECK_THROWS_WITH_AS(s.apply(events.back()), doctest::Contains(fragment), ProjectionError);
  };
  {
    EventLog log;
    log.add(1, vote("nope", 1, true));
    expect_error(log, "unknown signature nope");
  }
  {
    EventLog log;
    log.add(1, proposal("s", 0, "192.0.2.1", 3));
    log.add(1, vote("s", 1, true));
    log.add(1, vote("s", 1, false));
    expect_error(log, "already voted");
  }
  {
    EventLog log;
    log.add(1, proposal("s", 0, "192.0.2.1", 3));
    log.add(1, decision("s", true, "majority", "192.0.2.1", 9));
    log.add(2, events::SignatureEndorsed{"s", 3, 0.5, 2});
    expect_error(log, "not pending");
  }
  {
    EventLog log;
    log.add(1, proposal("s", 0, "192.0.2.1", 3));
    log.add(1, proposal("s", 1, "192.0.2.1", 3));
    expect_error(log, "already pending");
  }
  {
    EventLog log;
    log.add(1, proposal("s", 0, "192.0.2.1", 3));
    auto data = nlohmann::json(vote("s", 1, true));
    data.erase("voter");
    log.add_raw(1, events::type::vote_cast, data);
    expect_error(log, "voter");
  }
  {
    EventLog log;
    auto data = nlohmann::json(proposal("s", 0, "192.0.2.1", 3));
    data["deadline_step"] = "soon";
    log.add_raw(1, events::type::signature_proposed, data);
    expect_error(log, "malformed data");
  }
}

TEST_CASE("the signatures state round-trips through JSON") {
  EventLog log;
  log.add(1, proposal("a", 0, "192.0.2.1", 3));
  log.add(1, events::SignatureEndorsed{"a", 2, 0.6, 5});
  log.add(1, vote("a", 1, true, 1.25));
  log.add(2, proposal("b", 1, "192.0.2.2", 4));
  log.add(2, decision("a", true, "majority", "192.0.2.1", 50));
  log.add(3, vote("b", 0, false));
  const auto s = fold(log);
  const auto copy = Signatures::from_json(s.to_json());
  CHECK(copy.to_json() == s.to_json());
  CHECK(copy.pending_due_at(4) == std::vector<std::string>{"b"});
  // The restored voter index still refuses a second vote.
  auto restored = copy;
  const events::Event dup{log.size(), events::type::vote_cast, 3, nlohmann::json(vote("b", 0, true)), std::string{}};
  CHECK_THROWS_AS(restored.apply(dup), ProjectionError);
  CHECK_THROWS_AS(Signatures::from_json(nlohmann::json{{"signatures", {{{"id", "x"}}}}}), ProjectionError);
}

namespace {

// s1 proposed, voted on and accepted at step 2 (expiring at 40), then judged by later evidence.
EventLog accepted_then_judged() {
  EventLog log;
  log.add(0, test::run_started(4, false));
  log.add(1, proposal("s1", 0, "203.0.113.7", 2));
  log.add(1, vote("s1", 1, true, 1.0));
  log.add(1, vote("s1", 2, true, 0.5));
  auto d = decision("s1", true, "majority", "203.0.113.7", 40);
  d.yes = 2;
  d.voters = 3;
  d.yes_weight = 1.5;
  log.add(2, d);
  log.add(6, events::SignatureCorroborated{"s1", 1, "203.0.113.7", 1, 5, 0.25});
  log.add(7, events::SignatureDisputed{"s1", 2, "203.0.113.7", 6, 0, 0.5});
  log.add(8, events::SignatureDisputed{"s1", 3, "203.0.113.7", 4, 0, 0.75});
  return log;
}

}  // namespace

TEST_CASE("later evidence: judgements are counted on the accepted signature, and a revocation makes it revoked") {
  auto log = accepted_then_judged();
  auto s = fold(log);
  const auto* r = s.find("s1");
  REQUIRE(r != nullptr);
  CHECK(r->status == SignatureStatus::accepted);  // judged, not yet revoked
  CHECK(r->evidence.disputes == 2);
  CHECK(r->evidence.corroborations == 1);
  CHECK(r->evidence.dispute_weight == doctest::Approx(1.25));
  CHECK(r->evidence.corroboration_weight == doctest::Approx(0.25));
  CHECK_FALSE(r->evidence.revoked_step.has_value());

  const auto& revoked = log.add(8, events::SignatureRevoked{"s1", "203.0.113.7", 2, 1, 1.25, 0.25});
  s = fold(log);
  r = s.find("s1");
  CHECK(r->status == SignatureStatus::revoked);
  CHECK(r->evidence.revoked_step == 8u);
  CHECK(r->evidence.revoked_seq == revoked.seq);
  // The decision that accepted it stays as it was: the revocation is a later fact, not a rewrite.
  CHECK(r->decided_step == 2u);
  CHECK(r->yes == 2u);
  CHECK(r->expires_step == 40u);
  CHECK(s.list(SignatureStatus::accepted).empty());
  REQUIRE(s.list(SignatureStatus::revoked).size() == 1);
  CHECK(s.list(SignatureStatus::revoked)[0]->id == "s1");
  CHECK(s.counts().accepted == 0);
  CHECK(s.counts().revoked == 1);
  CHECK(s.counts().total() == 1);
  CHECK(s.counts_json()["revoked"] == 1);
  CHECK(s.counts_json()["accepted"] == 0);
  CHECK(projections::parse_signature_status("revoked") == SignatureStatus::revoked);
  CHECK(std::string(projections::to_string(SignatureStatus::revoked)) == "revoked");

  const auto view = Signatures::view(*r, false);
  CHECK(view["status"] == "revoked");
  CHECK(view["evidence"]["disputes"] == 2);
  CHECK(view["evidence"]["corroborations"] == 1);
  CHECK(view["evidence"]["revoked_step"] == 8);
  CHECK(view["evidence"]["revoked_seq"] == revoked.seq);
  CHECK(s.list_json(SignatureStatus::revoked, 0, 10)["total"] == 1);
  CHECK(s.list_json(SignatureStatus::accepted, 0, 10)["total"] == 0);

  // The state round-trips, revoked status and evidence included.
  const auto copy = Signatures::from_json(s.to_json());
  CHECK(copy.to_json() == s.to_json());
  CHECK(copy.find("s1")->status == SignatureStatus::revoked);
  CHECK(copy.counts().revoked == 1);
}

TEST_CASE("a revoked signature proposed again opens a new round; its revoked round stays in history") {
  auto log = accepted_then_judged();
  log.add(8, events::SignatureRevoked{"s1", "203.0.113.7", 2, 1, 1.25, 0.25});
  log.add(20, proposal("s1", 1, "203.0.113.7", 22));
  const auto s = fold(log);
  const auto* r = s.find("s1");
  REQUIRE(r != nullptr);
  CHECK(r->status == SignatureStatus::pending);
  CHECK(r->round == 2);
  CHECK(r->evidence.disputes == 0);
  CHECK_FALSE(r->evidence.revoked_step.has_value());
  REQUIRE(r->history.size() == 1);
  CHECK(r->history[0].accepted);  // by consensus
  CHECK(r->history[0].evidence.revoked_step == 8u);
  CHECK(r->history[0].evidence.disputes == 2);
  CHECK(s.counts().revoked == 0);
  CHECK(s.counts().pending == 1);
  CHECK(Signatures::view(*r, false)["history"][0]["evidence"]["revoked_step"] == 8);
  const auto copy = Signatures::from_json(s.to_json());
  CHECK(copy.to_json() == s.to_json());
}

TEST_CASE("judgements and revocations of a signature that is not accepted are refused with the seq named") {
  const auto refused = [](const EventLog& log, const char* fragment) {
    Signatures s;
    const auto& events = log.events();
    for (std::size_t i = 0; i + 1 < events.size(); ++i) s.apply(events[i]);
    CHECK_THROWS_WITH_AS(s.apply(events.back()), doctest::Contains(fragment), ProjectionError);
  };
  {
    EventLog log;
    log.add(1, events::SignatureDisputed{"nope", 1, "192.0.2.1", 3, 0, 1.0});
    refused(log, "unknown signature nope");
  }
  {
    EventLog log;
    log.add(1, proposal("s", 0, "192.0.2.1", 3));
    log.add(1, events::SignatureCorroborated{"s", 1, "192.0.2.1", 0, 3, 1.0});
    refused(log, "signature s is pending, not accepted");
  }
  {
    EventLog log;
    log.add(1, proposal("s", 0, "192.0.2.1", 3));
    log.add(2, decision("s", false, "minority", "192.0.2.1"));
    log.add(3, events::SignatureRevoked{"s", "192.0.2.1", 2, 0, 2.0, 0.0});
    refused(log, "signature s is rejected, not accepted");
  }
  {
    auto log = accepted_then_judged();
    log.add(8, events::SignatureRevoked{"s1", "203.0.113.7", 2, 1, 1.25, 0.25});
    log.add(9, events::SignatureRevoked{"s1", "203.0.113.7", 2, 1, 1.25, 0.25});
    refused(log, "signature s1 is revoked, not accepted");
  }
}

#include <doctest/doctest.h>

#include "events/evidence.h"
#include "projections/blacklists.h"
#include "projections/fold.h"
#include "tests/projections/event_log.h"

using namespace dais;
using dais::projections::Blacklists;
using dais::projections::ProjectionError;
using dais::test::decision;
using dais::test::EventLog;
using dais::test::proposal;

namespace {

events::StepCompleted step_with_hits(std::map<std::string, std::uint64_t> hits) {
  events::StepCompleted s;
  s.flows = 100;
  s.blacklist_hits = std::move(hits);
  return s;
}

}  // namespace

TEST_CASE("accepted signatures enter the network blacklist; expiry is by step; hits refresh it") {
  EventLog log;
  Blacklists b;
  auto add = [&](std::uint64_t step, const auto& value) { b.apply(log.add(step, value)); };
  add(5, proposal("s1", 0, "203.0.113.7", 5));
  add(5, decision("s1", true, "majority", "203.0.113.7", 15));
  add(5, proposal("s2", 1, "203.0.113.8", 5));
  add(5, decision("s2", false, "minority", "203.0.113.8"));
  add(5, step_with_hits({}));

  REQUIRE(b.network().size() == 1);
  const auto& entry = b.network().at("203.0.113.7");
  CHECK(entry.signature_id == "s1");
  CHECK(entry.added_step == 5);
  CHECK(entry.expires_step == 15);
  CHECK(entry.ttl == 10);
  CHECK(entry.hits == 0);
  CHECK(b.blocks(3, "203.0.113.7", 14));
  CHECK_FALSE(b.blocks(3, "203.0.113.7", 15));  // listed while step < expires_step
  CHECK_FALSE(b.blocks(3, "203.0.113.8", 6));

  add(12, step_with_hits({{"203.0.113.7", 3}, {"198.51.100.1", 4}}));
  CHECK(b.network().at("203.0.113.7").hits == 3);
  CHECK(b.network().at("203.0.113.7").expires_step == 22);
  CHECK(b.blocks(0, "203.0.113.7", 21));
  CHECK_FALSE(b.blocks(0, "203.0.113.7", 22));
  add(13, step_with_hits({{"203.0.113.7", 2}}));
  CHECK(b.network().at("203.0.113.7").hits == 5);
  CHECK(b.network().at("203.0.113.7").expires_step == 23);

  add(21, step_with_hits({}));
  CHECK(b.network().size() == 1);  // still listed at step 22
  add(22, step_with_hits({}));
  CHECK(b.network().empty());
  CHECK(b.completed_step() == 22);
}

TEST_CASE("a hit after expiry does not revive an entry") {
  EventLog log;
  Blacklists b;
  b.apply(log.add(5, decision("s", true, "majority", "192.0.2.1", 10)));
  b.apply(log.add(10, step_with_hits({{"192.0.2.1", 7}})));  // not listed at step 10 any more
  CHECK(b.network().empty());
}

TEST_CASE("listing an indicator again keeps its history and extends its life") {
  EventLog log;
  Blacklists b;
  b.apply(log.add(1, decision("old", true, "majority", "192.0.2.1", 11)));
  b.apply(log.add(2, step_with_hits({{"192.0.2.1", 4}})));
  b.apply(log.add(3, decision("new", true, "majority", "192.0.2.1", 8)));
  const auto& e = b.network().at("192.0.2.1");
  CHECK(e.signature_id == "new");
  CHECK(e.added_step == 1);
  CHECK(e.hits == 4);
  CHECK(e.expires_step == 12);  // max(2 + 10, 8)
  CHECK(e.ttl == 5);
}

TEST_CASE("local blacklists belong to one agent") {
  EventLog log;
  Blacklists b;
  b.apply(log.add(2, events::LocalBlacklistAdded{1, "s", "198.51.100.9", 6}));
  b.apply(log.add(2, events::LocalBlacklistAdded{3, "s", "198.51.100.9", 4}));
  CHECK(b.blocks(1, "198.51.100.9", 5));
  CHECK_FALSE(b.blocks(1, "198.51.100.9", 6));
  CHECK(b.blocks(3, "198.51.100.9", 3));
  CHECK_FALSE(b.blocks(2, "198.51.100.9", 3));
  CHECK(b.network().empty());
  CHECK(b.local(2).empty());
  b.apply(log.add(4, step_with_hits({{"198.51.100.9", 2}})));
  CHECK(b.local(1).at("198.51.100.9").hits == 2);
  CHECK(b.local(1).at("198.51.100.9").expires_step == 8);
  CHECK(b.local(3).empty());  // expired at step 4, before the hit could renew it
  b.apply(log.add(6, step_with_hits({})));
  CHECK(b.local(1).size() == 1);
  const auto view = b.view();
  CHECK(view["local"]["1"][0]["indicator"] == "198.51.100.9");
  CHECK_FALSE(view["local"].contains("3"));
  CHECK(view["network"].empty());
}

TEST_CASE("blacklists round-trip through JSON and keep expiring afterwards") {
  EventLog log;
  Blacklists b;
  b.apply(log.add(1, decision("a", true, "majority", "192.0.2.1", 5)));
  b.apply(log.add(1, decision("b", true, "majority", "192.0.2.2", 9)));
  b.apply(log.add(1, events::LocalBlacklistAdded{2, "c", "192.0.2.3", 7}));
  b.apply(log.add(2, step_with_hits({{"192.0.2.2", 1}, {"192.0.2.3", 1}})));
  auto copy = Blacklists::from_json(b.to_json());
  CHECK(copy.to_json() == b.to_json());
  const auto next = log.add(5, step_with_hits({}));
  b.apply(next);
  copy.apply(next);
  CHECK(copy.to_json() == b.to_json());
  CHECK_FALSE(copy.network().count("192.0.2.1"));
  CHECK_THROWS_AS(Blacklists::from_json(nlohmann::json::object()), ProjectionError);
}

TEST_CASE("malformed blacklist events are refused") {
  EventLog log;
  Blacklists b;
  auto data = nlohmann::json(step_with_hits({}));
  data.erase("blacklist_hits");
  CHECK_THROWS_WITH_AS(b.apply(log.add_raw(3, events::type::step_completed, data)),
                       doctest::Contains("blacklist_hits"), ProjectionError);
  data["blacklist_hits"] = {{"192.0.2.1", "many"}};
  CHECK_THROWS_AS(b.apply(log.add_raw(3, events::type::step_completed, data)), ProjectionError);
  auto local = nlohmann::json(events::LocalBlacklistAdded{1, "s", "192.0.2.1", 4});
  local.erase("agent");
  CHECK_THROWS_WITH_AS(b.apply(log.add_raw(3, events::type::local_blacklist_added, local)),
                       doctest::Contains("agent"), ProjectionError);
}

TEST_CASE("BlacklistRemoved lifts an indicator from the network list and every local list, and nothing else") {
  EventLog log;
  Blacklists b;
  auto add = [&](std::uint64_t step, const auto& value) { b.apply(log.add(step, value)); };
  add(2, proposal("s1", 0, "203.0.113.7", 2));
  add(2, decision("s1", true, "majority", "203.0.113.7", 30));
  add(2, proposal("s2", 0, "203.0.113.8", 2));
  add(2, decision("s2", true, "majority", "203.0.113.8", 30));
  add(2, events::LocalBlacklistAdded{1, "s3", "203.0.113.7", 30});
  add(2, events::LocalBlacklistAdded{2, "s3", "203.0.113.7", 30});
  add(2, events::LocalBlacklistAdded{2, "s4", "203.0.113.9", 30});
  add(2, step_with_hits({}));

  add(3, events::BlacklistRemoved{"203.0.113.7", "api"});
  CHECK(b.network().count("203.0.113.7") == 0);
  CHECK(b.network().count("203.0.113.8") == 1);
  CHECK(b.local(1).empty());
  CHECK(b.local(2).size() == 1);
  CHECK(b.local(2).count("203.0.113.9") == 1);
  CHECK_FALSE(b.blocks(1, "203.0.113.7", 3));
  CHECK_FALSE(b.blocks(2, "203.0.113.7", 3));

  // Hits and expiry go on for the rest, and a later acceptance lists the indicator again.
  add(3, step_with_hits({{"203.0.113.7", 5}}));
  CHECK(b.network().count("203.0.113.7") == 0);
  add(4, proposal("s1", 3, "203.0.113.7", 4));
  add(4, decision("s1", true, "majority", "203.0.113.7", 10));
  CHECK(b.network().at("203.0.113.7").added_step == 4);
  CHECK(b.network().at("203.0.113.7").hits == 0);
  add(9, step_with_hits({}));
  CHECK(b.network().count("203.0.113.7") == 0);  // expired at 10 as its own entry says
  CHECK(b.network().count("203.0.113.8") == 1);

  // The round trip keeps the result.
  CHECK(Blacklists::from_json(b.to_json()).view() == b.view());
}

TEST_CASE("SignatureRevoked lifts the indicator like an operator removal and ends its published validity") {
  EventLog log;
  Blacklists b;
  auto add = [&](std::uint64_t step, const auto& value) { b.apply(log.add(step, value)); };
  add(2, proposal("s1", 0, "203.0.113.7", 2));
  add(2, decision("s1", true, "majority", "203.0.113.7", 30));
  add(2, proposal("s2", 0, "203.0.113.8", 2));
  add(2, decision("s2", true, "majority", "203.0.113.8", 30));
  add(2, step_with_hits({}));
  // Judgements alone change no list.
  add(4, events::SignatureDisputed{"s1", 3, "203.0.113.7", 5, 0, 1.0});
  add(4, events::SignatureCorroborated{"s2", 4, "203.0.113.8", 0, 4, 1.0});
  CHECK(b.network().count("203.0.113.7") == 1);
  add(5, events::SignatureRevoked{"s1", "203.0.113.7", 2, 0, 2.0, 0.0});
  CHECK(b.network().count("203.0.113.7") == 0);
  CHECK(b.network().count("203.0.113.8") == 1);
  CHECK_FALSE(b.blocks(0, "203.0.113.7", 5));
  REQUIRE(b.network_validity("s1") != nullptr);
  CHECK(b.network_validity("s1")->ended_step == 5);
  CHECK(Blacklists::from_json(b.to_json()).view() == b.view());
}

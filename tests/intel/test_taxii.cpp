// TAXII 2.1 resources without HTTP: the feed's order and date_added, paging with `next` (exactly once,
// also while the log grows between pages), the filters, the resources' fields, Accept negotiation, and
// the rounds of a signature accepted again (earlier rounds stay published).
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/sha256.h"
#include "intel/stix.h"
#include "intel/taxii.h"
#include "intel/uuid5.h"
#include "tests/intel/folded_log.h"
#include "tests/projections/event_log.h"

namespace {

namespace taxii = dais::intel::taxii;
namespace ev = dais::events;
using nlohmann::json;

using dais::test::fold;
using dais::test::accepted;
using dais::test::sample_log;
using dais::test::step_done;

// sig-a accepted at step 1 (expires 3), ends, is proposed again at step 4 and accepted again at step 5;
// then its address is removed by an operator at step 6.
dais::test::EventLog reaccepted_log() {
  dais::test::EventLog log;
  log.add(0, dais::test::run_started(4, false));
  log.add(0, dais::test::proposal("sig-a", 0, "192.0.2.7", 1));  // 1
  log.add(0, step_done());                                        // 2
  log.add(1, accepted("sig-a", "192.0.2.7", 3));                  // 3
  log.add(1, step_done());                                        // 4
  log.add(2, step_done());                                        // 5: ends (cannot block at 3)
  log.add(3, step_done());                                        // 6
  log.add(4, dais::test::proposal("sig-a", 2, "192.0.2.7", 1));  // 7: round 2
  log.add(4, step_done());                                        // 8
  log.add(5, accepted("sig-a", "192.0.2.7", 20));                 // 9
  log.add(5, step_done());                                        // 10
  log.add(6, ev::BlacklistRemoved{"192.0.2.7", "api"});           // 11
  log.add(6, step_done());                                        // 12
  return log;
}

std::vector<std::pair<std::string, std::string>> keys(const std::vector<const taxii::Entry*>& items) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto* e : items) out.emplace_back(e->id, e->version);
  return out;
}

taxii::Query all_versions(std::size_t limit) {
  taxii::Query q;
  q.all_versions = true;
  q.last = false;
  q.limit = limit;
  return q;
}

}  // namespace

TEST_CASE("the feed orders object versions by the event that added them; date_added is that event's step") {
  const auto p = fold(sample_log());
  const auto feed = taxii::feed(dais::intel::threat_list(p));
  REQUIRE(feed.size() == 5);
  const auto a = dais::intel::stix_indicator_id("sig-a", 1), b = dais::intel::stix_indicator_id("sig-b", 1);
  const std::vector<std::tuple<std::string, std::uint64_t, std::string, std::string>> expected = {
      {dais::intel::stix_identity_id(p.run_hash()), 0, "2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00.000Z"},
      {a, 6, "2020-01-01T00:01:00.000Z", "2020-01-01T00:01:00.000Z"},
      {b, 7, "2020-01-01T00:01:00.000Z", "2020-01-01T00:01:00.000Z"},
      {b, 10, "2020-01-01T00:03:00.000Z", "2020-01-01T00:04:00.000Z"},  // revoked: recorded at step 3
      {a, 11, "2020-01-01T00:04:00.000Z", "2020-01-01T00:05:00.000Z"}};  // renewed: recorded at step 4
  for (std::size_t i = 0; i < feed.size(); ++i) {
    CAPTURE(i);
    CHECK(feed[i].id == std::get<0>(expected[i]));
    CHECK(feed[i].added_seq == std::get<1>(expected[i]));
    CHECK(feed[i].date_added == std::get<2>(expected[i]));
    CHECK(feed[i].version == std::get<3>(expected[i]));
    CHECK(feed[i].ordinal == 0);
    CHECK(feed[i].object["modified"] == feed[i].version);
  }
  CHECK(feed[3].object["revoked"] == true);
}

TEST_CASE("paging with next returns every version exactly once, also while the log grows between pages") {
  const auto log = sample_log();
  const auto final_feed = taxii::feed(dais::intel::threat_list(fold(log)));
  for (std::size_t limit : {1, 2, 3, 10}) {
    CAPTURE(limit);
    // The client pages while the run appends: each page is served from a longer log prefix.
    std::vector<std::pair<std::string, std::string>> seen;
    std::optional<taxii::Cursor> next;
    std::uint64_t prefix = 0;
    for (int guard = 0; guard < 100; ++guard) {
      const auto feed = taxii::feed(dais::intel::threat_list(fold(log, prefix)));
      auto query = all_versions(limit);
      query.next = next;
      const auto page = taxii::select(feed, query);
      for (const auto& k : keys(page.items)) seen.push_back(k);
      CHECK(page.items.size() <= limit);
      if (page.more) {
        REQUIRE(page.next.has_value());
        CHECK(page.items.size() == limit);
        next = page.next;
      } else if (!page.items.empty()) {
        next = taxii::Cursor{page.items.back()->added_seq, page.items.back()->ordinal};
      }
      if (!page.more && prefix + 1 >= log.size()) break;
      prefix = std::min<std::uint64_t>(prefix + 1, log.size() - 1);
    }
    std::vector<std::pair<std::string, std::string>> all;
    for (const auto& e : final_feed) all.emplace_back(e.id, e.version);
    CHECK(seen == all);  // same versions, same order, none twice
  }
}

TEST_CASE("filters: match[version], match[id], match[type], match[spec_version], added_after") {
  const auto p = fold(sample_log());
  const auto feed = taxii::feed(dais::intel::threat_list(p));
  const auto a = dais::intel::stix_indicator_id("sig-a", 1), b = dais::intel::stix_indicator_id("sig-b", 1);
  const auto query = [](std::map<std::string, std::string> params, taxii::Endpoint e = taxii::Endpoint::objects) {
    return taxii::parse_query(params, e);
  };
  // Default: the latest version of each object, in feed order.
  auto page = taxii::select(feed, query({}));
  REQUIRE(page.items.size() == 3);
  CHECK(page.items[0]->type == "identity");
  CHECK(page.items[1]->id == b);
  CHECK(page.items[1]->object["revoked"] == true);
  CHECK(page.items[2]->id == a);
  CHECK(page.items[2]->version == "2020-01-01T00:05:00.000Z");
  CHECK(taxii::select(feed, query({{"match[version]", "first"}})).items.size() == 3);
  CHECK(taxii::select(feed, query({{"match[version]", "all"}})).items.size() == 5);
  CHECK(taxii::select(feed, query({{"match[version]", "first,last"}})).items.size() == 5);
  page = taxii::select(feed, query({{"match[version]", "2020-01-01T00:05:00Z"}}));
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0]->id == a);
  CHECK(taxii::select(feed, query({{"match[type]", "indicator"}, {"match[version]", "all"}})).items.size() == 4);
  CHECK(taxii::select(feed, query({{"match[type]", "identity,malware"}})).items.size() == 1);
  CHECK(taxii::select(feed, query({{"match[id]", a + "," + b}, {"match[version]", "all"}})).items.size() == 4);
  CHECK(taxii::select(feed, query({{"match[spec_version]", "2.0"}})).items.empty());
  CHECK(taxii::select(feed, query({{"match[spec_version]", "2.0,2.1"}})).items.size() == 3);
  // added_after is strict: objects added at exactly that time are left out; every one later is in.
  page = taxii::select(feed, query({{"added_after", "2020-01-01T00:01:00Z"}, {"match[version]", "all"}}));
  CHECK(keys(page.items) == std::vector<std::pair<std::string, std::string>>{
                                {b, "2020-01-01T00:04:00.000Z"}, {a, "2020-01-01T00:05:00.000Z"}});
  CHECK(taxii::select(feed, query({{"added_after", "2020-01-01T00:00:59.999999Z"}, {"match[version]", "all"}}))
            .items.size() == 4);
  // One object and its versions.
  CHECK(taxii::select(feed, query({}, taxii::Endpoint::object), a).items.size() == 1);
  page = taxii::select(feed, query({{"limit", "1"}}, taxii::Endpoint::versions), a);
  REQUIRE(page.items.size() == 1);
  CHECK(page.more);
  CHECK(taxii::versions(page) == json{{"more", true}, {"versions", {"2020-01-01T00:01:00.000Z"}}});
}

TEST_CASE("malformed queries name the parameter; a large limit is lowered") {
  using taxii::Endpoint;
  const auto error = [](std::map<std::string, std::string> params) -> std::string {
    try {
      taxii::parse_query(params, Endpoint::objects);
    } catch (const taxii::QueryError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error({{"limit", "0"}}) == "query parameter 'limit': must be a positive integer");
  CHECK(error({{"limit", "-1"}}) == "query parameter 'limit': must be a positive integer");
  CHECK(error({{"limit", "ten"}}) == "query parameter 'limit': must be a positive integer");
  CHECK(error({{"next", "abc"}}) == "query parameter 'next': not a cursor this server returned");
  CHECK(error({{"next", "1-99999999999"}}) == "query parameter 'next': not a cursor this server returned");
  CHECK(error({{"added_after", "yesterday"}}) == "query parameter 'added_after': not an RFC 3339 UTC timestamp");
  CHECK(error({{"added_after", "2020-01-01T00:00:00+01:00"}}) ==
        "query parameter 'added_after': not an RFC 3339 UTC timestamp");
  CHECK(error({{"match[version]", "newest"}}) ==
        "query parameter 'match[version]': 'newest' is not all, first, last or a timestamp");
  CHECK(error({{"match[version]", ","}}) == "query parameter 'match[version]': empty");
  CHECK(error({{"unknown", "x"}}) == "no error");  // the spec asks servers to ignore unknown parameters
  CHECK(taxii::parse_query({{"limit", "999999"}}, Endpoint::objects).limit == taxii::kMaxLimit);
  CHECK(taxii::parse_cursor("12-3") == taxii::Cursor{12, 3});
  CHECK(taxii::format_cursor({12, 3}) == "12-3");
  CHECK_FALSE(taxii::parse_cursor("12").has_value());
  CHECK_FALSE(taxii::parse_cursor("-3").has_value());
  CHECK(taxii::parse_timestamp("1970-01-01T00:00:01.5Z") == 1'500'000'000);
  CHECK(taxii::parse_timestamp("1970-01-01T00:00:00.0000000001Z") == 1);  // sub-nanosecond rounds up
  CHECK_FALSE(taxii::parse_timestamp("2020-13-01T00:00:00Z").has_value());
}

TEST_CASE("Accept negotiation admits TAXII 2.1 and wildcards only") {
  for (const char* ok : {"", "application/taxii+json;version=2.1", "application/taxii+json", "*/*",
                         "application/*", "text/html, application/taxii+json; version=\"2.1\"",
                         "Application/TAXII+JSON;Version=2.1;q=0.5"}) {
    CAPTURE(ok);
    CHECK(taxii::accepts_taxii(ok));
  }
  for (const char* bad : {"application/json", "application/taxii+json;version=2.0", "text/html",
                          "application/stix+json;version=2.1", "application/taxii+json;version=2.1;q=0",
                          "*/*;q=0.0"}) {
    CAPTURE(bad);
    CHECK_FALSE(taxii::accepts_taxii(bad));
  }
}

TEST_CASE("TAXII resources carry the fields the spec names") {
  const auto discovery = taxii::discovery("http://127.0.0.1:8080/taxii2/dais/");
  CHECK(discovery["default"] == "http://127.0.0.1:8080/taxii2/dais/");
  CHECK(discovery["api_roots"] == json::array({"http://127.0.0.1:8080/taxii2/dais/"}));
  CHECK(discovery.contains("title"));
  const auto root = taxii::api_root(1024);
  CHECK(root["versions"] == json::array({"application/taxii+json;version=2.1"}));
  CHECK(root["max_content_length"] == 1024);
  const std::string run(64, 'a');
  const auto collection = taxii::collection(run);
  CHECK(collection["id"] == dais::intel::uuid5(dais::intel::kExportNamespace, "taxii-collection/" + run));
  CHECK(collection["can_read"] == true);
  CHECK(collection["can_write"] == false);
  CHECK(collection["media_types"] == json::array({"application/stix+json;version=2.1"}));
  CHECK(taxii::error_message(404, "not found", "x") ==
        json{{"title", "not found"}, {"description", "x"}, {"http_status", "404"}});

  const auto feed = taxii::feed(dais::intel::threat_list(fold(sample_log())));
  auto page = taxii::select(feed, all_versions(2));
  const auto envelope = taxii::envelope(page);
  CHECK(envelope["more"] == true);
  CHECK(envelope["next"] == "6-0");
  CHECK(envelope["objects"].size() == 2);
  const auto manifest = taxii::manifest(page);
  CHECK_FALSE(manifest.contains("next"));  // not a manifest property in TAXII 2.1
  CHECK(manifest["objects"][1] == json{{"id", feed[1].id},
                                       {"date_added", "2020-01-01T00:01:00.000Z"},
                                       {"version", "2020-01-01T00:01:00.000Z"},
                                       {"media_type", "application/stix+json;version=2.1"}});
  page = taxii::select(feed, all_versions(10), std::string_view("indicator--none"));
  CHECK(taxii::envelope(page) == json{{"more", false}});  // empty: no objects property
}

TEST_CASE("a signature accepted again keeps its earlier round published; an operator removal revokes it") {
  const auto log = reaccepted_log();
  const auto p = fold(log);
  const auto list = dais::intel::threat_list(p);
  REQUIRE(list.signatures.size() == 2);
  const auto& r1 = list.signatures[0];
  const auto& r2 = list.signatures[1];
  CHECK(r1.round == 1);
  CHECK(r1.decided_seq == 3);
  CHECK(r1.ended_step == 3u);
  CHECK(r1.ended_at_seq == 5);
  CHECK_FALSE(r1.live);
  CHECK(r2.round == 2);
  CHECK(r2.decided_seq == 9);
  CHECK(r2.ended_step == 6u);  // removed by the operator at step 6
  CHECK(r2.ended_at_seq == 11);
  CHECK_FALSE(r2.live);
  const auto objects = dais::intel::stix_objects(list, {});
  REQUIRE(objects.size() == 5);  // identity; round 1 v1 and revoked; round 2 v1 and revoked
  CHECK(objects[1]["id"] == dais::intel::stix_indicator_id("sig-a", 1));
  CHECK(objects[2]["id"] == objects[1]["id"]);
  CHECK(objects[2]["revoked"] == true);
  CHECK(objects[3]["id"] == dais::intel::stix_indicator_id("sig-a", 2));
  CHECK(objects[3]["id"] != objects[1]["id"]);
  CHECK(objects[3]["external_references"][0]["external_id"] == "seq:9");
  CHECK(objects[4]["revoked"] == true);
  CHECK(objects[4]["modified"] == "2020-01-01T00:06:00.000Z");
  CHECK(objects[4]["valid_until"] == "2020-01-01T00:06:00.000Z");

  // Every object version any earlier export held is in every later one, unchanged; and while round 2
  // is pending, round 1 is still published.
  std::set<std::string> before;
  for (std::uint64_t seq = 0; seq < log.size(); ++seq) {
    CAPTURE(seq);
    const auto at = dais::intel::stix_objects(dais::intel::threat_list(fold(log, seq)), {});
    std::set<std::string> now;
    for (const auto& o : at) now.insert(o.dump());
    for (const auto& o : before) CHECK_MESSAGE(now.contains(o), o);
    before = std::move(now);
  }
  CHECK(dais::intel::stix_objects(dais::intel::threat_list(fold(log, 8)), {}).size() == 3);

  // The history keeps the earlier decision's provenance (the /v1/signatures/{id} view shows it too).
  const auto* record = p.signatures().find("sig-a");
  REQUIRE(record != nullptr);
  REQUIRE(record->history.size() == 1);
  CHECK(record->history[0].decided_seq == 3);
  CHECK(record->history[0].expires_step == 3);
  CHECK(record->history[0].decided_hash.size() == 64);
  // Snapshots keep the rounds.
  const auto restored = dais::projections::Projections::restore(p.snapshot());
  CHECK(restored.snapshot() == p.snapshot());
  CHECK(restored.blacklists().earlier_network_validity("sig-a").size() == 1);
}

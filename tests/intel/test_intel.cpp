// The export core: UUIDv5 ids, timestamps, STIX objects and versions, CrowdSec decisions, plain
// blocklists, determinism and the errors of a log it cannot export.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/sha256.h"
#include "events/evidence.h"
#include "intel/blocklists.h"
#include "intel/export_format.h"
#include "intel/stix.h"
#include "intel/uuid5.h"
#include "tests/intel/folded_log.h"
#include "tests/projections/event_log.h"

namespace {

using dais::intel::ExportClock;
using nlohmann::json;
namespace ev = dais::events;

using dais::test::fold;
using dais::test::accepted;
using dais::test::sample_log;
using dais::test::step_done;

}  // namespace

TEST_CASE("uuid5 matches the RFC 9562 example and the fixed namespace is a UUID") {
  CHECK(dais::intel::uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com") ==
        "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  const auto id = dais::intel::uuid5(dais::intel::kExportNamespace, "sig-a");
  CHECK(id.size() == 36);
  CHECK(id[14] == '5');
  CHECK_THROWS_AS(dais::intel::uuid5("not-a-uuid", "x"), std::invalid_argument);
  CHECK_THROWS_AS(dais::intel::uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x"), std::invalid_argument);
}

TEST_CASE("simulation steps map to timestamps through the run epoch, never the wall clock") {
  const ExportClock clock;
  CHECK(dais::intel::step_timestamp(clock, 0) == "2020-01-01T00:00:00.000Z");
  CHECK(dais::intel::step_timestamp(clock, 61) == "2020-01-01T01:01:00.000Z");
  CHECK(dais::intel::step_timestamp(clock, 1, 1) == "2020-01-01T00:01:00.001Z");
  CHECK(dais::intel::step_timestamp(ExportClock{0, 1}, 86400) == "1970-01-02T00:00:00.000Z");
}

TEST_CASE("indicators parse as addresses or prefixes and become STIX patterns") {
  using dais::intel::parse_indicator;
  using dais::intel::stix_pattern;
  CHECK(stix_pattern("192.0.2.7", *parse_indicator("192.0.2.7")) == "[ipv4-addr:value = '192.0.2.7']");
  CHECK(stix_pattern("2001:db8::1", *parse_indicator("2001:db8::1")) == "[ipv6-addr:value = '2001:db8::1']");
  CHECK(stix_pattern("198.51.100.0/24", *parse_indicator("198.51.100.0/24")) ==
        "[ipv4-addr:value ISSUBSET '198.51.100.0/24']");
  CHECK(stix_pattern("2001:db8::/32", *parse_indicator("2001:db8::/32")) ==
        "[ipv6-addr:value ISSUBSET '2001:db8::/32']");
  for (const char* bad : {"", "host.example", "192.0.2.7/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/a",
                          "1.2.3.4'] OR [x:y = 'z"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_indicator(bad).has_value());
  }
}

TEST_CASE("confidence is the approving share of the weighted vote") {
  CHECK(dais::intel::vote_confidence(3, 1) == 75);
  CHECK(dais::intel::vote_confidence(2, 1) == 67);
  CHECK(dais::intel::vote_confidence(1, 0) == 100);
  CHECK(dais::intel::vote_confidence(0, 0) == 0);
}

TEST_CASE("the threat list carries each decision's seq and hash, and live and ended entries") {
  const auto log = sample_log();
  const auto p = fold(log);
  const auto list = dais::intel::threat_list(p);
  CHECK(list.run_hash == p.run_hash());
  CHECK(list.as_of_seq == log.size() - 1);
  CHECK(list.now_step == 5);
  REQUIRE(list.signatures.size() == 2);
  const auto& a = list.signatures[0];
  CHECK(a.signature_id == "sig-a");
  CHECK(a.decided_seq == 6);
  CHECK(a.decided_hash == p.signatures().find("sig-a")->decided_hash);
  CHECK(a.decided_hash.size() == 64);
  CHECK(a.confidence == 75);
  CHECK(a.live);
  CHECK(a.expires_step == 6);
  REQUIRE(a.renewals.size() == 1);
  // Announced to 5; the hit at 2 kept it to 6; recorded by the StepCompleted of step 4 (seq 11).
  CHECK(a.renewals[0] == dais::projections::Renewal{5, 6, 11, 4});
  CHECK_FALSE(a.ended_step.has_value());
  const auto& b = list.signatures[1];
  CHECK_FALSE(b.live);
  CHECK(b.ended_step == 4u);
  CHECK(b.ended_at_seq == 10);  // the StepCompleted of step 3 found it cannot block at step 4
  CHECK(b.ended_at_step == 3);
  CHECK(b.parsed.kind == dais::intel::AddressKind::ipv6);
  CHECK(b.parsed.prefix);
}

TEST_CASE("STIX: identity, indicators, renewed and revoked versions, provenance") {
  const auto p = fold(sample_log());
  const auto bundle = dais::intel::stix_bundle(dais::intel::threat_list(p), ExportClock{});
  CHECK(bundle["type"] == "bundle");
  CHECK(bundle["id"].get<std::string>().rfind("bundle--", 0) == 0);
  const auto& objects = bundle["objects"];
  REQUIRE(objects.size() == 5);  // identity; sig-a v1 and renewed; sig-b v1 and revoked
  const auto& identity = objects[0];
  CHECK(identity["type"] == "identity");
  CHECK(identity["id"] == dais::intel::stix_identity_id(p.run_hash()));
  const auto& a1 = objects[1];
  CHECK(a1["id"] == "indicator--" + dais::intel::uuid5(dais::intel::kExportNamespace, "sig-a"));
  CHECK(a1["spec_version"] == "2.1");
  CHECK(a1["created_by_ref"] == identity["id"]);
  CHECK(a1["pattern"] == "[ipv4-addr:value = '192.0.2.7']");
  CHECK(a1["pattern_type"] == "stix");
  CHECK(a1["indicator_types"] == json::array({"malicious-activity"}));
  CHECK(a1["labels"] == json::array({"simulated"}));
  CHECK(a1["confidence"] == 75);
  CHECK(a1["created"] == "2020-01-01T00:01:00.000Z");
  CHECK(a1["modified"] == a1["created"]);
  CHECK(a1["valid_from"] == "2020-01-01T00:01:00.000Z");
  CHECK(a1["valid_until"] == "2020-01-01T00:05:00.000Z");
  CHECK_FALSE(a1.contains("revoked"));
  const auto& ref = a1["external_references"][0];
  CHECK(ref["source_name"] == "dais");
  CHECK(ref["external_id"] == "seq:6");
  CHECK(ref["hashes"]["SHA-256"] == p.signatures().find("sig-a")->decided_hash);
  const auto& a2 = objects[2];
  CHECK(a2["id"] == a1["id"]);
  CHECK(a2["created"] == a1["created"]);
  CHECK(a2["modified"] == "2020-01-01T00:05:00.000Z");
  CHECK(a2["valid_until"] == "2020-01-01T00:06:00.000Z");
  const auto& b1 = objects[3];
  const auto& b2 = objects[4];
  CHECK(b1["pattern"] == "[ipv6-addr:value ISSUBSET '2001:db8::/32']");
  CHECK(b1["confidence"] == 100);
  CHECK(b2["id"] == b1["id"]);
  CHECK(b2["revoked"] == true);
  CHECK(b2["modified"] == "2020-01-01T00:04:00.000Z");
  CHECK(b2["created"] == b1["created"]);
}

TEST_CASE("STIX versions never edit in place: every version an export holds reappears unchanged later") {
  const auto log = sample_log();
  const auto last = dais::intel::stix_objects(dais::intel::threat_list(fold(log)), ExportClock{});
  for (std::uint64_t seq = 0; seq < log.size(); ++seq) {
    CAPTURE(seq);
    const auto objects = dais::intel::stix_objects(dais::intel::threat_list(fold(log, seq)), ExportClock{});
    std::set<std::pair<std::string, std::string>> versions;
    for (const auto& object : objects) {
      const bool first = versions.emplace(object["id"].get<std::string>(), object["modified"].get<std::string>()).second;
      CHECK(first);  // one object per (id, modified)
      bool found = false;
      for (const auto& later : last) found = found || later == object;
      CHECK_MESSAGE(found, object.dump());
    }
  }
}

TEST_CASE("CrowdSec decisions, text and CSV list what still blocks, with the remaining duration") {
  const auto log = sample_log();
  const auto p = fold(log);
  const auto list = dais::intel::threat_list(p);
  const auto decisions = dais::intel::crowdsec_decisions(list, ExportClock{});
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0] == json{{"duration", "60s"},
                             {"origin", "dais"},
                             {"reason", "dais/simulated-consensus-signature"},
                             {"scope", "Ip"},
                             {"type", "ban"},
                             {"value", "192.0.2.7"}});
  CHECK(dais::intel::plain_blocklist(list) == "192.0.2.7\n");
  const auto csv = dais::intel::csv_blocklist(list, ExportClock{});
  CHECK(csv == "indicator,kind,signature_id,round,confidence,decided_seq,decided_hash,expires_at,label\n"
               "192.0.2.7,ipv4,sig-a,1,75,6,"
               + p.signatures().find("sig-a")->decided_hash + ",2020-01-01T00:06:00.000Z,simulated\n");
  // Just after the decisions (seq 8, step 1 completed): both block; the range is a Range, durations count down.
  const auto early = dais::intel::crowdsec_decisions(dais::intel::threat_list(fold(log, 8)), ExportClock{});
  REQUIRE(early.size() == 2);
  CHECK(early[0]["value"] == "192.0.2.7");
  CHECK(early[0]["duration"] == "180s");
  CHECK(early[1]["value"] == "2001:db8::/32");
  CHECK(early[1]["scope"] == "Range");
  CHECK(early[1]["duration"] == "120s");
}

TEST_CASE("the same log exported twice gives the same bytes, in every format") {
  const auto log = sample_log();
  for (const char* name : {"stix", "crowdsec", "txt", "csv"}) {
    CAPTURE(name);
    const auto format = dais::intel::parse_format(name);
    REQUIRE(format.has_value());
    const auto first = dais::intel::render(*format, fold(log));
    CHECK(first == dais::intel::render(*format, fold(log)));
    CHECK_FALSE(first.empty());
  }
  CHECK_FALSE(dais::intel::parse_format("xml").has_value());
}

TEST_CASE("a log the export cannot use is a clear error") {
  dais::projections::Projections empty;
  CHECK_THROWS_WITH_AS(dais::intel::threat_list(empty), "the log holds no events to export",
                       dais::intel::ExportError);
  dais::projections::Projections unhashed;
  const auto sample = sample_log();
  for (const auto& e : sample.events()) unhashed.apply(e);
  CHECK_THROWS_AS(dais::intel::threat_list(unhashed), dais::intel::ExportError);

  dais::test::EventLog log;
  log.add(0, dais::test::run_started(4, false));
  log.add(0, dais::test::proposal("sig-x", 0, "not-an-address", 1));
  log.add(1, accepted("sig-x", "not-an-address", 5, 1, 0));
  CHECK_THROWS_WITH_AS(dais::intel::threat_list(fold(log)),
                       "signature sig-x: indicator 'not-an-address' is not an IPv4/IPv6 address or CIDR prefix",
                       dais::intel::ExportError);
}

TEST_CASE("a signature whose blacklist entry another signature takes over is revoked at that step") {
  dais::test::EventLog log;
  log.add(0, dais::test::run_started(4, false));
  log.add(0, dais::test::proposal("sig-a", 0, "192.0.2.7", 1));
  log.add(0, dais::test::proposal("sig-c", 1, "192.0.2.7", 1));
  log.add(0, step_done());
  log.add(1, accepted("sig-a", "192.0.2.7", 10, 1, 0));
  log.add(1, accepted("sig-c", "192.0.2.7", 12, 1, 0));  // same address, same step
  log.add(1, step_done());
  const auto p = fold(log);
  const auto list = dais::intel::threat_list(p);
  REQUIRE(list.signatures.size() == 2);
  CHECK(list.signatures[0].ended_step == 1u);
  CHECK_FALSE(list.signatures[0].live);
  CHECK(list.signatures[1].live);
  const auto objects = dais::intel::stix_objects(list, ExportClock{});
  REQUIRE(objects.size() == 4);  // identity, sig-a v1 and revoked, sig-c v1
  CHECK(objects[1]["modified"] == "2020-01-01T00:01:00.000Z");
  CHECK(objects[2]["revoked"] == true);
  CHECK(objects[2]["modified"] == "2020-01-01T00:01:00.001Z");  // after version 1, in the same step
  CHECK(dais::intel::plain_blocklist(list) == "192.0.2.7\n");
  CHECK(dais::intel::csv_blocklist(list, ExportClock{}).find(",sig-c,") != std::string::npos);
}

TEST_CASE("a signature that later evidence revoked stays published as revoked, and is no block in any list") {
  dais::test::EventLog log;
  auto started = dais::test::run_started(4, false);
  started.config["validation.defence"] = "evidence";  // judgements are folded only under that defence
  log.add(0, started);
  log.add(0, dais::test::proposal("sig-a", 0, "192.0.2.7", 1));
  log.add(0, dais::test::proposal("sig-b", 1, "198.51.100.9", 1));
  log.add(0, step_done());
  log.add(1, accepted("sig-a", "192.0.2.7", 30, 3.0, 1.0));
  log.add(1, accepted("sig-b", "198.51.100.9", 30, 3.0, 1.0));
  log.add(1, step_done());
  log.add(2, ev::SignatureDisputed{"sig-a", 1, "192.0.2.7", 5, 0, 1.0});
  log.add(2, ev::SignatureDisputed{"sig-a", 2, "192.0.2.7", 4, 0, 1.0});
  const auto& revoked = log.add(2, ev::SignatureRevoked{"sig-a", "192.0.2.7", 2, 0, 2.0, 0.0});
  log.add(2, step_done());
  const auto p = fold(log);
  CHECK(p.signatures().find("sig-a")->status == dais::projections::SignatureStatus::revoked);
  const auto list = dais::intel::threat_list(p);
  REQUIRE(list.signatures.size() == 2);  // what was published stays in the export
  const auto& a = list.signatures[0];
  CHECK(a.signature_id == "sig-a");
  REQUIRE(a.revoked.has_value());
  CHECK(a.revoked->revoked_step == 2u);
  CHECK(a.revoked->disputes == 2);
  CHECK(a.ended_step == 2u);
  CHECK(a.ended_at_seq == revoked.seq);
  CHECK_FALSE(a.live);
  CHECK_FALSE(list.signatures[1].revoked.has_value());
  CHECK(list.signatures[1].live);
  // Its expiry (30) is far off, yet no blocklist carries it: a revoked entry is not a decision.
  const auto decisions = dais::intel::crowdsec_decisions(list, ExportClock{});
  REQUIRE(decisions.size() == 1);
  CHECK(decisions[0]["value"] == "198.51.100.9");
  CHECK(dais::intel::plain_blocklist(list) == "198.51.100.9\n");
  CHECK(dais::intel::csv_blocklist(list, ExportClock{}).find("192.0.2.7") == std::string::npos);
  // STIX: version 1 at the decision, then a revoked version, added by the SignatureRevoked, saying why.
  const auto versions = dais::intel::stix_versions(list, ExportClock{});
  std::vector<json> of_a;
  for (const auto& v : versions) {
    if (v.object.value("id", "") == dais::intel::stix_indicator_id("sig-a", 1)) of_a.push_back(v.object);
  }
  REQUIRE(of_a.size() == 2);
  CHECK_FALSE(of_a[0].contains("revoked"));
  CHECK(of_a[1]["revoked"] == true);
  CHECK(of_a[1]["modified"] == "2020-01-01T00:02:00.000Z");
  CHECK(of_a[1]["valid_until"] == "2020-01-01T00:02:00.000Z");
  CHECK(of_a[1]["description"].get<std::string>().find("Revoked at step 2 (log seq " + std::to_string(revoked.seq) +
                                                       "): later evidence") != std::string::npos);
  CHECK(of_a[1]["description"].get<std::string>().find("2 disputes, 0 corroborations") != std::string::npos);
  bool added_by_revocation = false;
  for (const auto& v : versions) added_by_revocation |= v.object.value("revoked", false) && v.added_seq == revoked.seq;
  CHECK(added_by_revocation);
}

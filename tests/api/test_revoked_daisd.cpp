// A signature that later evidence revoked, seen through the real daisd's API: a run with
// validation.defence evidence (framing adversaries on a small classroom network, the setting of
// tests/server/test_evidence.cpp, where revocations happen) is served on loopback; its log's
// SignatureRevoked events name the revoked signatures. Each must read as "revoked" in
// GET /v1/signatures?status=revoked and /v1/signatures/{id}, never under status=accepted, and no
// export may present it as an active block: no CrowdSec decision or blocklist line while only that
// signature listed its indicator, and its STIX/TAXII indicator's latest version is `revoked: true`.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "tests/api/support/clients.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using namespace dais::api::testing;
using namespace std::chrono_literals;
using dais::TempDir;
using nlohmann::json;

namespace {

constexpr std::uint64_t kSteps = 50;

std::vector<std::string> evidence_argv(const TempDir& dir, std::uint16_t port) {
  std::vector<std::string> a{dais::test::program("daisd"), "--data", (dir / "log").string(), "--serve", "--listen",
                             "127.0.0.1:" + std::to_string(port), "--steps", std::to_string(kSteps), "--quiet"};
  // tests/server/test_support.h small_config, with evidence_config's adversaries and defence.
  for (const char* kv : {"simulation.scenario=classroom", "simulation.agents=12", "simulation.seed=42",
                         "traffic.flows_per_step=30", "traffic.first_campaign_step=3", "traffic.campaign_interval=6",
                         "traffic.campaigns=4", "traffic.propagation_delay=2", "detector.trees=40",
                         "detector.window=600", "detector.retrain_interval=10", "store.sync=none",
                         "faults.byzantine_fraction=0.34", "faults.poison_rate=0.5", "faults.adversary=framing",
                         "consensus.reputation=true", "validation.defence=evidence"}) {
    a.push_back("--set");
    a.push_back(kv);
  }
  return a;
}

json get_json(HttpClient& c, const std::string& target) {
  const auto r = c.get(target);
  REQUIRE_MESSAGE(r.status == 200, target << ": " << r.body);
  return r.json();
}

std::set<std::string> ids_of(const json& page) {
  std::set<std::string> out;
  for (const auto& s : page.at("signatures")) out.insert(s.at("id").get<std::string>());
  return out;
}

}  // namespace

TEST_CASE("daisd: a signature revoked by later evidence reads as revoked and is exported as no block") {
  TempDir dir;
  const auto port = dais::test::free_port();
  const auto err = dir / "daisd.err";
  dais::test::ChildProcess daisd(evidence_argv(dir, port), dir / "daisd.out", err);
  REQUIRE_MESSAGE(dais::test::wait_for_port(port, 30s), dais::test::read_text(err));
  HttpClient c(port, 20s);
  // The run ends and the server keeps serving; wait for its last step.
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (get_json(c, "/v1/stats").at("steps_completed").get<std::uint64_t>() < kSteps) {
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, dais::test::read_text(err));
    REQUIRE_MESSAGE(daisd.running(), dais::test::read_text(err));
    std::this_thread::sleep_for(100ms);
  }

  // What the log says was revoked (and what was accepted, to tell indicators apart).
  // A revoked signature may be proposed again (after consensus.window steps), which opens a new round:
  // it is revoked now when its latest SignatureRevoked comes after its latest SignatureProposed.
  std::vector<json> revocations;                    // every SignatureRevoked, in log order
  std::map<std::string, std::uint64_t> last_proposed, last_revoked;  // signature id -> seq
  for (std::uint64_t from = 0;;) {
    const auto page = get_json(c, "/v1/events?type=SignatureProposed,SignatureRevoked&limit=1000&from=" +
                                      std::to_string(from));
    for (const auto& entry : page.at("events")) {
      const auto& e = entry.at("event");
      const auto id = e.at("data").at("signature_id").get<std::string>();
      const auto seq = e.at("seq").get<std::uint64_t>();
      if (e.at("type") == "SignatureRevoked") {
        revocations.push_back(e);
        last_revoked[id] = seq;
      } else {
        last_proposed[id] = seq;
      }
    }
    if (!page.at("has_more").get<bool>()) break;
    from = page.at("next").get<std::uint64_t>();
  }
  std::set<std::string> expected;  // revoked now
  for (const auto& [id, seq] : last_revoked) {
    if (seq > last_proposed.at(id)) expected.insert(id);
  }
  REQUIRE_MESSAGE(expected.size() >= 2, "the evidence run revoked too little to test: " << expected.size());

  // The status filter: every signature revoked now, and only those, under status=revoked; none under accepted.
  const auto revoked_page = get_json(c, "/v1/signatures?status=revoked&limit=1000");
  const auto accepted_page = get_json(c, "/v1/signatures?status=accepted&limit=1000");
  CHECK(ids_of(revoked_page) == expected);
  for (const auto& id : ids_of(accepted_page)) CHECK_MESSAGE(!expected.count(id), id << " listed as accepted");
  CHECK(revoked_page.at("counts").at("revoked") == expected.size());
  CHECK(revoked_page.at("total") == expected.size());

  // The Prometheus gauge counts the same statuses (set after each step, so wait for the last one's).
  const auto counts = revoked_page.at("counts");
  const auto gauge = [&](const char* status) {
    return "dais_signatures{status=\"" + std::string(status) + "\"} " +
           std::to_string(counts.at(status).get<std::uint64_t>()) + "\n";
  };
  std::string metrics;
  for (const auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(50ms)) {
    metrics = c.get("/metrics").body;
    if (metrics.find(gauge("revoked")) != std::string::npos) break;
  }
  for (const char* status : {"pending", "accepted", "rejected", "revoked"}) {
    CHECK_MESSAGE(metrics.find(gauge(status)) != std::string::npos, gauge(status) << " not in\n" << metrics);
  }

  // The single-signature view: every revocation is on the round it ended (the current one, or one in
  // `history` when the signature was proposed again), with the event's step, seq and tally.
  std::map<std::string, std::string> indicator_of;  // revoked now
  std::size_t in_history = 0;
  for (const auto& e : revocations) {
    const auto id = e.at("data").at("signature_id").get<std::string>();
    CAPTURE(id);
    const auto view = get_json(c, "/v1/signatures/" + id);
    const bool now = expected.count(id) && last_revoked.at(id) == e.at("seq").get<std::uint64_t>();
    const json* evidence = nullptr;
    if (now) {
      CHECK(view.at("status") == "revoked");
      CHECK(view.at("decided_step").is_number());  // it was accepted first
      evidence = &view.at("evidence");
      indicator_of[id] = view.at("indicator").get<std::string>();
    } else {
      for (const auto& round : view.at("history")) {
        if (round.at("evidence").at("revoked_seq") != e.at("seq")) continue;
        CHECK(round.at("accepted") == true);  // by consensus, before the evidence revoked it
        evidence = &round.at("evidence");
        ++in_history;
        break;
      }
    }
    REQUIRE_MESSAGE(evidence != nullptr, view.dump());
    CHECK(evidence->at("revoked_step") == e.at("step"));
    CHECK(evidence->at("revoked_seq") == e.at("seq"));
    CHECK(evidence->at("disputes") == e.at("data").at("disputes"));
    CHECK(evidence->at("corroborations") == e.at("data").at("corroborations"));
    CHECK(evidence->at("dispute_weight") == e.at("data").at("dispute_weight"));
  }

  // This run proposes a revoked signature again, so the history path above was taken.
  CHECK(in_history > 0);

  // Indicators that some other signature now lists may rightly stay in a blocklist; the others may not.
  std::set<std::string> listed_by_others;
  for (const auto& s : accepted_page.at("signatures")) listed_by_others.insert(s.at("indicator").get<std::string>());
  std::set<std::string> must_not_block;
  for (const auto& [id, indicator] : indicator_of) {
    if (!listed_by_others.count(indicator)) must_not_block.insert(indicator);
  }
  REQUIRE_FALSE(must_not_block.empty());
  const auto decisions = json::parse(c.get("/v1/export/crowdsec").body);
  for (const auto& d : decisions) CHECK_MESSAGE(!must_not_block.count(d.at("value").get<std::string>()), d.dump());
  const auto txt = c.get("/v1/export/txt").body;
  for (const auto& indicator : must_not_block) CHECK(txt.find(indicator + "\n") == std::string::npos);

  // STIX and TAXII: each revoked signature's indicator object ends with a revoked version that says why.
  const auto bundle = json::parse(c.get("/v1/export/stix").body);
  std::map<std::string, json> latest;  // STIX id -> its latest version (versions come oldest first)
  for (const auto& o : bundle.at("objects")) latest[o.at("id").get<std::string>()] = o;
  const auto collections = c.request("GET", "/taxii2/dais/collections/", {},
                                     {{"Accept", "application/taxii+json;version=2.1"}}).json();
  const auto collection = collections.at("collections").at(0).at("id").get<std::string>();
  std::size_t checked = 0;
  for (const auto& [stix_id, o] : latest) {
    if (o.at("type") != "indicator") continue;
    const auto description = o.at("description").get<std::string>();
    bool of_revoked = false;
    for (const auto& e : revocations) {
      of_revoked |= description.find("(log seq " + std::to_string(e.at("seq").get<std::uint64_t>()) + ")") !=
                    std::string::npos;
    }
    if (!of_revoked) continue;
    CAPTURE(stix_id);
    CHECK(o.at("revoked") == true);
    CHECK(description.find("later evidence") != std::string::npos);
    const auto taxii = c.request("GET", "/taxii2/dais/collections/" + collection + "/objects/" + stix_id + "/", {},
                                 {{"Accept", "application/taxii+json;version=2.1"}});
    REQUIRE(taxii.status == 200);
    REQUIRE(taxii.json().at("objects").size() == 1);  // the latest version by default
    CHECK(taxii.json().at("objects").at(0) == o);
    ++checked;
  }
  CHECK(checked == revocations.size());  // one indicator ended by each revocation

  // A filter value nobody knows still names every status.
  const auto bad = c.get("/v1/signatures?status=withdrawn");
  CHECK(bad.status == 400);
  CHECK(bad.json().at("error").get<std::string>().find("pending, accepted, rejected or revoked") != std::string::npos);
  REQUIRE_MESSAGE(daisd.running(), dais::test::read_text(err));
}

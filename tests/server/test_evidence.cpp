// validation.defence evidence seen from the log: agents judge accepted signatures by the flows
// their blacklist blocked and their own model scored; disputes are logged with the evidence
// behind them, reputation follows the judgements (a fold of the log gives the weights the
// engine used), enough disputes revoke an entry from every list and from the blacklists
// projection, and the log is the same for 1 and 2 threads. Ground truth is read only to score.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agents/indicator.h"
#include "common/temp_dir.h"
#include "events/evidence.h"
#include "eventstore/store.h"
#include "projections/agent_state.h"
#include "projections/blacklists.h"
#include "server/run.h"
#include "tests/server/logged_run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

// A third of a small classroom network frames benign hosts; the defence judges what is accepted.
config::Config evidence_config(std::initializer_list<std::pair<const char*, const char*>> extra = {}) {
  auto c = test::small_config({{"simulation.agents", "12"},
                               {"simulation.steps", "50"},
                               {"faults.byzantine_fraction", "0.34"},
                               {"faults.poison_rate", "0.5"},
                               {"faults.adversary", "framing"},
                               {"consensus.reputation", "true"},
                               {"validation.defence", "evidence"}});
  for (const auto& [key, value] : extra) c.set_text(key, value, "test");
  return c;
}

struct Judgement {
  std::string signature_id;
  std::uint32_t agent = 0;
  std::uint64_t clean = 0, flagged = 0;
  double weight = 0;
};

Judgement judgement_of(const events::Event& e) {
  return Judgement{e.data.at("signature_id").get<std::string>(), e.data.at("agent").get<std::uint32_t>(),
                   e.data.at("clean").get<std::uint64_t>(), e.data.at("flagged").get<std::uint64_t>(),
                   e.data.at("weight").get<double>()};
}

}  // namespace

TEST_CASE("evidence: disputes are logged with the evidence behind them, reputation follows them, revocations lift entries") {
  TempDir tmp;
  auto store = test::open_store(tmp.path());
  auto run = server::Run::open(*store, evidence_config(), test::run_options());
  std::set<std::uint32_t> byzantine;
  projections::AgentState agents;      // folded from the log, event by event
  projections::Blacklists blacklists;  // likewise
  std::map<std::string, std::string> accepted;  // signature id -> indicator, while open to judgement
  std::set<std::pair<std::string, std::uint32_t>> judged;  // (signature, agent) since its acceptance
  std::uint64_t next_seq = 0, disputes = 0, corroborations = 0, revocations = 0, honest_disputes = 0;
  std::uint64_t weights_checked = 0, lowered = 0;
  while (!run->finished()) {
    run->step();
    std::vector<std::string> revoked_now;
    store->scan(next_seq, [&](const eventstore::StoredEvent& stored) {
      const auto e = events::parse_event(stored.bytes);
      next_seq = e.seq + 1;
      CAPTURE(e.seq);
      if (e.type == events::type::run_started) {
        const auto started = e.data.get<events::RunStarted>();
        byzantine.insert(started.byzantine.begin(), started.byzantine.end());
      } else if (e.type == events::type::vote_cast) {
        // The weight the engine gave a ballot is the fold's reputation of its voter so far.
        const auto v = e.data.get<events::VoteCast>();
        CHECK(v.weight == doctest::Approx(agents.reputation(v.voter)).epsilon(1e-12));
        ++weights_checked;
      } else if (e.type == events::type::consensus_reached) {
        const auto d = e.data.get<events::ConsensusReached>();
        if (d.accepted) accepted[d.signature_id] = d.indicator;
      } else if (e.type == events::type::signature_disputed || e.type == events::type::signature_corroborated) {
        const bool dispute = e.type == events::type::signature_disputed;
        const auto j = judgement_of(e);
        CAPTURE(j.signature_id);
        REQUIRE(accepted.count(j.signature_id));  // only accepted signatures are judged
        CHECK(e.data.at("indicator") == accepted.at(j.signature_id));
        CHECK(judged.insert({j.signature_id, j.agent}).second);  // once per agent
        CHECK(j.weight == doctest::Approx(agents.reputation(j.agent)).epsilon(1e-12));
        if (!byzantine.count(j.agent)) {
          // An honest judgement is what its own scored blocked flows say (agents/evidence.h).
          const double total = static_cast<double>(j.clean + j.flagged);
          if (dispute) {
            CHECK(j.clean >= 3);
            CHECK(static_cast<double>(j.flagged) <= 0.1 * total);
            ++honest_disputes;
          } else {
            CHECK(j.flagged >= 3);
            CHECK(static_cast<double>(j.flagged) >= 0.5 * total);
          }
        }
        const auto before = agents.reputation_model();
        agents.apply(e);
        // A dispute lowers the proposer (found from the fold's own records, not the engine).
        if (dispute && !(agents.reputation_model() == before)) ++lowered;
        ++(dispute ? disputes : corroborations);
        blacklists.apply(e);
        return true;
      } else if (e.type == events::type::signature_revoked) {
        const auto r = e.data.get<events::SignatureRevoked>();
        CHECK(r.disputes >= 2);
        CHECK(r.dispute_weight > r.corroboration_weight);
        CHECK(accepted.at(r.signature_id) == r.indicator);
        accepted.erase(r.signature_id);
        for (auto it = judged.begin(); it != judged.end();) {
          it = it->first == r.signature_id ? judged.erase(it) : std::next(it);
        }
        revoked_now.push_back(r.indicator);
        ++revocations;
      }
      agents.apply(e);
      blacklists.apply(e);
      if (e.type == events::type::signature_revoked) {
        // The projection no longer lists it, network-wide or on any agent's list.
        const auto& indicator = revoked_now.back();
        CHECK(blacklists.network().count(indicator) == 0);
        for (std::uint32_t a = 0; a < run->settings().agents; ++a) CHECK_FALSE(blacklists.blocks(a, indicator, e.step));
      }
      return true;
    });
    // The engine lifted every revoked entry from the network list and every agent's list.
    for (const auto& indicator : revoked_now) {
      const auto address = agents::parse_indicator_ipv4(indicator)->network;
      CHECK(run->engine().network_blacklist().count(address) == 0);
      for (std::uint32_t a = 0; a < run->settings().agents; ++a) CHECK_FALSE(run->engine().blocks(a, address));
    }
  }
  CHECK(weights_checked > 0);
  CHECK(honest_disputes > 0);
  CHECK(disputes > 0);
  CHECK(lowered > 0);
  CHECK(revocations > 0);
  const auto summary = run->summary();
  CHECK(summary.disputes == disputes);
  CHECK(summary.corroborations == corroborations);
  CHECK(summary.revoked == revocations);
  CHECK(summary.revoked == summary.attack_signatures_revoked + summary.benign_signatures_revoked);
  CHECK(summary.poisoned_revoked <= summary.revoked);
}

TEST_CASE("evidence: the log is the same for 1 and 2 threads") {
  TempDir one, two;
  const auto a = test::run_and_read(one.path(), evidence_config(), 1);
  const auto b = test::run_and_read(two.path(), evidence_config(), 2);
  CHECK(a.head == b.head);
  std::uint64_t judgements = 0;
  for (const auto& e : a.events) {
    judgements += e.type == events::type::signature_disputed || e.type == events::type::signature_corroborated;
  }
  CHECK(judgements > 0);
}

TEST_CASE("evidence: off by default, and the other defences log no judgement") {
  for (const char* defence : {"none", "abstain_unseen"}) {
    CAPTURE(defence);
    TempDir tmp;
    const auto logged = test::run_and_read(tmp.path(), evidence_config({{"validation.defence", defence}}));
    for (const auto& e : logged.events) {
      CHECK(e.type != events::type::signature_disputed);
      CHECK(e.type != events::type::signature_corroborated);
      CHECK(e.type != events::type::signature_revoked);
    }
    CHECK(logged.summary.revoked == 0);
  }
}

TEST_CASE("evidence_abstain: honest voters abstain on unseen addresses and evidence still judges") {
  TempDir tmp;
  const auto logged = test::run_and_read(tmp.path(), evidence_config({{"validation.defence", "evidence_abstain"}}));
  CHECK(logged.settings.validation.abstain_unseen);
  CHECK(logged.settings.validation.evidence);
}

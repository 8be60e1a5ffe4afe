// Attacker infrastructure and prefix signatures inside real runs: with a fresh
// address per target and no shared infrastructure, sharing protects no agent
// before its own hit, while the same run with a shared pool does; /24 runs log
// prefix indicators, never cover a protected address, and replay byte-identically.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "agents/features.h"
#include "agents/indicator.h"
#include "common/temp_dir.h"
#include "config/error.h"
#include "events/events.h"
#include "eventstore/store.h"
#include "server/run.h"
#include "tests/server/logged_run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

using test::run_options;

// `cfg` run to its end on a log of its own.
test::LoggedRun run_and_read(const config::Config& cfg, unsigned threads = 2) {
  TempDir dir;
  return test::run_and_read(dir.path(), cfg, threads);
}

config::Config infra_config(const char* fresh, const char* pool) {
  return test::small_config({{"simulation.steps", "40"},
                             {"traffic.campaigns", "4"},
                             {"attack.pool_size", pool},
                             {"attack.sources_per_target", "0"},
                             {"attack.fresh_address_per_target", fresh}});
}

}  // namespace

TEST_CASE("fresh addresses per target: sharing protects no agent before its hit; a shared pool does") {
  const auto fresh = run_and_read(infra_config("true", "2"));
  const auto shared = run_and_read(infra_config("false", "2"));
  // Both runs shared something, so the difference is the infrastructure, not idle consensus.
  REQUIRE(fresh.summary.accepted > 0);
  REQUIRE(shared.summary.accepted > 0);
  REQUIRE(fresh.summary.campaign_arrivals > 0);
  CHECK(fresh.summary.protected_before_hit_count == 0);
  CHECK(fresh.summary.protected_before_hit == 0.0);
  CHECK(shared.summary.protected_before_hit > 0.0);
}

TEST_CASE("/24 signatures: prefix indicators in the log, none covering a protected address, same log on replay") {
  // 172.16.0.5 is a shared server; half the pool is drawn from the network's own hosts.
  auto cfg = test::small_config({{"simulation.steps", "40"},
                                 {"attack.pool_size", "6"},
                                 {"attack.pool_benign_share", "0.5"},
                                 {"consensus.signature_prefix", "24"},
                                 {"consensus.protected", "[172.16.0.5]"}});
  const auto one = run_and_read(cfg, 1);
  const auto two = run_and_read(cfg, 2);
  CHECK(one.head == two.head);
  std::size_t proposals = 0;
  for (const auto& e : one.events) {
    if (e.type == events::type::signature_proposed) {
      ++proposals;
      const auto indicator = e.data.at("indicator").get<std::string>();
      CHECK_MESSAGE(indicator.ends_with(".0/24"), indicator);
    }
    if (e.type == events::type::consensus_reached && e.data.at("accepted").get<bool>()) {
      CHECK(e.data.at("indicator") != "172.16.0.0/24");
    }
  }
  CHECK(proposals > 0);

  TempDir dir;
  {
    auto store = test::open_store(dir.path());
    auto run = server::Run::open(*store, cfg, run_options(2));
    while (!run->finished()) run->step();
  }
  auto store = test::open_store(dir.path());
  const auto replayed = server::Run::replay(*store, std::nullopt, run_options(1));
  CHECK(to_hex(replayed->head().hash) == one.head);
}

TEST_CASE("a /24 run lifts a block by its prefix text; an address inside it is refused and nothing is logged") {
  TempDir dir;
  auto store = test::open_store(dir.path());
  auto run = server::Run::open(*store, test::small_config({{"consensus.signature_prefix", "24"}}), run_options(2));
  while (run->engine().network_blacklist().empty() && !run->finished()) run->step();
  REQUIRE_FALSE(run->engine().network_blacklist().empty());
  const auto network = run->engine().network_blacklist().begin()->first;
  const auto prefix_text = agents::format_indicator(network, 24);
  const auto head = run->head();
  CHECK_THROWS_AS(run->append_operator_input(events::type::blacklist_removed,
                                             events::BlacklistRemoved{agents::format_ipv4(network + 1), "test"}),
                  std::invalid_argument);
  CHECK(run->head().count == head.count);
  run->append_operator_input(events::type::blacklist_removed, events::BlacklistRemoved{prefix_text, "test"});
  CHECK(run->head().count == head.count + 1);
  CHECK(run->engine().network_blacklist().count(network) == 0);
  for (std::uint32_t a = 0; a < run->settings().agents; ++a) {
    CHECK_FALSE(run->engine().agent_blacklist(a).contains(network + 7));
  }
  CHECK(run->projections_snapshot()->blacklists().network().count(prefix_text) == 0);
}

TEST_CASE("attacker keys without a pool are a configuration error, and nothing is logged") {
  TempDir dir;
  auto store = test::open_store(dir.path());
  CHECK_THROWS_WITH_AS(server::Run::open(*store, test::small_config({{"attack.churn", "0.1"}}), run_options(1)),
                       doctest::Contains("attack.churn = 0.1 needs attacker infrastructure"), config::ConfigError);
  CHECK(store->head().count == 0);
}

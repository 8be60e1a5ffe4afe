// One renewal rule for blacklist entries (docs/SIMULATION.md "Blacklists"): a hit
// at step s extends the entry that blocked it to s + blacklist.expiry; the
// network entry of an accepted signature is extended by every agent's hits.
// The engine's network list, the agents' copies and the blacklists projection
// folded from the log must agree on it, step by step, over a whole run.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <tuple>

#include "agents/features.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using namespace dais;

namespace {

using Entry = std::tuple<std::string, std::uint64_t>;  // signature id, expires_step

std::unique_ptr<eventstore::Store> open_store(const std::filesystem::path& dir) {
  eventstore::StoreOptions o;
  o.sync = eventstore::SyncMode::none;
  return eventstore::Store::open(dir, o);
}

// A short expiry, so that entries expire and hits renew them within the run.
config::Config short_expiry_config(bool crashes) {
  auto cfg = test::small_config({{"blacklist.expiry", "4"}, {"simulation.steps", "40"}});
  if (crashes) cfg.set_text("faults.crash_rate", "0.05", "test");
  return cfg;
}

}  // namespace

TEST_CASE("the engine's network blacklist, the agents' copies and the projection agree on renewal by hits") {
  for (const bool crashes : {false, true}) {
    CAPTURE(crashes);
    TempDir tmp;
    auto store = open_store(tmp.path());
    server::Run::Options options;
    options.version = DAIS_VERSION;
    auto run = server::Run::open(*store, short_expiry_config(crashes), options);
    const auto agent_count = run->settings().agents;
    std::uint64_t renewed = 0;  // network entries whose expiry moved past their decision's
    std::map<std::string, std::uint64_t> decided_expiry;
    while (!run->finished()) {
      const auto step = run->completed_steps();
      run->step();
      const auto& engine = run->engine();
      const auto projections = run->projections_snapshot();

      // What can still block at the next step, as the engine holds it and as the log says.
      std::map<std::string, Entry> from_engine;
      for (const auto& [indicator, block] : engine.network_blacklist()) {
        if (block.expires_step > step + 1) {
          from_engine[agents::format_ipv4(indicator)] = {block.signature_id, block.expires_step};
        }
      }
      std::map<std::string, Entry> from_log;
      for (const auto& [indicator, e] : projections->blacklists().network()) {
        from_log[indicator] = {e.signature_id, e.expires_step};
        decided_expiry.try_emplace(e.signature_id, e.added_step + e.ttl);
        if (e.expires_step > decided_expiry[e.signature_id]) ++renewed;
      }
      REQUIRE_MESSAGE(from_engine == from_log, "after step " << step);

      // No agent's copy outlives the network entry; without crashes the latest copy is the entry.
      for (const auto& [indicator, block] : engine.network_blacklist()) {
        std::uint64_t latest = 0;
        for (std::uint32_t a = 0; a < agent_count; ++a) {
          if (const auto copy = engine.agent_blacklist(a).find(indicator)) {
            CHECK(copy->expires_step <= block.expires_step);
            latest = std::max(latest, copy->expires_step);
          }
        }
        if (!crashes) CHECK_MESSAGE(latest == block.expires_step, "indicator " << agents::format_ipv4(indicator));
      }
    }
    CHECK(renewed > 0);  // the run did exercise renewal
  }
}

// An agent's model is a pure function of the log and the deterministic
// traffic: refitting agent k's first forest from its pre-run history and the
// forest parameters reproduces the model_digest its ModelRetrained event logged.
#include <doctest/doctest.h>

#include "agents/isolation_forest.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "events/events.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using namespace dais;

TEST_CASE("rebuilding an agent's first forest from the traffic reproduces the logged model digest") {
  TempDir tmp;
  const auto cfg = test::small_config();
  eventstore::StoreOptions store_options;
  store_options.sync = eventstore::SyncMode::none;
  auto store = eventstore::Store::open(tmp.path(), store_options);
  server::Run::Options options;
  options.version = DAIS_VERSION;
  options.steps = 2;
  auto run = server::Run::open(*store, cfg, options);
  while (!run->finished()) run->step();

  std::map<std::uint32_t, std::string> first_digest;
  store->scan(0, [&](const eventstore::StoredEvent& e) {
    const auto ev = events::parse_event(e.bytes);
    if (ev.type == events::type::model_retrained) {
      const auto m = ev.data.get<events::ModelRetrained>();
      if (m.version == 1) first_digest[m.agent] = m.model_digest;
    }
    return true;
  });
  REQUIRE(first_digest.size() == run->settings().agents);

  const auto& settings = run->settings();
  for (const auto& [agent, digest] : first_digest) {
    std::vector<float> rows;
    const auto history = server::warmup_flows(settings, agent);
    // The training window keeps the newest detector.window flows.
    const std::size_t skip = history.size() > settings.detector.window ? history.size() - settings.detector.window : 0;
    for (std::size_t i = skip; i < history.size(); ++i) {
      rows.insert(rows.end(), history[i].features.begin(), history[i].features.end());
    }
    const auto forest =
        agents::IsolationForest::fit(rows, agents::kFeatureCount, server::forest_params(settings, agent, 1));
    CHECK_MESSAGE(to_hex(forest.digest()) == digest, "agent " << agent);
    // A different version's parameters give a different model: the digest is not a constant.
    const auto other =
        agents::IsolationForest::fit(rows, agents::kFeatureCount, server::forest_params(settings, agent, 2));
    CHECK(to_hex(other.digest()) != digest);
  }
}

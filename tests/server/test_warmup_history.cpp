// The pre-run history every agent's first model (and a recovering agent's model) is
// fitted on must look like the traffic the agent then scores: in the realistic
// scenario its window features, inter-arrival ones included, are counted from
// connections whose start times spread over each step as in the run. (They once
// were generated at step 2^62, where step × step length leaves a double no
// sub-step resolution: every connection of a step started at the same instant,
// so every gap was 0 and the inter-arrival variation of the whole history was 0.)
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "agents/segment_traffic.h"
#include "config/config.h"
#include "server/engine.h"
#include "server/settings.h"

using namespace dais;

namespace {

constexpr std::size_t kGapMean = 7;       // log1p mean gap between the source's starts, ms
constexpr std::size_t kGapVariation = 9;  // sd / mean of those gaps

server::EngineSettings settings_for(const char* scenario) {
  config::Config c;
  c.set_text("simulation.scenario", scenario, "test");
  c.set_text("simulation.seed", "3", "test");
  return server::settings_from_config(c);
}

double share_with_varying_gaps(const std::vector<agents::Flow>& flows) {
  const auto n = std::count_if(flows.begin(), flows.end(), [](const agents::Flow& f) { return f.features[kGapVariation] > 0; });
  return static_cast<double>(n) / static_cast<double>(flows.size());
}

double median_gap(const std::vector<agents::Flow>& flows) {
  std::vector<float> v;
  for (const auto& f : flows) v.push_back(f.features[kGapMean]);
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

TEST_CASE("the realistic warm-up history has the run's inter-arrival features") {
  const auto s = settings_for("realistic");
  for (std::uint32_t agent : {0u, 5u}) {
    CAPTURE(agent);
    const auto history = server::warmup_flows(s, agent);
    REQUIRE(history.size() >= s.detector.window);
    // The same amount of benign traffic from the run's first steps (no campaigns).
    agents::SegmentTraffic traffic(s.seed, agent, s.traffic);
    std::vector<agents::Flow> run;
    for (std::uint64_t step = 0; run.size() < history.size(); ++step) {
      const auto flows = traffic.flows(step, {});
      run.insert(run.end(), flows.begin(), flows.end());
    }
    const double history_share = share_with_varying_gaps(history), run_share = share_with_varying_gaps(run);
    MESSAGE("flows whose source's gaps vary: history ", history_share, ", run ", run_share);
    MESSAGE("median log1p mean gap (ms): history ", median_gap(history), ", run ", median_gap(run));
    CHECK(run_share > 0.2);
    CHECK(history_share == doctest::Approx(run_share).epsilon(0.25));
    CHECK(median_gap(history) == doctest::Approx(median_gap(run)).epsilon(0.05));
  }
}

TEST_CASE("the classroom warm-up history is unchanged: drawn features, no window") {
  // The classroom scenario's features are drawn per flow, so its history is what it always was
  // (its logs stay byte-identical): slot 9 is a drawn feature there, never a window statistic.
  const auto s = settings_for("classroom");
  const auto history = server::warmup_flows(s, 0);
  REQUIRE(history.size() >= s.detector.window);
  agents::SegmentTraffic traffic(s.seed, 0, s.traffic);
  const auto first = traffic.flows(std::uint64_t{1} << 62, {});
  REQUIRE(first.size() <= history.size());
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(first[i].features == history[i].features);
}

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <vector>

#include "agents/adversary.h"
#include "agents/traffic.h"
#include "agents/validation.h"

using namespace dais::agents;

namespace {

Flow flow_from(std::uint32_t source, float level) {
  Flow f;
  f.features.fill(level);
  f.source = source;
  return f;
}

const std::array<double, kFeatureCount> kSd = [] {
  std::array<double, kFeatureCount> sd{};
  sd.fill(1.0);
  return sd;
}();

AdversaryParams params_of(AdversaryStrategy strategy, double rate = 1.0) {
  AdversaryParams p;
  p.fraction = 0.2;
  p.poison_rate = rate;
  p.strategy = strategy;
  p.sleeper_steps = 10;
  p.low_rate = rate;
  return p;
}

// The context of agent 3 in `step` with these observations scored by `scores`, threshold 0.5.
ForgeContext context_of(std::uint64_t step, const std::vector<Flow>& observed, const std::vector<double>& scores,
                        const ValidatorView* view = nullptr, std::span<const Signature> seen = {}) {
  return ForgeContext{3, step, observed, scores, 0.5, nullptr, view, seen, kSd};
}

// The structural check that an adversary is not told who attacks: ForgeContext holds exactly
// these members (what its agent observed, its model and view, what reached it), nothing more.
struct KnownForgeContext {
  std::uint32_t agent;
  std::uint64_t step;
  std::span<const Flow> observed;
  std::span<const double> scores;
  double threshold;
  const IsolationForest* model;
  const ValidatorView* view;
  std::span<const Signature> seen;
  const std::array<double, kFeatureCount>& own_sd;
};
static_assert(sizeof(ForgeContext) == sizeof(KnownForgeContext),
              "ForgeContext gained a member: an adversary may know only what its agent saw");

// A view that has seen `counts[i]` clean flows from address `sources[i]`.
ValidatorView view_with(const std::vector<std::pair<std::uint32_t, int>>& clean_counts) {
  ValidatorView view;
  std::vector<Flow> flows;
  for (const auto& [source, count] : clean_counts) {
    for (int i = 0; i < count; ++i) flows.push_back(flow_from(source, 1.0f));
  }
  view.observe(flows, std::vector<double>(flows.size(), 0.1), 0.5);
  return view;
}

Signature real_attack(std::uint32_t indicator, double confidence) {
  Signature s;
  s.indicator = indicator;
  s.centroid.fill(9.0f);
  s.confidence = confidence;
  s.observations = 5;
  s.id = signature_id(indicator, s.centroid);
  return s;
}

}  // namespace

TEST_CASE("the Byzantine agents are a seeded share of the network, rounded down") {
  const Adversary none(7, AdversaryParams{0.0, 0.25, 3});
  CHECK(none.byzantine_agents(30).empty());

  const Adversary fifth(7, AdversaryParams{0.2, 0.25, 3});
  const auto chosen = fifth.byzantine_agents(30);
  REQUIRE(chosen.size() == 6);
  CHECK(std::is_sorted(chosen.begin(), chosen.end()));
  CHECK(std::adjacent_find(chosen.begin(), chosen.end()) == chosen.end());
  CHECK(chosen.back() < 30);
  CHECK(fifth.byzantine_agents(30) == chosen);  // a function of the seed alone
  CHECK(fifth.byzantine_agents(9).size() == 1);  // 1.8 rounds down

  const Adversary all(7, AdversaryParams{1.0, 0.25, 3});
  CHECK(all.byzantine_agents(4) == std::vector<std::uint32_t>{0, 1, 2, 3});

  // Another seed picks another sample of the same size (for this pair of seeds).
  const auto other = Adversary(8, AdversaryParams{0.2, 0.25, 3}).byzantine_agents(30);
  CHECK(other.size() == 6);
  CHECK(other != chosen);
}

TEST_CASE("strategies have names; only those names parse") {
  for (auto s : {AdversaryStrategy::forge, AdversaryStrategy::framing, AdversaryStrategy::sleeper,
                 AdversaryStrategy::low_rate}) {
    CHECK(parse_adversary_strategy(name(s)) == s);
  }
  CHECK_FALSE(parse_adversary_strategy("mimic").has_value());
}

TEST_CASE("colluders back each other's proposals and sink honest ones, with full conviction") {
  const Adversary adversary(1, params_of(AdversaryStrategy::forge));
  const auto for_colluder = adversary.vote(0, true);
  REQUIRE(for_colluder.has_value());
  CHECK(for_colluder->approve);
  CHECK(for_colluder->confidence == 1.0);
  const auto against_honest = adversary.vote(0, false);
  REQUIRE(against_honest.has_value());
  CHECK_FALSE(against_honest->approve);
  CHECK(against_honest->confidence == 1.0);

  auto alone = params_of(AdversaryStrategy::framing);
  alone.collude = false;  // no bloc: it votes as an honest validator would
  CHECK_FALSE(Adversary(1, alone).vote(0, true).has_value());
  CHECK_FALSE(Adversary(1, alone).vote(0, false).has_value());

  // A low-rate poisoner backs colluders but judges honest proposals honestly.
  const Adversary low(1, params_of(AdversaryStrategy::low_rate));
  CHECK(low.vote(0, true)->approve);
  CHECK_FALSE(low.vote(0, false).has_value());
}

TEST_CASE("a sleeper is honest before sleeper_steps, then poisons and votes as a bloc") {
  const Adversary sleeper(11, params_of(AdversaryStrategy::sleeper));
  const auto view = view_with({{20, 5}});
  const std::vector<Signature> seen{real_attack(100, 0.8)};
  const std::vector<Flow> observed{flow_from(20, 1.0f)};
  const std::vector<double> scores{0.1};
  for (std::uint64_t step = 0; step < 10; ++step) {
    CHECK(sleeper.reports_findings(step));
    CHECK_FALSE(sleeper.forge(context_of(step, observed, scores, &view, seen)).has_value());
    CHECK_FALSE(sleeper.vote(step, true).has_value());
    CHECK_FALSE(sleeper.vote(step, false).has_value());
  }
  for (std::uint64_t step = 10; step < 20; ++step) {
    CHECK_FALSE(sleeper.reports_findings(step));
    const auto forged = sleeper.forge(context_of(step, observed, scores, &view, seen));
    REQUIRE(forged.has_value());
    CHECK(forged->indicator == 20);
    CHECK(sleeper.vote(step, true)->approve);
  }
}

TEST_CASE("framing relabels the most convincing real signature it saw onto a popular benign address") {
  const Adversary framer(11, params_of(AdversaryStrategy::framing));
  CHECK_FALSE(framer.reports_findings(0));
  // Nine benign addresses by popularity (20 the most seen), one undecided address (30).
  std::vector<std::pair<std::uint32_t, int>> counts;
  for (std::uint32_t a = 20; a < 29; ++a) counts.emplace_back(a, 40 - static_cast<int>(a));
  auto view = view_with(counts);
  view.observe(std::vector<Flow>{flow_from(30, 1.0f)}, std::vector<double>{0.1}, 0.5);
  const std::vector<Signature> seen{real_attack(100, 0.6), real_attack(101, 0.9), real_attack(102, 0.7)};
  std::set<std::uint32_t> victims;
  for (std::uint64_t step = 0; step < 200; ++step) {
    const auto framed = framer.forge(context_of(step, {}, {}, &view, seen));
    REQUIRE(framed.has_value());
    CHECK(framed->centroid == seen[1].centroid);  // the real attack's content, unchanged
    CHECK(framed->confidence == seen[1].confidence);
    CHECK(framed->id == signature_id(framed->indicator, seen[1].centroid));
    victims.insert(framed->indicator);
  }
  // The eight most popular benign addresses: not the ninth, not the undecided one.
  CHECK(victims == std::set<std::uint32_t>{20, 21, 22, 23, 24, 25, 26, 27});
  // Nothing to relabel, or nowhere benign to put it: nothing.
  CHECK_FALSE(framer.forge(context_of(0, {}, {}, &view, {})).has_value());
  const auto empty = view_with({});
  CHECK_FALSE(framer.forge(context_of(0, {}, {}, &empty, seen)).has_value());
  // Never onto an address that is itself the indicator of a real signature it saw.
  const auto only = view_with({{100, 5}});
  CHECK_FALSE(framer.forge(context_of(0, {}, {}, &only, seen)).has_value());
}

TEST_CASE("a low-rate poisoner reports honestly and frames at its own rate") {
  const auto view = view_with({{20, 5}});
  const std::vector<Signature> seen{real_attack(100, 0.8)};
  const Adversary low(11, params_of(AdversaryStrategy::low_rate, 0.05));
  int framed = 0;
  for (std::uint64_t step = 0; step < 1000; ++step) {
    CHECK(low.reports_findings(step));
    if (low.forge(context_of(step, {}, {}, &view, seen))) ++framed;
  }
  CHECK(framed > 25);
  CHECK(framed < 80);
  CHECK_FALSE(Adversary(11, params_of(AdversaryStrategy::low_rate, 0.0)).forge(context_of(1, {}, {}, &view, seen)));
}

TEST_CASE("a forger frames an address its own model scores as normal, seen often enough") {
  std::vector<Flow> observed;
  std::vector<double> scores;
  for (int i = 0; i < 5; ++i) observed.push_back(flow_from(100, 9.0f)), scores.push_back(0.9);  // flagged
  for (int i = 0; i < 4; ++i) observed.push_back(flow_from(20, 1.0f)), scores.push_back(0.2);   // normal, often
  observed.push_back(flow_from(21, 2.0f)), scores.push_back(0.3);                                // normal, once
  const Adversary always(11, params_of(AdversaryStrategy::forge));
  for (std::uint64_t step = 0; step < 40; ++step) {
    const auto forged = always.forge(context_of(step, observed, scores));
    REQUIRE(forged.has_value());
    CHECK(forged->indicator == 20);
    CHECK(forged->confidence == 0.9);
    CHECK(forged->observations == 4);
  }
  const auto once = always.forge(context_of(5, observed, scores));
  const auto again = always.forge(context_of(5, observed, scores));
  REQUIRE(once.has_value());
  CHECK(once->id == again->id);
  CHECK(once->centroid == again->centroid);
  // Only flagged flows, or nothing observed: nothing to forge from.
  CHECK_FALSE(always.forge(context_of(1, {flow_from(100, 9.0f)}, {0.9})).has_value());
  CHECK_FALSE(always.forge(context_of(1, {}, {})).has_value());
}

TEST_CASE("a forgery is pushed just far enough that the forger's own model calls it anomalous") {
  std::vector<float> rows;
  std::vector<Flow> observed;
  std::vector<double> scores;
  dais::Stream noise(5, dais::Purpose::poison, 1, 1);
  for (int i = 0; i < 300; ++i) {
    Flow f;
    f.source = 20 + static_cast<std::uint32_t>(i % 3);
    for (auto& v : f.features) v = static_cast<float>(1.0 + 0.1 * noise.normal());
    rows.insert(rows.end(), f.features.begin(), f.features.end());
    if (i < 30) observed.push_back(f), scores.push_back(0.3);
  }
  ForestParams fp;
  fp.seed = 5;
  const auto model = IsolationForest::fit(rows, kFeatureCount, fp);
  std::array<double, kFeatureCount> sd{};
  sd.fill(0.1);
  auto params = params_of(AdversaryStrategy::forge);
  params.target_score = 0.6;
  const Adversary forger(11, params);
  for (std::uint64_t step = 0; step < 20; ++step) {
    const auto forged = forger.forge(ForgeContext{3, step, observed, scores, 0.5, &model, nullptr, {}, sd});
    REQUIRE(forged.has_value());
    CHECK(model.score_one(forged->centroid.data()) >= 0.6);
  }
}

TEST_CASE("an adversary never reads labels: relabelled flows give the same forgery") {
  std::vector<Flow> observed{flow_from(20, 1.0f), flow_from(20, 1.0f), flow_from(20, 1.0f), flow_from(21, 2.0f)};
  const std::vector<double> scores{0.1, 0.1, 0.1, 0.1};
  auto labelled = observed;
  for (auto& f : labelled) f.label = 7;  // ground truth says: all attackers
  const Adversary always(11, params_of(AdversaryStrategy::forge));
  for (std::uint64_t step = 0; step < 20; ++step) {
    const auto a = always.forge(context_of(step, observed, scores));
    const auto b = always.forge(context_of(step, labelled, scores));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->id == b->id);
    CHECK(a->centroid == b->centroid);
  }
}

TEST_CASE("an adversary forges at its poison rate") {
  const std::vector<Flow> observed{flow_from(20, 1.0f), flow_from(20, 1.0f), flow_from(20, 1.0f)};
  const std::vector<double> scores{0.1, 0.1, 0.1};
  const Adversary never(11, params_of(AdversaryStrategy::forge, 0.0));
  const Adversary sometimes(11, params_of(AdversaryStrategy::forge, 0.25));
  int forged = 0;
  for (std::uint64_t step = 0; step < 400; ++step) {
    CHECK_FALSE(never.forge(context_of(step, observed, scores)).has_value());
    if (sometimes.forge(context_of(step, observed, scores))) ++forged;
  }
  CHECK(forged > 60);
  CHECK(forged < 140);
}

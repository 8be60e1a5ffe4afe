#include <doctest/doctest.h>

#include <stdexcept>

#include <map>

#include "agents/isolation_forest.h"
#include "agents/signature.h"
#include "agents/traffic.h"
#include "tests/support/flow_builder.h"

using namespace dais::agents;
using dais::test::FlowBuilder;

TEST_CASE("extract_signatures groups flagged flows by source") {
  std::vector<Flow> flows;
  std::vector<double> scores;
  // Source 9: three flagged flows; source 5: four flagged; source 7: two flagged (too few);
  // source 3: five flows at exactly the threshold (not flagged: the test is strict).
  for (float v : {1.0f, 2.0f, 6.0f}) {
    flows.push_back(FlowBuilder().source(9).all_features(v).feature(syn_ratio, 0.5f).build());
    scores.push_back(0.7);
  }
  for (float v : {3.0f, 3.0f, 3.0f, 3.0f}) {
    flows.push_back(FlowBuilder().source(5).all_features(v).feature(syn_ratio, 0.5f).build());
    scores.push_back(0.9);
  }
  // Below the threshold: ignored.
  flows.push_back(FlowBuilder().source(9).all_features(100.0f).feature(syn_ratio, 0.5f).build());
  scores.push_back(0.4);
  for (int i = 0; i < 2; ++i) {
    flows.push_back(FlowBuilder().source(7).all_features(1.0f).feature(syn_ratio, 0.5f).build());
    scores.push_back(0.8);
  }
  for (int i = 0; i < 5; ++i) {
    flows.push_back(FlowBuilder().source(3).all_features(1.0f).feature(syn_ratio, 0.5f).build());
    scores.push_back(0.6);
  }
  const auto sigs = extract_signatures(flows, scores, 0.6, SignatureParams{3});
  REQUIRE(sigs.size() == 2);
  CHECK(sigs[0].indicator == 5);  // sorted by indicator
  CHECK(sigs[1].indicator == 9);
  const Signature& s9 = sigs[1];
  CHECK(s9.observations == 3);
  CHECK(s9.centroid[log_bytes_in] == doctest::Approx(3.0));
  CHECK(s9.lower[log_bytes_in] == doctest::Approx(1.0));
  CHECK(s9.upper[log_bytes_in] == doctest::Approx(6.0));
  CHECK(s9.confidence == doctest::Approx((0.7 - 0.6) / 0.4));
  CHECK(sigs[0].confidence == doctest::Approx(0.75));
  CHECK(s9.id.size() == 16);
  CHECK(s9.id.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(s9.id == signature_id(9, s9.centroid));
  CHECK(s9.id != sigs[0].id);

  CHECK(extract_signatures(flows, scores, 0.6, SignatureParams{5}).size() == 0);
  CHECK(extract_signatures(flows, scores, 0.6, SignatureParams{2}).size() == 3);
  CHECK(extract_signatures({}, {}, 0.5, {}).empty());
  const std::vector<double> short_scores(flows.size() - 1, 0.9);
  CHECK_THROWS_AS(extract_signatures(flows, short_scores, 0.5, {}), std::invalid_argument);
  CHECK_THROWS_AS(extract_signatures(flows, scores, std::nan(""), {}), std::invalid_argument);
}

TEST_CASE("confidence maps the mean score's margin above the threshold to [0, 1]") {
  CHECK(signature_confidence(0.5, 0.5) == 0.0);
  CHECK(signature_confidence(1.0, 0.5) == 1.0);
  CHECK(signature_confidence(0.75, 0.5) == doctest::Approx(0.5));
  CHECK(signature_confidence(0.2, 0.5) == 0.0);
  CHECK(signature_confidence(1.0, 1.0) == 0.0);
}

TEST_CASE("extract_signatures never reads labels") {
  const auto campaigns = plan_campaigns(3, 3, CampaignPlan{5, 0, 2, 0});
  std::vector<Flow> flows;
  for (std::uint64_t s = 0; s < 6; ++s)
    for (const Flow& f : generate_flows(3, 1, s, {}, campaigns)) flows.push_back(f);
  std::vector<double> scores;
  for (const Flow& f : flows) scores.push_back(0.3 + 0.1 * (f.features[log_packets] > 4.0f) + (f.label ? 0.3 : 0.0));
  auto garbage = flows;
  std::uint32_t x = 12345;
  for (Flow& f : garbage) f.label = (x = x * 1103515245u + 12345u);
  const auto a = extract_signatures(flows, scores, 0.5, {});
  const auto b = extract_signatures(garbage, scores, 0.5, {});
  REQUIRE(!a.empty());
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].centroid == b[i].centroid);
    CHECK(a[i].lower == b[i].lower);
    CHECK(a[i].upper == b[i].upper);
    CHECK(a[i].confidence == b[i].confidence);
    CHECK(a[i].observations == b[i].observations);
  }
}

TEST_CASE("two agents hit by the same campaign agree on the signature id") {
  // Each agent scores with its own forest (trained on its own benign traffic)
  // and extracts from its own flows; ids must still match per source.
  std::size_t pairs = 0, agreeing = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const auto campaigns = plan_campaigns(seed, 3, CampaignPlan{4, 10, 20, 1});
    std::vector<std::map<std::uint32_t, std::string>> ids(3);
    for (std::uint32_t agent = 0; agent < 3; ++agent) {
      std::vector<float> rows;
      for (std::uint64_t s = 0; s < 10; ++s)
        for (const Flow& f : generate_flows(seed, agent, s, {}, {}))
          rows.insert(rows.end(), f.features.begin(), f.features.end());
      ForestParams fp;
      fp.seed = seed * 7 + agent;
      fp.contamination = 0.05;
      const auto forest = IsolationForest::fit(rows, kFeatureCount, fp);
      for (const Campaign& c : campaigns) {
        const std::size_t t = *c.target_index(agent);
        std::vector<Flow> flows;
        for (std::uint64_t s = c.arrival_step(t); s < c.arrival_step(t) + 3; ++s)
          for (const Flow& f : generate_flows(seed, agent, s, {}, campaigns)) flows.push_back(f);
        std::vector<double> scores;
        for (const Flow& f : flows) scores.push_back(forest.score_one(f.features.data()));
        for (const Signature& sig : extract_signatures(flows, scores, forest.threshold(), {}))
          for (std::uint32_t src : c.sources)
            if (sig.indicator == src) ids[agent][src] = sig.id;
      }
    }
    for (const auto& [src, id] : ids[0])
      for (std::uint32_t other : {1u, 2u})
        if (const auto it = ids[other].find(src); it != ids[other].end()) {
          ++pairs;
          agreeing += it->second == id;
        }
  }
  MESSAGE("pairs " << pairs << " agreeing " << agreeing);
  CHECK(pairs >= 30);
  CHECK(agreeing == pairs);
}

TEST_CASE("signature ids: content hash of indicator and coarse profile") {
  FeatureVector benign_like{};
  benign_like.fill(1.0f);
  FeatureVector scan = benign_like;
  scan[log_distinct_dst_ports] = 5.0f;
  scan[syn_ratio] = 0.9f;
  CHECK(coarse_profile(benign_like) == "anomaly");
  CHECK(coarse_profile(scan) == "port_scan");
  CHECK(signature_id(1, scan) == signature_id(1, scan));
  CHECK(signature_id(1, scan) != signature_id(2, scan));
  CHECK(signature_id(1, scan) != signature_id(1, benign_like));
  FeatureVector nudged = scan;
  nudged[log_bytes_in] += 0.3f;  // small differences between observers keep the id
  CHECK(signature_id(1, nudged) == signature_id(1, scan));
}

TEST_CASE("forged and relabelled signatures") {
  std::vector<Flow> flows;
  for (float v : {1.0f, 2.0f, 3.0f})
    flows.push_back(FlowBuilder().source(0x0a000005u).all_features(v).feature(syn_ratio, 0.5f).build());
  dais::Stream rng(1, dais::Purpose::test);
  const Signature plain = forge_signature(0x0a000005u, flows, {}, 0.9, rng);
  CHECK(plain.indicator == 0x0a000005u);
  CHECK(plain.centroid[log_packets] == doctest::Approx(2.0));
  CHECK(plain.lower[log_packets] == doctest::Approx(1.0));
  CHECK(plain.upper[log_packets] == doctest::Approx(3.0));
  CHECK(plain.observations == 3);
  CHECK(plain.confidence == 0.9);
  CHECK(plain.id == signature_id(plain.indicator, plain.centroid));
  std::array<double, kFeatureCount> shift{};
  shift.fill(0.5);
  const Signature moved = forge_signature(0x0a000005u, flows, shift, 2.0, rng);
  CHECK(moved.confidence == 1.0);
  CHECK(moved.centroid != plain.centroid);
  for (std::size_t f = 0; f < kFeatureCount; ++f) {
    CHECK(moved.centroid[f] >= 0.0f);
    CHECK(moved.lower[f] <= moved.upper[f]);
  }
  CHECK(moved.centroid[syn_ratio] <= 1.0f);
  CHECK_THROWS_AS(forge_signature(1, {}, {}, 0.5, rng), std::invalid_argument);

  const Signature relabelled = relabel_signature(moved, 77);
  CHECK(relabelled.indicator == 77);
  CHECK(relabelled.centroid == moved.centroid);
  CHECK(relabelled.id == signature_id(77, moved.centroid));
}

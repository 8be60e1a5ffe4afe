// The realistic scenario's traffic: window features are counted from
// connection records (checked against hand counts), the segment's window is a
// pure function of the step whatever was asked before, benign traffic has its
// daily rhythm and overlapping services, and attack_distance really moves
// attacks from indistinguishable to separable (AUC of a fitted forest).
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "agents/connection.h"
#include "agents/flow_window.h"
#include "agents/isolation_forest.h"
#include "agents/roc_auc.h"
#include "agents/segment_traffic.h"

using namespace dais::agents;

namespace {

Connection record(std::uint32_t source, std::uint32_t host, std::uint16_t port, double start, std::uint32_t failed = 0) {
  Connection c;
  c.source = source;
  c.dst_host = host;
  c.dst_port = port;
  c.start_s = start;
  c.packets = 10;
  c.bytes_in = 1000;
  c.bytes_out = 500;
  c.failed_logins = failed;
  return c;
}

TrafficParams realistic(double distance = 3.0) {
  TrafficParams p;
  p.scenario = Scenario::realistic;
  p.attack_distance = distance;
  return p;
}

}  // namespace

TEST_CASE("window features equal hand counts over a small set of records") {
  // Window of 2 steps of 100 s each. Source 7 talks in step 0 and step 1, source 9 only in step 1.
  FlowWindow window(2);
  const std::vector<Connection> step0{record(7, 100, 22, 10, 1), record(7, 101, 22, 30), record(7, 101, 80, 60)};
  const std::vector<Connection> step1{record(9, 100, 443, 105), record(7, 102, 443, 120, 2),
                                      record(9, 100, 443, 150), record(7, 100, 22, 190)};
  window.advance(0, step0, 100);
  const std::vector<Flow> flows = window.advance(1, step1, 100);
  REQUIRE(flows.size() == 4);

  // Source 7's last flow (start 190) sees all five of its records: starts 10, 30, 60, 120, 190.
  // Ports {22, 80, 443} = 3, hosts {100, 101, 102} = 3, failed in 2 of 5 connections,
  // gaps 20, 30, 60, 70: mean 45 s, population sd sqrt(((25)^2+(15)^2+15^2+25^2)/4) = sqrt(425).
  const WindowStats last = window_stats(std::vector<Connection>{step0[0], step0[1], step0[2], step1[1], step1[3]}, 200);
  CHECK(last.flows == 5);
  CHECK(last.distinct_ports == 3);
  CHECK(last.distinct_hosts == 3);
  CHECK(last.failed_login_share == doctest::Approx(0.4));
  CHECK(last.inter_arrival_mean_s == doctest::Approx(45.0));
  CHECK(last.inter_arrival_cv == doctest::Approx(std::sqrt(425.0) / 45.0));
  const FeatureVector f = flows[3].features;
  CHECK(f[6] == doctest::Approx(std::log1p(3.0)));           // distinct ports
  CHECK(f[8] == doctest::Approx(std::log1p(3.0)));           // distinct hosts
  CHECK(f[4] == doctest::Approx(0.4));                       // failed-login share
  CHECK(f[7] == doctest::Approx(std::log1p(45000.0)));       // mean inter-arrival in ms
  CHECK(f[9] == doctest::Approx(std::sqrt(425.0) / 45.0));   // its variation
  CHECK(flows[3].source == 7u);

  // Source 7's flow at 120 sees only what came before it: starts 10, 30, 60, 120; two failed of four.
  CHECK(flows[1].features[4] == doctest::Approx(0.5));
  CHECK(flows[1].features[6] == doctest::Approx(std::log1p(3.0)));  // 22, 80, 443
  CHECK(flows[1].features[7] == doctest::Approx(std::log1p(110000.0 / 3.0)));

  // Source 9: first flow has no gap (mean = the window's 200 s), second one gap of 45 s, one host, one port.
  CHECK(flows[0].features[7] == doctest::Approx(std::log1p(200000.0)));
  CHECK(flows[2].features[7] == doctest::Approx(std::log1p(45000.0)));
  CHECK(flows[2].features[6] == doctest::Approx(std::log1p(1.0)));
  CHECK(flows[2].features[8] == doctest::Approx(std::log1p(1.0)));
  CHECK(flows[2].features[9] == doctest::Approx(0.0));

  // A third step: step 0 leaves the window, so source 7's history is steps 1 and 2 only.
  const std::vector<Flow> later = window.advance(2, {record(7, 103, 8080, 210)}, 100);
  CHECK(later[0].features[6] == doctest::Approx(std::log1p(3.0)));  // 443, 22, 8080
  CHECK(later[0].features[4] == doctest::Approx(1.0 / 3.0));        // only the 120 s one failed
}

TEST_CASE("FlowWindow refuses bad input") {
  CHECK_THROWS_AS(FlowWindow(0), std::invalid_argument);
  FlowWindow window(3);
  window.advance(5, {}, 10);
  CHECK_THROWS_AS(window.advance(5, {}, 10), std::invalid_argument);
  TrafficParams p = realistic();
  p.steps_per_day = 0;
  CHECK_THROWS_AS(SegmentTraffic(1, 0, p), std::invalid_argument);
  CHECK_THROWS_AS(SegmentTraffic(1, kMaxAgents, realistic()), std::invalid_argument);
}

TEST_CASE("a segment's flows at a step do not depend on what was asked before") {
  const auto campaigns = plan_campaigns(3, 4, CampaignPlan{6, 2, 3, 1, 0, 0, 1.0, kCampaignKindCount});
  SegmentTraffic in_order(3, 1, realistic());
  std::vector<Flow> at_12;
  for (std::uint64_t s = 0; s <= 12; ++s) at_12 = in_order.flows(s, campaigns);
  SegmentTraffic jumped(3, 1, realistic());
  const auto direct = jumped.flows(12, campaigns);
  REQUIRE(direct.size() == at_12.size());
  for (std::size_t i = 0; i < direct.size(); ++i) {
    CHECK(direct[i].features == at_12[i].features);
    CHECK(direct[i].source == at_12[i].source);
    CHECK(direct[i].label == at_12[i].label);
  }
}

TEST_CASE("benign traffic has a daily rhythm, backups at night and failed logins of its own") {
  TrafficParams p = realistic();
  p.steps_per_day = 24;
  std::map<bool, std::pair<double, int>> by_night;  // mean benign count, night vs day peak
  std::size_t failed = 0, logins = 0, backups = 0, monitor_ports = 0;
  std::set<std::uint16_t> monitored;
  for (std::int64_t step = 0; step < 48; ++step) {
    const auto records = generate_connections(5, 2, step, p, {});
    for (const auto& c : records) {
      if (c.service == RealisticService::login) {
        ++logins;
        failed += c.failed_logins > 0 ? 1 : 0;
      }
      if (c.service == RealisticService::backup) {
        ++backups;
        CHECK(backup_hours(p, step));
        CHECK(c.bytes_out > 1e7);
      }
      if (c.service == RealisticService::monitoring) monitored.insert(c.dst_port);
      CHECK(c.label == 0u);
    }
    const auto phase = step % 24;
    if (phase == 0 || phase == 12) by_night[phase == 0].first += static_cast<double>(records.size());
  }
  monitor_ports = monitored.size();
  CHECK(by_night[true].first < by_night[false].first);  // midnight quieter than midday
  CHECK(daily_rate(p, 0) == doctest::Approx(0.5));
  CHECK(daily_rate(p, 12) == doctest::Approx(1.5));
  CHECK(logins > 0);
  CHECK(failed > 0);  // honest users mistype: failed logins are not an attack by themselves
  CHECK(backups > 0);
  CHECK(monitor_ports >= 5);  // the monitoring host touches many ports, like a slow scan
}

namespace {

// AUC of a forest fitted on benign window features, scoring the flows of ordinary
// benign clients against one campaign's attack flows, at a given distance.
double separation(CampaignKind kind, double distance) {
  const std::uint64_t seed = 11;
  const std::uint32_t agent = 0;
  TrafficParams p = realistic(distance);
  SegmentTraffic train(seed, agent, p);
  std::vector<float> rows;
  for (std::uint64_t s = 1000; s < 1060; ++s)
    for (const auto& f : train.flows(s, {}))
      rows.insert(rows.end(), f.features.begin(), f.features.end());
  ForestParams fp;
  fp.seed = 5;
  const auto forest = IsolationForest::fit(rows, kFeatureCount, fp);

  Campaign c;
  c.id = 1;
  c.kind = kind;
  c.sources = {0x2d010203u};
  c.targets = {agent};
  c.start_step = 0;
  c.duration_steps = 200;
  c.intensity = 4;
  const std::vector<Campaign> campaigns{c};
  SegmentTraffic test(seed, agent, p);
  std::vector<Connection> records;
  std::vector<double> scores;
  std::vector<int> labels;
  for (std::uint64_t s = 0; s < 200; ++s) {
    const auto flows = test.flows(s, campaigns, records);
    for (std::size_t i = 0; i < flows.size(); ++i) {
      // Against the flows of ordinary clients (not the backup or monitoring hosts).
      const bool attack = records[i].label != 0;
      if (!attack && (records[i].service == RealisticService::backup ||
                      records[i].service == RealisticService::monitoring))
        continue;
      const auto score = forest.score(std::vector<float>(flows[i].features.begin(), flows[i].features.end()),
                                      kFeatureCount);
      scores.push_back(score[0]);
      labels.push_back(attack ? 1 : 0);
    }
  }
  return roc_auc(scores, labels);
}

}  // namespace

TEST_CASE("attack_distance goes from indistinguishable to separable") {
  for (CampaignKind kind : {CampaignKind::port_scan, CampaignKind::brute_force, CampaignKind::exfiltration,
                            CampaignKind::flood}) {
    CAPTURE(name(kind));
    const double hidden = separation(kind, 0.0);
    const double obvious = separation(kind, 8.0);
    MESSAGE(name(kind), " AUC at distance 0: ", hidden, ", at 8: ", obvious);
    CHECK(std::abs(hidden - 0.5) < 0.12);
    CHECK(obvious > 0.9);
  }
}

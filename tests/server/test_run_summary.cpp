// The protection figures cannot flatter: pairs never protected are counted, the
// mean over protected pairs is absent (JSON null, "n/a") when none was protected,
// the censored mean counts unprotected pairs to the run's end, and every attack kind
// reports its own recall and protection.
#include <doctest/doctest.h>

#include <string>

#include "agents/campaigns.h"
#include "server/protection_tracker.h"
#include "server/run_summary.h"

using namespace dais;
using agents::CampaignKind;
using server::ProtectionTracker;

namespace {

agents::Campaign campaign(std::uint32_t id, CampaignKind kind, std::uint64_t start, std::vector<std::uint32_t> targets,
                          std::uint32_t source) {
  agents::Campaign c;
  c.id = id;
  c.kind = kind;
  c.start_step = start;
  c.delay_steps = 2;
  c.duration_steps = 5;
  c.targets = std::move(targets);
  c.sources = {source};
  return c;
}

constexpr std::uint32_t kScanner = 0xcb007101, kFlooder = 0xcb007102;

}  // namespace

TEST_CASE("nothing protected: no time-to-protect mean, every arrival never protected, a censored mean to the end") {
  ProtectionTracker tracker;
  const std::vector<agents::Campaign> campaigns{campaign(1, CampaignKind::low_and_slow, 10, {0, 1, 2}, kScanner)};
  tracker.add_campaigns(campaigns);
  for (std::uint64_t step = 0; step < 20; ++step) tracker.observe(step, campaigns, [](auto, auto) { return false; });
  const auto f = tracker.figures(19);
  CHECK(f.arrived == 3);  // arrivals at 10, 12, 14
  CHECK(f.never_protected == 3);
  CHECK(f.share_never_protected() == 1.0);
  CHECK(f.share_before_hit() == 0.0);
  CHECK_FALSE(f.time_to_protect_mean);
  REQUIRE(f.time_to_protect_censored_mean);
  CHECK(*f.time_to_protect_censored_mean == doctest::Approx((10.0 + 8.0 + 6.0) / 3.0));

  server::RunSummary s;
  std::array<server::KindDetection, agents::kCampaignKindCount> detection{};
  detection[static_cast<std::size_t>(CampaignKind::low_and_slow)] = {40, 0};
  server::fill_protection(s, tracker, detection, 19);
  const nlohmann::json j = s;
  CHECK(j.at("time_to_protect_mean").is_null());
  CHECK(j.at("never_protected") == 1.0);
  CHECK(j.at("never_protected_count") == 3);
  CHECK(j.at("time_to_protect_censored_mean").get<double>() == doctest::Approx(8.0));
  CHECK(j.at("by_kind").size() == 1);
  CHECK(j.at("by_kind").at("low_and_slow").at("recall") == 0.0);
  CHECK(j.at("by_kind").at("low_and_slow").at("time_to_protect_mean").is_null());
  const auto text = s.text();
  CHECK(text.find("time-to-protect mean n/a") != std::string::npos);
  CHECK(text.find("100.0% never protected") != std::string::npos);
}

TEST_CASE("an easy kind cannot hide a hard one: per-kind recall and protection beside the totals") {
  ProtectionTracker tracker;
  const std::vector<agents::Campaign> campaigns{campaign(1, CampaignKind::port_scan, 2, {0, 1, 2, 3}, kScanner),
                                                campaign(2, CampaignKind::low_and_slow, 4, {0, 1}, kFlooder)};
  tracker.add_campaigns(campaigns);
  // The scanner is blocked everywhere from step 3 on; the slow attacker never.
  for (std::uint64_t step = 0; step < 12; ++step) {
    tracker.observe(step, campaigns,
                    [&](std::uint32_t, std::uint32_t address) { return address == kScanner && step >= 3; });
  }
  std::array<server::KindDetection, agents::kCampaignKindCount> detection{};
  detection[static_cast<std::size_t>(CampaignKind::port_scan)] = {100, 100};
  detection[static_cast<std::size_t>(CampaignKind::low_and_slow)] = {50, 5};
  server::RunSummary s;
  server::fill_protection(s, tracker, detection, 11);

  // Port scan arrives at 2, 4, 6, 8: protected at 3 (1 step after), then before the hit three times.
  // Low-and-slow arrives at 4 and 6 and is never protected: censored 8 and 6 steps to the end (12).
  CHECK(s.campaign_arrivals == 6);
  CHECK(s.protected_before_hit_count == 3);
  CHECK(s.protected_after_hit_count == 1);
  CHECK(s.never_protected_count == 2);
  CHECK(s.protected_before_hit == doctest::Approx(0.5));
  CHECK(s.never_protected == doctest::Approx(2.0 / 6.0));
  REQUIRE(s.time_to_protect_mean);
  CHECK(*s.time_to_protect_mean == doctest::Approx(0.25));  // over the 4 protected pairs only
  REQUIRE(s.time_to_protect_censored_mean);
  CHECK(*s.time_to_protect_censored_mean == doctest::Approx((1.0 + 8.0 + 6.0) / 6.0));

  REQUIRE(s.by_kind.size() == 2);
  const auto& scan = s.by_kind[0];
  const auto& slow = s.by_kind[1];
  CHECK(scan.kind == "port_scan");
  CHECK(slow.kind == "low_and_slow");
  CHECK(scan.recall == 1.0);
  CHECK(*slow.recall == doctest::Approx(0.1));
  CHECK(scan.protected_before_hit == doctest::Approx(0.75));
  CHECK(slow.protected_before_hit == 0.0);
  CHECK(slow.never_protected == 1.0);
  CHECK_FALSE(slow.time_to_protect_mean);
  CHECK(*slow.time_to_protect_censored_mean == doctest::Approx(7.0));
  const auto text = s.text();
  CHECK(text.find("low_and_slow  recall 0.1000") != std::string::npos);
}

TEST_CASE("pairs a campaign has not reached by the run's end are not counted") {
  ProtectionTracker tracker;
  const std::vector<agents::Campaign> campaigns{campaign(1, CampaignKind::flood, 8, {0, 1, 2}, kFlooder)};
  tracker.add_campaigns(campaigns);
  for (std::uint64_t step = 0; step < 10; ++step) tracker.observe(step, campaigns, [](auto, auto) { return true; });
  const auto f = tracker.figures(9);
  CHECK(f.arrived == 1);  // arrivals at 8, 10, 12
  CHECK(f.protected_before_hit == 1);
  CHECK(f.time_to_protect_mean == 0.0);
  CHECK(tracker.figures(9, CampaignKind::port_scan).arrived == 0);
  CHECK_FALSE(tracker.figures(9, CampaignKind::port_scan).time_to_protect_censored_mean);
}

// Mixing recorded with synthetic traffic (server/traffic_mix.h, traffic.mix): per agent and step
// the mixed stream is exactly the synthetic side followed by the recorded side, each as it is
// alone, labels kept; a recorded port scan mixed into synthetic benign traffic is flagged and
// blacklisted by agents that never saw it, gives the same head twice, with 2 threads and with
// crashes (recovering agents replay the mixed flows); dais-replay passes and refuses a changed
// file; a recording's benign flows carry synthetic campaigns; bad mixes end in clear errors.
#include <doctest/doctest.h>

#include <fstream>

#include "agents/segment_traffic.h"
#include "common/temp_dir.h"
#include "server/recorded_input.h"
#include "server/run.h"
#include "server/run_started.h"
#include "server/traffic_mix.h"
#include "tests/capture/csv_samples.h"
#include "tests/server/recorded_run.h"
#include "tests/server/test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"

using namespace dais;
namespace fs = std::filesystem;

namespace {

std::uint32_t ip(const char* text) { return *agents::parse_ipv4(text); }

const char* const kSegments = "[192.168.10.0/24, 192.168.11.0/24, 192.168.12.0/24, 192.168.13.0/24]";

// Four agents, one per sample segment; one step is 60 s on both sides.
config::Config mixed_config(const fs::path& path, const char* mix,
                            std::initializer_list<std::pair<const char*, const char*>> more = {}) {
  auto c = test::small_config({{"simulation.scenario", "realistic"},
                               {"simulation.agents", "4"},
                               {"simulation.steps", "0"},
                               {"traffic.source", "flows"},
                               {"traffic.mix", mix},
                               {"traffic.step_seconds", "60"},
                               {"traffic.steps_per_day", "1440"},
                               {"traffic.training_steps", "8"},
                               {"traffic.segments", kSegments}});
  c.set_text("traffic.path", path.string(), "test");
  for (const auto& [key, value] : more) c.set_text(key, value, "test");
  return c;
}

server::Run::Options options(unsigned threads = 1, const std::string& version = "test") {
  return test::recorded_options(threads, version);
}

// The recorded side as load_recorded_input builds it, without files.
std::shared_ptr<const server::RecordedInput> recorded_side(const server::EngineSettings& s,
                                                           server::RecordedParams::Keep keep) {
  std::vector<capture::FlowRecord> records;
  for (const auto& f : test::sample_network()) {
    capture::FlowRecord r;
    r.start_s = f.start;
    r.end_s = f.start + f.duration;
    r.src = *capture::IpAddress::parse(f.src);
    r.dst = *capture::IpAddress::parse(f.dst);
    r.dst_port = f.dport;
    r.protocol = static_cast<std::uint8_t>(f.proto);
    r.packets_fwd = f.pkts_fwd, r.packets_bwd = f.pkts_bwd, r.bytes_fwd = f.bytes_fwd, r.bytes_bwd = f.bytes_bwd;
    r.syn = f.syn;
    r.label = f.label;
    records.push_back(r);
  }
  server::RecordedParams p;
  p.agents = s.agents;
  p.step_seconds = s.recorded_traffic.step_seconds;
  p.training_steps = s.recorded_traffic.training_steps;
  p.window_steps = s.traffic.window_steps;
  for (int a = 0; a < 4; ++a) p.segments.push_back({*server::parse_ipv4_prefix(test::segment_host(a, 0) + "/24")});
  p.keep = keep;
  auto input = std::make_shared<server::RecordedInput>();
  input->traffic = server::RecordedTraffic::build(std::move(records), p);
  return input;
}

void check_same(std::span<const agents::Flow> got, std::span<const agents::Flow> want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    CHECK(got[k].features == want[k].features);
    CHECK(got[k].source == want[k].source);
    CHECK(got[k].dst_port == want[k].dst_port);
    CHECK(got[k].label == want[k].label);
  }
}

}  // namespace

TEST_CASE("keeping one side of a recording: the same steps and t0, that side's flows and labels only") {
  const auto s = server::settings_from_config(mixed_config("unused", "recorded_attacks"));
  using Keep = server::RecordedParams::Keep;
  const auto all = recorded_side(s, Keep::all);
  const auto attacks = recorded_side(s, Keep::attacks);
  const auto benign = recorded_side(s, Keep::benign);
  CHECK(attacks->traffic.steps() == all->traffic.steps());
  CHECK(benign->traffic.steps() == all->traffic.steps());
  CHECK(attacks->traffic.t0() == all->traffic.t0());
  CHECK(benign->traffic.t0() == all->traffic.t0());
  CHECK(attacks->traffic.kinds() == std::vector<std::string>{"PortScan"});
  CHECK(benign->traffic.kinds().empty());
  CHECK(attacks->traffic.attack_sources() == std::set<std::uint32_t>{ip(test::kScanner)});
  CHECK(attacks->traffic.sources() == std::set<std::uint32_t>{ip(test::kScanner)});
  CHECK(benign->traffic.sources().count(ip(test::kScanner)) == 0);
  const auto& c = all->traffic.counters();
  CHECK(attacks->traffic.counters().mixed_out == c.warmup_flows + c.run_flows - c.attack_flows);
  CHECK(benign->traffic.counters().mixed_out == c.attack_flows);
  std::uint64_t attack_flows = 0;
  for (std::uint32_t a = 0; a < 4; ++a) {
    for (std::uint64_t step = 0; step < all->traffic.steps(); ++step) {
      const auto whole = all->traffic.flows(a, step);
      std::vector<agents::Flow> attack_part, benign_part;
      for (const auto& f : whole) (f.label != 0 ? attack_part : benign_part).push_back(f);
      attack_flows += attack_part.size();
      // No source is on both sides, so each side's window features are those of the whole.
      check_same(attacks->traffic.flows(a, step), attack_part);
      check_same(benign->traffic.flows(a, step), benign_part);
    }
  }
  CHECK(attack_flows > 0);
}

TEST_CASE("recorded_attacks: each step is the synthetic benign stream, then the recording's attacks, both as alone") {
  auto s = server::settings_from_config(mixed_config("unused", "recorded_attacks"));
  CHECK(s.campaigns.count == 0);
  s.recorded = recorded_side(s, server::RecordedParams::Keep::attacks);
  const auto& recorded = s.recorded->traffic;
  std::uint64_t scans = 0;
  for (std::uint32_t a = 0; a < 4; ++a) {
    agents::SegmentTraffic mixed_traffic(s.seed, a, s.traffic);
    agents::SegmentTraffic alone(s.seed, a, s.traffic);
    for (std::uint64_t step = 0; step < recorded.steps(); ++step) {
      std::vector<agents::Flow> buffer;
      const auto mixed = server::segment_flows(s, mixed_traffic, a, step, {}, buffer);
      auto want = alone.flows(step, {});
      for (const auto& f : want) CHECK(f.label == 0);
      const auto synthetic = want.size();
      const auto attacks = recorded.flows(a, step);
      want.insert(want.end(), attacks.begin(), attacks.end());
      check_same(mixed, want);
      for (std::size_t k = synthetic; k < mixed.size(); ++k) CHECK(mixed[k].label == 1);  // PortScan
      scans += attacks.size();
    }
  }
  CHECK(scans > 0);
  // The warm-up: the synthetic history, then the recording's warm-up attacks (none here: the scan starts later).
  auto unmixed = s;
  unmixed.recorded.reset();
  check_same(server::warmup_flows(s, 0), server::warmup_flows(unmixed, 0));
}

TEST_CASE("recorded_benign: each step is the synthetic campaigns' flows, then the recording's benign flows") {
  auto s = server::settings_from_config(mixed_config(
      "unused", "recorded_benign", {{"traffic.first_campaign_step", "2"}, {"traffic.campaign_interval", "4"}}));
  CHECK(s.campaigns.count == 4);
  CHECK(s.campaigns.infrastructure.benign_share == 0);  // no synthetic network whose hosts a pool could borrow
  s.recorded = recorded_side(s, server::RecordedParams::Keep::benign);
  const auto& recorded = s.recorded->traffic;
  const auto campaigns = agents::plan_campaigns(s.seed, s.agents, s.campaigns);
  std::uint64_t attacks_seen = 0, benign_seen = 0;
  for (std::uint32_t a = 0; a < 4; ++a) {
    agents::SegmentTraffic mixed_traffic(s.seed, a, s.traffic);
    agents::SegmentTraffic alone(s.seed, a, s.traffic);
    for (std::uint64_t step = 0; step < recorded.steps(); ++step) {
      std::vector<agents::Flow> buffer;
      const auto mixed = server::segment_flows(s, mixed_traffic, a, step, campaigns, buffer);
      std::vector<agents::Flow> want;
      for (const auto& f : alone.flows(step, campaigns)) {
        if (f.label != 0) want.push_back(f);
      }
      const auto background = recorded.flows(a, step);
      for (const auto& f : background) CHECK(f.label == 0);
      attacks_seen += want.size();
      benign_seen += background.size();
      want.insert(want.end(), background.begin(), background.end());
      check_same(mixed, want);
    }
  }
  CHECK(attacks_seen > 0);
  CHECK(benign_seen > 0);
  // The warm-up is the recording's benign history alone.
  check_same(server::warmup_flows(s, 1), recorded.warmup(1));
}

// A SYN scan of 1000 ports a minute (each probe answered by RST) against segment 0. Against the
// realistic background it sits past the benign edge on few features (distinct ports, gaps): at the
// fixed threshold it is hardly flagged (docs/SIMULATION.md "Mixing"), so these runs calibrate each
// agent's threshold to its own traffic (detector.contamination, a documented detector setting).
std::vector<test::SampleFlow> scan_of_1000_ports() { return test::sample_network({.scans_per_step = 1000}); }
const std::pair<const char*, const char*> kCalibrated{"detector.contamination", "0.01"};

TEST_CASE("a recorded port scan in synthetic benign traffic: flagged, shared, same head, crashes replayed") {
  TempDir dir;
  const auto csv = dir.path() / "in" / "Friday-WorkingHours-Afternoon-PortScan.pcap_ISCX.csv";
  fs::create_directories(csv.parent_path());
  test::write_cic(csv, scan_of_1000_ports(), false);
  const auto mixed = [&](std::initializer_list<std::pair<const char*, const char*>> more = {}) {
    auto c = mixed_config(csv, "recorded_attacks", {kCalibrated});
    for (const auto& [key, value] : more) c.set_text(key, value, "test");
    return c;
  };
  const auto f = test::run_recorded_to_end(dir.path() / "data", mixed());
  const auto& s = f.summary;
  CHECK(s.labelled);
  REQUIRE(s.recorded);
  CHECK(s.recorded->mix == "recorded_attacks");
  CHECK(s.recorded->mixed_out > 0);  // the recording's benign flows
  CHECK(s.steps == 23);  // the recording's length: its last probe starts in capture step 30; 8 are warm-up
  REQUIRE(s.by_kind.size() == 1);
  CHECK(s.by_kind[0].kind == "PortScan");
  CHECK(s.by_kind[0].attack_flows == s.attack_flows);
  CHECK(s.attack_flows == 16 * 1000);  // the scan's 16 minutes in the run's 22 steps
  CHECK(*s.by_kind[0].recall > 0.25);
  CHECK(s.attack_signatures_accepted > 0);
  for (std::uint32_t a = 0; a < 4; ++a) CHECK(f.blocks_scanner[a]);  // agents 1-3 never saw a scan flow

  CHECK(test::run_recorded_to_end(dir.path() / "again", mixed()).head == f.head);
  CHECK(test::run_recorded_to_end(dir.path() / "threads", mixed(), 2).head == f.head);
  // Mixing changes what the agents see, so the log differs from the recording alone.
  auto alone = mixed({{"traffic.mix", "none"}});
  CHECK(test::run_recorded_to_end(dir.path() / "alone", alone).head != f.head);

  auto store = test::open_store(dir.path() / "data");
  const auto logged = server::read_run_started(*store, "test");
  REQUIRE(logged.started.traffic_files.size() == 1);
  CHECK(logged.started.config.at("traffic.mix") == "recorded_attacks");
  auto alone_store = test::open_store(dir.path() / "alone");
  CHECK_FALSE(server::read_run_started(*alone_store, "test").started.config.contains("traffic.mix"));

  // Crashes: a recovering agent replays the mixed flows it saw (a mismatch would throw ReplayMismatch).
  const auto crashing = mixed({{"faults.crash_rate", "0.2"}, {"faults.recovery_steps", "2"}});
  const auto crashed = test::run_recorded_to_end(dir.path() / "crash1", crashing);
  CHECK(crashed.summary.recoveries > 0);
  CHECK(test::run_recorded_to_end(dir.path() / "crash2", crashing, 2).head == crashed.head);
}

TEST_CASE("daisd mixes a CIC CSV into synthetic traffic; dais-replay passes, then refuses the changed file") {
  TempDir dir;
  const auto csv = dir.path() / "in" / "scan.csv";
  fs::create_directories(csv.parent_path());
  test::write_cic(csv, scan_of_1000_ports(), false);
  const auto data = dir.path() / "data";
  const auto summary = dir.path() / "summary.json";
  const auto ok = test::run({test::program("daisd"), "--quiet", "--agents", "4", "--steps", "0", "--data", data.string(),
                             "--summary-json", summary.string(), "--set", "store.sync=none", "--set",
                             "detector.trees=40", "--set", "detector.contamination=0.01", "--set", "traffic.source=flows", "--set",
                             "traffic.path=" + csv.string(), "--set", "traffic.mix=recorded_attacks", "--set",
                             "traffic.steps_per_day=1440", "--set", "traffic.training_steps=8", "--set",
                             std::string("traffic.segments=") + kSegments});
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.output.find("mixed: traffic.mix recorded_attacks") != std::string::npos);
  const auto j = nlohmann::json::parse(test::read_text(summary));
  CHECK(j.at("recorded_traffic").at("mix") == "recorded_attacks");
  CHECK(j.at("by_kind").at("PortScan").at("attack_flows").get<int>() > 0);
  CHECK(j.at("attack_signatures_accepted").get<int>() > 0);

  const auto replayed = test::run({test::program("dais-replay"), "--quiet", data.string()});
  CHECK(replayed.exit_code == 0);
  CHECK(replayed.output.find("identical") != std::string::npos);
  std::ofstream(csv, std::ios::app) << "\r\n";
  const auto changed = test::run({test::program("dais-replay"), "--quiet", data.string()});
  CHECK(changed.exit_code == 2);
  CHECK(changed.errors.find("scan.csv is not the one the run read") != std::string::npos);
}

TEST_CASE("recorded_benign: synthetic campaigns on the recording's benign flows, scored as campaigns") {
  TempDir dir;
  const auto csv = dir.path() / "network.csv";
  test::write_cic(csv, test::sample_network(), false);
  const auto config = [&] {
    return mixed_config(csv, "recorded_benign",
                        {{"traffic.first_campaign_step", "2"}, {"traffic.campaign_interval", "5"}, {"traffic.campaigns", "3"}});
  };
  const auto f = test::run_recorded_to_end(dir.path() / "data", config());
  const auto& s = f.summary;
  CHECK(s.labelled);
  REQUIRE(s.recorded);
  CHECK(s.recorded->mixed_out > 0);  // the recording's scan
  CHECK(s.campaign_arrivals > 0);
  CHECK(s.attack_flows > 0);
  for (const auto& k : s.by_kind) CHECK(k.kind != "PortScan");
  for (std::uint32_t a = 0; a < 4; ++a) CHECK_FALSE(f.blocks_scanner[a]);  // its flows were left out
  CHECK(test::run_recorded_to_end(dir.path() / "threads", config(), 2).head == f.head);

  // An operator's attack from an address the recording uses as a benign host is refused (400).
  auto store = test::open_store(dir.path() / "data2");
  auto run = server::Run::open(*store, config(), options());
  CHECK_THROWS_WITH_AS(run->attack_from_request(nlohmann::json{{"kind", "port_scan"}, {"sources", {"198.51.100.3"}}}),
                       doctest::Contains("198.51.100.3 is a benign host of the recorded traffic"),
                       std::invalid_argument);
  CHECK_NOTHROW(run->attack_from_request(nlohmann::json{{"kind", "port_scan"}, {"sources", {"203.0.113.9"}}}));
}

TEST_CASE("bad mixes end in a clear error and write nothing") {
  TempDir dir;
  const auto labelled = dir.path() / "labelled.csv";
  test::write_cic(labelled, test::sample_network(), false);
  const auto unlabelled = dir.path() / "unlabelled.csv";
  test::write_dais(unlabelled, test::sample_network(), false);
  const auto check_refused = [&](const std::string& name, const config::Config& c, const std::string& expected) {
    const auto message = test::recorded_run_error(dir.path() / name, c);
    CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
    CHECK(test::open_store(dir.path() / name)->head().empty());
  };
  check_refused("synthetic", test::small_config({{"simulation.scenario", "realistic"}, {"traffic.mix", "recorded_attacks"}}),
                "but traffic.source is synthetic");
  check_refused("no_path", mixed_config("", "recorded_attacks"), "traffic.path is empty");
  check_refused("unlabelled", mixed_config(unlabelled, "recorded_attacks"), "needs labels");
  check_refused("unlabelled2", mixed_config(unlabelled, "recorded_benign"), "needs labels");
  check_refused("steps", mixed_config(labelled, "recorded_attacks", {{"traffic.steps_per_day", "48"}}),
                "traffic.steps_per_day=1440");
  check_refused("classroom", mixed_config(labelled, "recorded_attacks", {{"simulation.scenario", "classroom"}}),
                "needs simulation.scenario=realistic");
  // A recording without attacks has nothing to inject.
  auto quiet = test::sample_network();
  std::erase_if(quiet, [](const test::SampleFlow& f) { return f.label != "BENIGN"; });
  const auto benign_only = dir.path() / "benign.csv";
  test::write_cic(benign_only, quiet, false);
  check_refused("nothing", mixed_config(benign_only, "recorded_attacks"), "holds no attack flow");
  // A recorded attacker inside the synthetic network's addresses would collide with its hosts.
  auto inside = test::sample_network();
  for (auto& f : inside) {
    if (f.src == test::kScanner) f.src = "10.0.0.77";
  }
  const auto colliding = dir.path() / "inside.csv";
  test::write_cic(colliding, inside, false);
  check_refused("inside", mixed_config(colliding, "recorded_attacks"), "recorded attacker 10.0.0.77 lies in the synthetic network");
  // Outside them, but its /16 signature would cover the shared servers 172.16.0.0/24; its /32 does not.
  auto near = test::sample_network();
  for (auto& f : near) {
    if (f.src == test::kScanner) f.src = "172.16.1.5";
  }
  const auto nearby = dir.path() / "near.csv";
  test::write_cic(nearby, near, false);
  check_refused("prefix", mixed_config(nearby, "recorded_attacks", {{"consensus.signature_prefix", "16"}}),
                "recorded attacker 172.16.1.5 (its /16 signature) lies in");
  CHECK(test::recorded_run_error(dir.path() / "host", mixed_config(nearby, "recorded_attacks")).empty());
  // The value itself is checked by the schema.
  config::Config c;
  CHECK_THROWS_WITH_AS(c.set_text("traffic.mix", "both", "test"), doctest::Contains("recorded_attacks"),
                       config::ConfigError);
}

// Recorded traffic driving the agents (server/recorded_traffic.h, server/recorded_input.h): flows
// placed in steps and segments as documented; CICFlowMeter and UNSW-NB15 CSVs run end to end with
// their labels scored (the scanner flagged, and blacklisted by agents that never saw it); the same
// input gives the same head twice and for 1 or 2 threads; unlabelled data give unknown figures;
// a changed or missing input makes replay refuse, naming the file; bad input ends in clear errors.
// A packet capture of the same network (traffic.source: pcap) runs end to end the same way.
#include <doctest/doctest.h>

#include <fstream>

#include "agents/features.h"
#include "capture/capture_writer.h"
#include "capture/packet_builder.h"
#include "capture/packet_parser.h"
#include "common/temp_dir.h"
#include "server/recorded_input.h"
#include "server/run.h"
#include "server/run_started.h"
#include "tests/capture/csv_samples.h"
#include "tests/server/recorded_run.h"
#include "tests/server/test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/text_files.h"

using namespace dais;
namespace fs = std::filesystem;

namespace {

capture::FlowRecord record(double start, const char* src, const char* dst, std::uint16_t dport,
                           std::optional<std::string> label = std::nullopt) {
  capture::FlowRecord r;
  r.start_s = start;
  r.end_s = start + 1;
  r.src = *capture::IpAddress::parse(src);
  r.dst = *capture::IpAddress::parse(dst);
  r.dst_port = dport;
  r.protocol = 6;
  r.packets_fwd = 3, r.packets_bwd = 2, r.bytes_fwd = 300, r.bytes_bwd = 900, r.syn = 2;
  r.label = std::move(label);
  return r;
}

std::uint32_t ip(const char* text) { return *agents::parse_ipv4(text); }

// Four agents, one per sample segment, and a quick detector.
config::Config recorded_config(const fs::path& path, std::initializer_list<std::pair<const char*, const char*>> more = {}) {
  auto c = test::small_config({{"simulation.scenario", "realistic"},
                               {"simulation.agents", "4"},
                               {"simulation.steps", "0"},
                               {"traffic.source", "flows"},
                               {"traffic.step_seconds", "60"},
                               {"traffic.training_steps", "8"},
                               {"traffic.segments", "[192.168.10.0/24, 192.168.11.0/24, 192.168.12.0/24, 192.168.13.0/24]"}});
  c.set_text("traffic.path", path.string(), "test");
  for (const auto& [key, value] : more) c.set_text(key, value, "test");
  return c;
}

server::Run::Options options(unsigned threads = 1, const std::string& version = "test") {
  return test::recorded_options(threads, version);
}

// The scanner sweeps segment 0 (agent 0) only; the kind is the label the format gives it.
void check_scored(const test::RecordedFinished& f, const std::string& scan_kind) {
  const auto& s = f.summary;
  CHECK(s.labelled);
  REQUIRE(s.recorded);
  CHECK(s.recorded->unassigned == 0);
  CHECK(s.attack_flows > 0);
  REQUIRE(s.by_kind.size() == 1);
  CHECK(s.by_kind[0].kind == scan_kind);
  CHECK(s.by_kind[0].attack_flows == s.attack_flows);
  CHECK(*s.by_kind[0].recall > 0.5);  // the scanner is flagged
  CHECK(s.accepted > 0);
  CHECK(s.attack_signatures_accepted > 0);
  // Shared: every agent blocks it, the three that never saw one of its flows included.
  for (std::uint32_t a = 0; a < 4; ++a) CHECK(f.blocks_scanner[a]);
}


// The sample network as packets on Ethernet, every packet in time order: TCP flows as handshake,
// data both ways and FIN/ACK close; the scanner's probes as SYN answered by RST/ACK; DNS as one
// UDP query and its answer. Packet and byte counts are the capture's own, not the sample's.
void write_sample_capture(const fs::path& file, const std::vector<test::SampleFlow>& flows) {
  namespace flag = capture::tcp_flag;
  std::vector<std::pair<double, capture::PacketSpec>> packets;
  for (const auto& f : flows) {
    const auto client = *capture::IpAddress::parse(f.src);
    const auto server = *capture::IpAddress::parse(f.dst);
    double t = f.start;
    const double gap = std::max(f.duration, 1e-4) / 8;
    auto add = [&](bool forward, std::uint8_t protocol, std::uint8_t flags, std::size_t payload) {
      capture::PacketSpec p{.src = forward ? client : server, .dst = forward ? server : client, .protocol = protocol,
                            .src_port = forward ? f.sport : f.dport, .dst_port = forward ? f.dport : f.sport,
                            .tcp_flags = flags, .payload = payload};
      packets.emplace_back(t, p);
      t += gap;
    };
    if (f.proto == 17) {
      add(true, 17, 0, 40);
      add(false, 17, 0, 150);
    } else if (f.rst > 0) {
      add(true, 6, flag::syn, 0);
      add(false, 6, flag::rst | flag::ack, 0);
    } else {
      add(true, 6, flag::syn, 0);
      add(false, 6, flag::syn | flag::ack, 0);
      add(true, 6, flag::ack, 0);
      add(true, 6, flag::psh | flag::ack, f.bytes_fwd / 2);
      add(false, 6, flag::psh | flag::ack, f.bytes_bwd / 2);
      add(true, 6, flag::fin | flag::ack, 0);
      add(false, 6, flag::fin | flag::ack, 0);
      add(true, 6, flag::ack, 0);
    }
  }
  std::stable_sort(packets.begin(), packets.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  capture::CaptureWriter writer(file, capture::LinkType::ethernet);
  for (const auto& [time, spec] : packets) writer.write(time, capture::build_frame(capture::LinkType::ethernet, spec));
  writer.close();
}

}  // namespace

TEST_CASE("steps are slices of capture time; the first training_steps are the warm-up") {
  std::vector<capture::FlowRecord> records = {
      record(1000.7, "198.51.100.1", "10.0.0.5", 80),   // t0 = 1000: capture step 0 (warm-up)
      record(1059.9, "198.51.100.1", "10.0.0.5", 80),   // step 0
      record(1060.0, "198.51.100.2", "10.0.0.5", 443),  // step 1: run step 0
      record(1250.0, "198.51.100.3", "10.0.0.5", 22, "SSH-Patator"),  // step 4: run step 3
      record(1130.0, "198.51.100.4", "10.0.0.5", 53),   // step 2 (input order does not matter)
  };
  server::RecordedParams params;
  params.agents = 1;
  params.step_seconds = 60;
  params.training_steps = 1;
  const auto t = server::RecordedTraffic::build(records, params);
  CHECK(t.t0() == 1000);
  CHECK(t.steps() == 4);
  CHECK(t.warmup(0).size() == 2);
  CHECK(t.flows(0, 0).size() == 1);
  CHECK(t.flows(0, 0)[0].source == ip("198.51.100.2"));
  CHECK(t.flows(0, 1).size() == 1);
  CHECK(t.flows(0, 1)[0].source == ip("198.51.100.4"));
  CHECK(t.flows(0, 2).empty());
  REQUIRE(t.flows(0, 3).size() == 1);
  CHECK(t.flows(0, 3)[0].label == 1);
  CHECK(t.flows(0, 4).empty());  // past the data
  CHECK(t.labelled());
  CHECK(t.kinds() == std::vector<std::string>{"SSH-Patator"});
  CHECK(t.attack_sources() == std::set<std::uint32_t>{ip("198.51.100.3")});
  // The window features are those of synthetic traffic: bytes in = the initiator's bytes.
  const auto& f = t.warmup(0)[1].features;
  CHECK(f[agents::log_bytes_in] == doctest::Approx(std::log1p(300.0)));
  CHECK(f[agents::log_bytes_out] == doctest::Approx(std::log1p(900.0)));
  CHECK(f[agents::syn_ratio] == doctest::Approx(2.0 / 5.0));

  params.training_steps = 5;
  CHECK_THROWS_WITH_AS(server::RecordedTraffic::build(records, params),
                       doctest::Contains("traffic.training_steps = 5 leaves no step to run"), std::invalid_argument);
}

TEST_CASE("segments: CIDRs by longest prefix, outbound flows turned around, IPv6 and strays counted") {
  std::vector<capture::FlowRecord> records = {
      record(0, "198.51.100.1", "10.1.0.5", 80),   // into agent 1's /16
      record(1, "198.51.100.1", "10.1.2.5", 80),   // agent 0's /24 is longer than agent 1's /16
      record(2, "10.1.0.7", "203.0.113.9", 443),   // leaves agent 1: the remote party is the destination
      record(3, "2001:db8::1", "10.1.0.5", 80),    // IPv6: skipped
      record(4, "198.51.100.1", "172.20.0.1", 80), // nobody's
  };
  server::RecordedParams params;
  params.agents = 2;
  params.training_steps = 1;
  params.step_seconds = 10;
  records.push_back(record(20, "198.51.100.9", "10.1.0.5", 80));  // one run step
  params.segments = {{*server::parse_ipv4_prefix("10.1.2.0/24")}, {*server::parse_ipv4_prefix("10.1.0.0/16")}};
  const auto t = server::RecordedTraffic::build(records, params);
  CHECK(t.counters().ipv6_skipped == 1);
  CHECK(t.counters().unassigned == 1);
  REQUIRE(t.warmup(0).size() == 1);
  REQUIRE(t.warmup(1).size() == 2);
  CHECK(t.warmup(1)[0].source == ip("198.51.100.1"));
  CHECK(t.warmup(1)[1].source == ip("203.0.113.9"));
  CHECK(t.warmup(1)[1].features[agents::log_bytes_in] == doctest::Approx(std::log1p(900.0)));
  CHECK_FALSE(t.labelled());

  params.segments.pop_back();
  CHECK_THROWS_WITH_AS(server::RecordedTraffic::build(records, params),
                       doctest::Contains("lists 1 segments for 2 agents"), std::invalid_argument);
  // Hash: every destination goes to one agent, the same one every time.
  params.segments.clear();
  const auto a = server::RecordedTraffic::build(records, params);
  const auto b = server::RecordedTraffic::build(records, params);
  CHECK(a.warmup(0).size() + a.warmup(1).size() == 4);
  CHECK(a.warmup(0).size() == b.warmup(0).size());
}

TEST_CASE("a label file decides the labels when given") {
  TempDir dir;
  const auto file = dir.write("labels.csv",
                              "source,destination,start,end,kind\n"
                              "198.51.100.3,*,,,brute_force\n"
                              "198.51.100.0/24,10.0.0.5,1100,1200,scan\n");
  const auto rules = server::read_label_file(file);
  REQUIRE(rules.size() == 2);
  std::vector<capture::FlowRecord> records = {
      record(1000, "198.51.100.3", "10.0.0.9", 22, "BENIGN"),  // the file wins over the data
      record(1150, "198.51.100.7", "10.0.0.5", 80),
      record(1250, "198.51.100.7", "10.0.0.5", 80),  // after the range: benign
  };
  server::RecordedParams params;
  params.training_steps = 1;
  params.step_seconds = 100;
  params.label_rules = rules;
  params.use_label_rules = true;
  const auto t = server::RecordedTraffic::build(records, params);
  CHECK(t.kinds() == std::vector<std::string>{"brute_force", "scan"});
  CHECK(t.warmup(0)[0].label == 1);
  CHECK(t.flows(0, 0)[0].label == 2);
  CHECK(t.flows(0, 1)[0].label == 0);

  const auto bad = dir.write("bad.csv", "source,destination,start,end,kind\n10.0.0.300,*,,,x\n");
  CHECK_THROWS_WITH_AS(server::read_label_file(bad), doctest::Contains("bad.csv line 2: '10.0.0.300'"),
                       server::RunError);
  const auto headless = dir.write("headless.csv", "1.2.3.4,*,,,x\n");
  CHECK_THROWS_WITH_AS(server::read_label_file(headless), doctest::Contains("starts with the header"),
                       server::RunError);
}

TEST_CASE("a CICFlowMeter CSV runs end to end: scanner flagged, shared, blocked by agents that never saw it") {
  TempDir dir;
  const auto csv = dir.path() / "Friday-WorkingHours-Afternoon-PortScan.pcap_ISCX.csv";
  const auto flows = test::sample_network();
  test::write_cic(csv, flows, false);
  const auto f = test::run_recorded_to_end(dir.path() / "data", recorded_config(csv));
  check_scored(f, "PortScan");
  CHECK(f.summary.steps == 22);  // 30 capture steps, 8 of them warm-up
  CHECK(f.summary.recorded->flows == flows.size());
  CHECK(f.summary.recorded->rows_read == flows.size());

  // Same input, same log: again, and with two threads.
  CHECK(test::run_recorded_to_end(dir.path() / "again", recorded_config(csv)).head == f.head);
  CHECK(test::run_recorded_to_end(dir.path() / "threads", recorded_config(csv), 2).head == f.head);

  // The log names the input, and a synthetic run's RunStarted knows nothing of recorded traffic.
  auto store = test::open_store(dir.path() / "data");
  const auto logged = server::read_run_started(*store, "test");
  REQUIRE(logged.started.traffic_files.size() == 1);
  CHECK(logged.started.traffic_files[0].name == csv.filename().string());
  CHECK(logged.started.traffic_files[0].size == fs::file_size(csv));
  CHECK(logged.started.traffic_files[0].sha256.size() == 64);
  CHECK(logged.started.config.at("traffic.source") == "flows");
  CHECK(logged.started.steps == 22);
  auto synthetic_store = test::open_store(dir.path() / "synthetic");
  server::Run::open(*synthetic_store, test::small_config({{"simulation.steps", "1"}}), options());
  const auto first = synthetic_store->get(0);
  REQUIRE(first);
  CHECK(first->bytes.find("traffic.source") == std::string::npos);
  CHECK(first->bytes.find("traffic_files") == std::string::npos);
}

TEST_CASE("UNSW-NB15's headerless CSV runs end to end with its labels scored") {
  TempDir dir;
  test::write_unsw(dir.path() / "UNSW-NB15_1.csv", test::sample_network(), false);
  check_scored(test::run_recorded_to_end(dir.path() / "data", recorded_config(dir.path() / "UNSW-NB15_1.csv")), "Reconnaissance");
}

TEST_CASE("without labels the figures are unknown, and the run still detects, shares and votes") {
  TempDir dir;
  const auto csv = dir.path() / "flows.csv";
  test::write_dais(csv, test::sample_network(), false);
  const auto f = test::run_recorded_to_end(dir.path() / "data", recorded_config(csv));
  CHECK_FALSE(f.summary.labelled);
  CHECK(f.summary.by_kind.empty());
  CHECK(f.summary.votes > 0);
  CHECK(f.summary.accepted > 0);
  for (std::uint32_t a = 0; a < 4; ++a) CHECK(f.blocks_scanner[a]);
  const nlohmann::json j = f.summary;
  CHECK(j.at("precision").is_null());
  CHECK(j.at("recall").is_null());
  CHECK(j.at("f1").is_null());
  CHECK(j.at("recorded_traffic").at("labelled") == false);
  CHECK(f.summary.text().find("precision unknown  recall unknown") != std::string::npos);

  // A label file gives the same data their ground truth back.
  const auto labels = dir.write("truth.csv", std::string("source,destination,start,end,kind\n") + test::kScanner +
                                                 ",*,,,port_scan\n");
  auto with_labels = recorded_config(csv);
  with_labels.set_text("traffic.labels", labels.string(), "test");
  check_scored(test::run_recorded_to_end(dir.path() / "labelled", with_labels), "port_scan");
}

TEST_CASE("a folder is read in name order; replay refuses a changed or missing file, naming it") {
  TempDir dir;
  const auto flows = test::sample_network();
  const std::vector<test::SampleFlow> first(flows.begin(), flows.begin() + flows.size() / 2);
  const std::vector<test::SampleFlow> second(flows.begin() + flows.size() / 2, flows.end());
  fs::create_directories(dir.path() / "in");
  test::write_cic(dir.path() / "in" / "b.csv", second, true);
  test::write_cic(dir.path() / "in" / "a.csv", first, false);
  const auto f = test::run_recorded_to_end(dir.path() / "data", recorded_config(dir.path() / "in"));
  check_scored(f, "PortScan");
  auto store = test::open_store(dir.path() / "data");
  const auto logged = server::read_run_started(*store, "test");
  REQUIRE(logged.started.traffic_files.size() == 2);
  CHECK(logged.started.traffic_files[0].name == "a.csv");
  CHECK(logged.started.traffic_files[1].name == "b.csv");

  auto replay_error = [&](server::Run::Options o) -> std::string {
    try {
      server::Run::replay(*store, std::nullopt, o);
    } catch (const server::RunError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(replay_error(options()).empty());
  // Moved: found again with traffic_dir.
  fs::rename(dir.path() / "in", dir.path() / "moved");
  CHECK(replay_error(options()).find("recorded traffic file a.csv is missing") != std::string::npos);
  auto moved = options();
  moved.traffic_dir = dir.path() / "moved";
  CHECK(replay_error(moved).empty());
  // One byte changed: refused, naming the file.
  std::ofstream(dir.path() / "moved" / "b.csv", std::ios::app) << "\n";
  CHECK(replay_error(moved).find("b.csv is not the one the run read") != std::string::npos);
  // A resume reads the same files by the same rule.
  store.reset();
  fs::rename(dir.path() / "moved", dir.path() / "in");
  CHECK(test::recorded_run_error(dir.path() / "data", recorded_config(dir.path() / "in")).find("b.csv is not the one the run read") !=
        std::string::npos);
}

TEST_CASE("dais-replay --traffic-dir, and its refusal of a changed file (exit 2, naming it)") {
  TempDir dir;
  const auto csv = dir.path() / "in" / "cic.csv";
  fs::create_directories(csv.parent_path());
  test::write_cic(csv, test::sample_network({.steps = 16, .scan_start = 10}), false);
  const auto data = dir.path() / "data";
  {
    auto store = test::open_store(data);
    auto run = server::Run::open(*store, recorded_config(csv), options(1, DAIS_VERSION));
    while (!run->finished()) run->step();
  }
  const auto ok = test::run({test::program("dais-replay"), "--quiet", data.string()});
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("identical") != std::string::npos);
  fs::rename(dir.path() / "in", dir.path() / "elsewhere");
  const auto moved = test::run({test::program("dais-replay"), "--quiet", data.string()});
  CHECK(moved.exit_code == 2);
  CHECK(moved.errors.find("cic.csv is missing") != std::string::npos);
  const auto found = test::run(
      {test::program("dais-replay"), "--quiet", "--traffic-dir", (dir.path() / "elsewhere").string(), data.string()});
  CHECK(found.exit_code == 0);
  std::ofstream(dir.path() / "elsewhere" / "cic.csv", std::ios::app) << "1,2\n";
  const auto changed = test::run(
      {test::program("dais-replay"), "--quiet", "--traffic-dir", (dir.path() / "elsewhere").string(), data.string()});
  CHECK(changed.exit_code == 2);
  CHECK(changed.errors.find("elsewhere/cic.csv is not the one the run read") != std::string::npos);
}

TEST_CASE("daisd on a flow CSV: summary with the input's counts; a garbage CSV exits 2 naming it") {
  TempDir dir;
  const auto csv = dir.path() / "flows.csv";
  test::write_dais(csv, test::sample_network({.steps = 16, .scan_start = 10}), false);
  const auto summary = dir.path() / "summary.json";
  const std::vector<std::string> common = {
      test::program("daisd"), "--quiet", "--agents", "4", "--set", "store.sync=none", "--set", "traffic.source=flows",
      "--set", "traffic.training_steps=8", "--set", "detector.trees=40", "--steps", "0"};
  auto args = common;
  for (const char* a : {"--data", "", "--set", "", "--summary-json", ""}) args.emplace_back(a);
  args[args.size() - 5] = (dir.path() / "data").string();
  args[args.size() - 3] = "traffic.path=" + csv.string();
  args[args.size() - 1] = summary.string();
  const auto ok = test::run(args);
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.output.find("precision unknown") != std::string::npos);
  CHECK(ok.output.find("recorded traffic: 1 files") != std::string::npos);
  const auto j = nlohmann::json::parse(test::read_text(summary));
  CHECK(j.at("steps") == 8);  // the data end after 16 capture steps, 8 of them warm-up
  CHECK(j.at("recall").is_null());
  CHECK(j.at("recorded_traffic").at("run_flows").get<int>() > 0);

  const auto garbage = dir.write("garbage.csv", "this is not,a flow file\n1,2\n");
  args[args.size() - 5] = (dir.path() / "data2").string();
  args[args.size() - 3] = "traffic.path=" + garbage.string();
  const auto bad = test::run(args);
  CHECK(bad.exit_code == 2);
  CHECK(bad.errors.find(garbage.string() + ": the first line is not the header of a flow CSV") != std::string::npos);
}

TEST_CASE("bad recorded-traffic input ends in a clear error and writes nothing") {
  TempDir dir;
  const auto garbage = dir.write("garbage.csv", std::string("\x7f" "ELF\x02\x01\x01\x00 not a csv", 18));
  auto message = test::recorded_run_error(dir.path() / "d1", recorded_config(garbage));
  CHECK(message.find("traffic.path: ") == 0);
  CHECK(message.find("garbage.csv") != std::string::npos);
  CHECK(test::open_store(dir.path() / "d1")->head().empty());

  auto no_path = test::small_config({{"traffic.source", "flows"}});
  CHECK(test::recorded_run_error(dir.path() / "d2", no_path).find("traffic.path is empty") != std::string::npos);
  CHECK(test::recorded_run_error(dir.path() / "d3", recorded_config(dir.path() / "nothing-here"))
            .find("it does not exist") != std::string::npos);
  fs::create_directories(dir.path() / "empty");
  CHECK(test::recorded_run_error(dir.path() / "d4", recorded_config(dir.path() / "empty")).find("holds no files") != std::string::npos);

  const auto csv = dir.path() / "flows.csv";
  test::write_dais(csv, test::sample_network(), true);
  CHECK(test::recorded_run_error(dir.path() / "d5", recorded_config(csv, {{"simulation.agents", "3"}}))
            .find("lists 4 segments for 3 agents") != std::string::npos);
  CHECK(test::recorded_run_error(dir.path() / "d6", recorded_config(csv, {{"traffic.training_steps", "40"}}))
            .find("leaves no step to run") != std::string::npos);
  // Values the schema refuses name the key.
  config::Config c;
  CHECK_THROWS_WITH_AS(c.set_text("traffic.segments", "[10.0.0.0/33]", "test"),
                       doctest::Contains("traffic.segments"), config::ConfigError);
  CHECK_THROWS_WITH_AS(c.set_text("traffic.source", "tcpdump", "test"), doctest::Contains("synthetic, flows, pcap"),
                       config::ConfigError);
  CHECK_THROWS_WITH_AS(c.set_text("traffic.step_seconds", "0", "test"), doctest::Contains("traffic.step_seconds"),
                       config::ConfigError);
  // An operator campaign makes no sense on recorded traffic: refused (the API answers 400).
  auto store = test::open_store(dir.path() / "d7");
  auto run = server::Run::open(*store, recorded_config(csv), options());
  CHECK_THROWS_WITH_AS(run->attack_from_request(nlohmann::json{{"kind", "port_scan"}}),
                       doctest::Contains("traffic is recorded"), std::invalid_argument);
}

TEST_CASE("a packet capture runs end to end: labels from a label file, scanner shared, same head, replay refuses a change") {
  TempDir dir;
  fs::create_directories(dir.path() / "in");
  const auto pcap = dir.path() / "in" / "network.pcap";
  write_sample_capture(pcap, test::sample_network());
  const auto labels = dir.write("labels.csv", std::string("source,destination,start,end,kind\n") + test::kScanner +
                                                  ",*,,,port_scan\n");
  const auto config = [&] {
    return recorded_config(dir.path() / "in", {{"traffic.source", "pcap"}, {"traffic.labels", labels.c_str()}});
  };
  const auto f = test::run_recorded_to_end(dir.path() / "data", config());
  check_scored(f, "port_scan");
  CHECK(f.summary.recorded->files == 2);  // the capture and the label file
  CHECK(f.summary.recorded->rows_skipped == 0);

  CHECK(test::run_recorded_to_end(dir.path() / "again", config()).head == f.head);
  CHECK(test::run_recorded_to_end(dir.path() / "threads", config(), 2).head == f.head);

  // A changed capture: the resume refuses, naming it.
  std::ofstream(pcap, std::ios::app) << "x";
  CHECK(test::recorded_run_error(dir.path() / "data", config()).find("network.pcap is not the one the run read") != std::string::npos);
}

TEST_CASE("crashes on recorded traffic: a recovering agent replays the recorded flows it saw, on any thread count") {
  TempDir dir;
  const auto csv = dir.path() / "network.csv";
  test::write_cic(csv, test::sample_network(), false);
  const auto crashing = [&] { return recorded_config(csv, {{"faults.crash_rate", "0.2"}, {"faults.recovery_steps", "2"}}); };
  const auto f = test::run_recorded_to_end(dir.path() / "data", crashing());
  CHECK(f.summary.crashes > 0);
  CHECK(f.summary.recoveries > 0);
  CHECK(test::run_recorded_to_end(dir.path() / "threads", crashing(), 2).head == f.head);
}

TEST_CASE("a recorded run with crashes resumes from an engine snapshot to the uninterrupted run's head") {
  TempDir dir;
  const auto csv = dir.path() / "network.csv";
  test::write_cic(csv, test::sample_network(), false);
  const auto crashing = recorded_config(csv, {{"faults.crash_rate", "0.2"}, {"faults.recovery_steps", "2"}});
  const auto expected = test::run_recorded_to_end(dir.path() / "uninterrupted", crashing);
  REQUIRE(expected.summary.recoveries > 0);

  auto snapshotting = options();
  snapshotting.snapshot_interval_steps = 5;
  {
    auto store = test::open_store(dir.path() / "data");
    auto run = server::Run::open(*store, crashing, snapshotting);
    for (int s = 0; s < 13; ++s) run->step();
  }
  auto store = test::open_store(dir.path() / "data");
  auto run = server::Run::open(*store, crashing, snapshotting);
  REQUIRE(run->resumed_from_snapshot());  // the snapshot after step 10, then steps 10..12 re-executed
  CHECK(run->completed_steps() == 13);
  while (!run->finished()) run->step();
  CHECK(to_hex(run->head().hash) == expected.head);
  CHECK(run->summary().recoveries == expected.summary.recoveries);
}

// capture/flow_csv.h: the three formats read into the same records, malformed rows counted and
// skipped, and files DAIS cannot use refused with a message naming them.
#include <doctest/doctest.h>

#include <fstream>

#include "capture/flow_csv.h"
#include "capture/input_error.h"
#include "common/temp_dir.h"
#include "tests/capture/csv_samples.h"

using namespace dais;
using capture::FlowCsvFormat;
using capture::read_flow_csv;

namespace {

void write(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

std::string refusal(const std::filesystem::path& file) {
  try {
    read_flow_csv(file);
  } catch (const capture::InputError& e) {
    return e.what();
  }
  return "";
}

// The fields every format carries, for comparing formats with each other.
struct Core {
  std::string src, dst;
  std::uint16_t sport, dport;
  std::uint8_t proto;
  std::uint64_t pf, pb, bf, bb;
  bool operator==(const Core&) const = default;
};
Core core(const capture::FlowRecord& r) {
  return {r.src.text(), r.dst.text(), r.src_port, r.dst_port, r.protocol, r.packets_fwd, r.packets_bwd, r.bytes_fwd, r.bytes_bwd};
}

}  // namespace

TEST_CASE("CIC-IDS2017 columns with their leading spaces: values, time and labels as written") {
  TempDir dir;
  const auto flows = test::sample_network({.agents = 2, .steps = 20, .scan_start = 10});
  test::write_cic(dir.path() / "cic2017.csv", flows, false);
  const auto result = read_flow_csv(dir.path() / "cic2017.csv");
  CHECK(result.format == FlowCsvFormat::cicflowmeter);
  CHECK(result.has_labels);
  CHECK(result.rows_read == flows.size());
  CHECK(result.rows_skipped == 0);
  REQUIRE(result.flows.size() == flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const auto& r = result.flows[i];
    const auto& f = flows[i];
    CHECK(r.src.text() == f.src);
    CHECK(r.dst.text() == f.dst);
    CHECK(r.dst_port == f.dport);
    CHECK(r.protocol == f.proto);
    CHECK(r.packets_fwd == f.pkts_fwd);
    CHECK(r.bytes_bwd == f.bytes_bwd);
    CHECK(r.syn == f.syn);
    CHECK(r.rst == f.rst);
    // The timestamp has whole seconds; the duration is in microseconds.
    CHECK(r.start_s == static_cast<double>(static_cast<std::int64_t>(f.start)));
    CHECK(r.end_s - r.start_s == doctest::Approx(f.duration).epsilon(1e-6));
    REQUIRE(r.label);
    CHECK(*r.label == f.label);
  }
}

TEST_CASE("CSE-CIC-IDS2018 abbreviations and UNSW-NB15 (headerless and with header) give the same flows") {
  TempDir dir;
  const auto flows = test::sample_network({.agents = 2, .steps = 20, .scan_start = 10});
  test::write_cic(dir.path() / "2017.csv", flows, false);
  test::write_cic(dir.path() / "2018.csv", flows, true);
  test::write_unsw(dir.path() / "UNSW-NB15_1.csv", flows, false);
  test::write_unsw(dir.path() / "unsw_header.csv", flows, true);
  test::write_dais(dir.path() / "dais.csv", flows, true);
  const auto a = read_flow_csv(dir.path() / "2017.csv");
  const auto b = read_flow_csv(dir.path() / "2018.csv");
  const auto u = read_flow_csv(dir.path() / "UNSW-NB15_1.csv");
  const auto uh = read_flow_csv(dir.path() / "unsw_header.csv");
  const auto d = read_flow_csv(dir.path() / "dais.csv");
  CHECK(b.format == FlowCsvFormat::cicflowmeter);
  CHECK(u.format == FlowCsvFormat::unsw_nb15);
  CHECK_FALSE(u.has_header);
  CHECK(uh.has_header);
  CHECK(d.format == FlowCsvFormat::dais);
  REQUIRE(b.flows.size() == flows.size());
  REQUIRE(u.flows.size() == flows.size());
  REQUIRE(uh.flows.size() == flows.size());
  REQUIRE(d.flows.size() == flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    CHECK(core(b.flows[i]) == core(a.flows[i]));
    CHECK(core(u.flows[i]) == core(a.flows[i]));
    CHECK(core(uh.flows[i]) == core(a.flows[i]));
    CHECK(core(d.flows[i]) == core(a.flows[i]));
    CHECK(b.flows[i].start_s == a.flows[i].start_s);
    CHECK(u.flows[i].start_s == static_cast<double>(static_cast<std::uint64_t>(flows[i].start)));
    CHECK(d.flows[i].start_s == doctest::Approx(flows[i].start).epsilon(1e-12));
    // UNSW: Label 0 is "Normal", 1 the attack category; TCP flows count the opening SYN.
    CHECK(*u.flows[i].label == (flows[i].unsw_label.empty() ? "Normal" : flows[i].unsw_label));
    CHECK(u.flows[i].syn == (flows[i].proto == 6 ? 1u : 0u));
    CHECK(u.flows[i].rst == (flows[i].unsw_state == "RST" ? 1u : 0u));
    CHECK(capture::is_benign_label(*d.flows[i].label) == (flows[i].label == "BENIGN"));
  }
}

TEST_CASE("hand-written rows: quoting, AM/PM, hexadecimal UNSW ports, named protocols") {
  TempDir dir;
  const auto file = dir.path() / "dais.csv";
  write(file,
        "label,src,dst,start,end,src_port,dst_port,protocol,packets_fwd,packets_bwd,bytes_fwd,bytes_bwd\n"
        "\"Web Attack, \"\"XSS\"\"\",10.0.0.1,2001:db8::1,100.5,101.25,1234,80,6,3,2,300,200\n");
  const auto r = read_flow_csv(file);
  REQUIRE(r.flows.size() == 1);
  CHECK(*r.flows[0].label == "Web Attack, \"XSS\"");
  CHECK(r.flows[0].dst.v6);
  CHECK(r.flows[0].start_s == 100.5);
  CHECK(r.flows[0].end_s == 101.25);
  CHECK(r.flows[0].syn == 0);  // optional columns absent: 0

  const auto cic = dir.path() / "cic.csv";
  write(cic,
        "Source IP,Destination IP,Destination Port,Protocol,Timestamp,Flow Duration,Total Fwd Packets,Total Backward "
        "Packets,Total Length of Fwd Packets,Total Length of Bwd Packets\n"
        "10.0.0.1,10.0.0.2,80,6,7/7/2017 3:30:00 PM,2000000,1,1,0,0\n"
        "10.0.0.1,10.0.0.2,80,6,2017-07-07 15:30:00,1,1,1,0,0\n"
        "10.0.0.1,10.0.0.2,80,6,07/07/2017 15:30,1,1,1,0,0\n");
  const auto c = read_flow_csv(cic);
  REQUIRE(c.flows.size() == 3);
  const double expected = 1499441400;  // 2017-07-07 15:30:00 UTC
  CHECK(c.flows[0].start_s == expected);
  CHECK(c.flows[0].end_s == expected + 2);
  CHECK(c.flows[1].start_s == expected);
  CHECK(c.flows[2].start_s == expected);
  CHECK_FALSE(c.has_labels);
  CHECK_FALSE(c.flows[0].label);

  std::string unsw_row = "10.0.0.9,0x000b,10.0.0.2,-,ospf,INT,0.5,100,0,0,0,0,0,-,0,0,2,0";
  for (int i = 18; i < 28; ++i) unsw_row += ",0";
  unsw_row += ",1421927414,1421927415";
  for (int i = 30; i < 47; ++i) unsw_row += ",0";
  unsw_row += ", Exploits ,1";
  write(dir.path() / "unsw.csv", unsw_row + "\n");
  const auto u = read_flow_csv(dir.path() / "unsw.csv");
  REQUIRE(u.flows.size() == 1);
  CHECK(u.flows[0].src_port == 11);
  CHECK(u.flows[0].dst_port == 0);
  CHECK(u.flows[0].protocol == 89);
  CHECK(u.flows[0].start_s == 1421927414);
  CHECK(*u.flows[0].label == "Exploits");
}

TEST_CASE("malformed rows are counted and skipped, the rest kept") {
  TempDir dir;
  const auto file = dir.path() / "cic.csv";
  test::write_cic(file, test::sample_network({.agents = 1, .steps = 3, .scan_start = 99}), false);
  const auto good = read_flow_csv(file).flows.size();
  std::string bad_rows;
  const std::string ok_row = [&] {
    std::ifstream in(file);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    return row;
  }();
  auto replace_field = [&](std::size_t index, const std::string& value) {
    auto fields = test::split_header(ok_row);
    fields[index] = value;
    std::string row;
    for (std::size_t i = 0; i < fields.size(); ++i) row += (i ? "," : "") + fields[i];
    return row;
  };
  bad_rows += replace_field(1, "10.0.0.300") + "\n";      // bad address
  bad_rows += replace_field(7, "-12") + "\n";             // negative Flow Duration (CIC-IDS2017 has some)
  bad_rows += replace_field(6, "yesterday") + "\n";       // bad timestamp
  bad_rows += replace_field(4, "70000") + "\n";           // port out of range
  bad_rows += "1,2,3\n";                                  // short row
  bad_rows += replace_field(0, "\"unterminated") + "\n";  // open quote
  std::ofstream(file, std::ios::app) << bad_rows << "\n\n";
  const auto result = read_flow_csv(file);
  CHECK(result.flows.size() == good);
  CHECK(result.rows_skipped == 6);
  CHECK(result.rows_read == good + 6);
  CHECK(result.first_skip.find("line " + std::to_string(good + 2)) == 0);
  CHECK(result.first_skip.find("bad address") != std::string::npos);
}

TEST_CASE("files DAIS cannot use are refused, naming the file and what is wrong") {
  TempDir dir;
  // CIC-IDS2017 MachineLearningCVE and most CSE-CIC-IDS2018 files carry no addresses.
  write(dir.path() / "ml.csv", " Destination Port, Flow Duration, Total Fwd Packets, Label\n80,1,1,BENIGN\n");
  CHECK(refusal(dir.path() / "ml.csv").find((dir.path() / "ml.csv").string() + ": a CICFlowMeter CSV without address columns") == 0);
  write(dir.path() / "train.csv", "id,dur,proto,service,state,spkts,dpkts,sbytes,dbytes,attack_cat,label\n");
  CHECK(refusal(dir.path() / "train.csv").find("without 'srcip'/'dstip'") != std::string::npos);
  write(dir.path() / "partial.csv", "start,src,dst\n1,10.0.0.1,10.0.0.2\n");
  CHECK(refusal(dir.path() / "partial.csv").find("dais CSV without the column 'end'") != std::string::npos);
  write(dir.path() / "other.csv", "name,age\nalice,3\n");
  CHECK(refusal(dir.path() / "other.csv").find("is not the header of a flow CSV") != std::string::npos);
  write(dir.path() / "garbage.bin", std::string("\x00\x01\x02\xff\xfe garbage\x00", 12));
  CHECK(refusal(dir.path() / "garbage.bin").find((dir.path() / "garbage.bin").string() + ": ") == 0);
  write(dir.path() / "empty.csv", "\n\n");
  CHECK(refusal(dir.path() / "empty.csv") == (dir.path() / "empty.csv").string() + ": the flow CSV is empty");
  CHECK(refusal(dir.path() / "missing.csv") == (dir.path() / "missing.csv").string() + ": cannot open the flow CSV");
  CHECK(refusal(dir.path()).find("cannot open") != std::string::npos);
}

TEST_CASE("benign labels of the supported data sets") {
  CHECK(capture::is_benign_label("BENIGN"));
  CHECK(capture::is_benign_label(" Benign "));
  CHECK(capture::is_benign_label("Normal"));
  CHECK(capture::is_benign_label(""));
  CHECK_FALSE(capture::is_benign_label("PortScan"));
  CHECK_FALSE(capture::is_benign_label("DoS Hulk"));
}

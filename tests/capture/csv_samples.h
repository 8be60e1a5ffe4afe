// Flow CSVs written by the tests in the published formats: CIC-IDS2017 (TrafficLabelling, names
// with their leading space), CSE-CIC-IDS2018 (abbreviated names, the file with addresses),
// UNSW-NB15 (the 49 columns of NUSW-NB15_features.csv, headerless or with that header) and DAIS's
// own columns; every column of the real header is written, the ones DAIS does not read as 0.
// sample_network() is a small recorded network: benign clients of each segment's servers, and a
// port scanner that sweeps segment 0 only. Deterministic (a fixed LCG); header-only test support.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace dais::test {

struct SampleFlow {
  double start = 0, duration = 0;  // seconds since the epoch, seconds
  std::string src, dst;
  std::uint16_t sport = 0, dport = 0;
  int proto = 6;
  std::uint64_t pkts_fwd = 1, pkts_bwd = 0, bytes_fwd = 0, bytes_bwd = 0;
  std::uint32_t syn = 0, fin = 0, rst = 0;
  std::string label = "BENIGN";     // CIC names: BENIGN or the attack
  std::string unsw_label = "";      // UNSW attack_cat ("" = normal)
  std::string unsw_state = "FIN";
};

inline constexpr double kSampleStart = 1499420000;  // 2017-07-07 09:33:20 UTC
inline constexpr const char* kScanner = "203.0.113.66";

struct SampleOptions {
  int agents = 4;
  int steps = 30;          // steps of step_s seconds
  double step_s = 60;
  int benign_per_step = 3; // per segment
  int scan_start = 14;     // first step of the scan (segment 0 only)
  int scans_per_step = 10;
};

// Segment a is 192.168.(10 + a).0/24; its servers are .10 (web) and .11 (DNS).
inline std::string segment_host(int agent, int host) {
  return "192.168." + std::to_string(10 + agent) + "." + std::to_string(host);
}

inline std::vector<SampleFlow> sample_network(const SampleOptions& o = {}) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&](std::uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (state >> 33) % n;
  };
  std::vector<SampleFlow> flows;
  std::uint16_t scan_port = 1;
  for (int step = 0; step < o.steps; ++step) {
    const double base = kSampleStart + step * o.step_s;
    for (int a = 0; a < o.agents; ++a) {
      for (int k = 0; k < o.benign_per_step; ++k) {
        SampleFlow f;
        f.start = base + static_cast<double>(next(o.step_s * 1000)) / 1000.0;
        const bool external = next(3) == 0;
        f.src = external ? "198.51.100." + std::to_string(1 + next(20)) : segment_host(a, 20 + static_cast<int>(next(10)));
        f.sport = static_cast<std::uint16_t>(32768 + next(20000));
        const bool dns = next(4) == 0;
        f.dst = segment_host(a, dns ? 11 : 10);
        if (dns) {
          f.proto = 17, f.dport = 53, f.pkts_fwd = 1, f.pkts_bwd = 1;
          f.bytes_fwd = 60 + next(30), f.bytes_bwd = 120 + next(200), f.duration = 0.01 + next(50) / 1000.0;
          f.unsw_state = "CON";
        } else {
          f.dport = next(2) ? 443 : 80;
          f.pkts_fwd = 5 + next(8), f.pkts_bwd = 4 + next(7);
          f.bytes_fwd = 400 + next(1200), f.bytes_bwd = 2000 + next(50000), f.duration = 0.2 + next(4800) / 1000.0;
          f.syn = 2, f.fin = 2;
        }
        flows.push_back(f);
      }
    }
    if (step >= o.scan_start) {
      for (int k = 0; k < o.scans_per_step; ++k) {
        SampleFlow f;
        f.start = base + k * (o.step_s / o.scans_per_step) + 0.5;
        f.src = kScanner;
        f.sport = 40000;
        f.dst = segment_host(0, 10 + (k % 2));
        f.dport = scan_port++;
        f.pkts_fwd = 1, f.pkts_bwd = 1, f.bytes_fwd = 44, f.bytes_bwd = 40, f.duration = 0.00005;
        f.syn = 1, f.rst = 1;
        f.label = "PortScan";
        f.unsw_label = "Reconnaissance";
        f.unsw_state = "RST";
        flows.push_back(f);
      }
    }
  }
  return flows;
}

inline std::vector<std::string> split_header(const std::string& header) {
  std::vector<std::string> names;
  std::stringstream in(header);
  std::string name;
  while (std::getline(in, name, ',')) names.push_back(name);
  return names;
}

// CIC-IDS2017 GeneratedLabelledFlows (TrafficLabelling) header, leading spaces as published.
inline const std::string kCic2017Header =
    "Flow ID, Source IP, Source Port, Destination IP, Destination Port, Protocol, Timestamp, Flow Duration, Total Fwd "
    "Packets, Total Backward Packets,Total Length of Fwd Packets, Total Length of Bwd Packets, Fwd Packet Length Max, "
    "Fwd Packet Length Min, Fwd Packet Length Mean, Fwd Packet Length Std,Bwd Packet Length Max, Bwd Packet Length "
    "Min, Bwd Packet Length Mean, Bwd Packet Length Std,Flow Bytes/s, Flow Packets/s, Flow IAT Mean, Flow IAT Std, "
    "Flow IAT Max, Flow IAT Min,Fwd IAT Total, Fwd IAT Mean, Fwd IAT Std, Fwd IAT Max, Fwd IAT Min,Bwd IAT Total, Bwd "
    "IAT Mean, Bwd IAT Std, Bwd IAT Max, Bwd IAT Min,Fwd PSH Flags, Bwd PSH Flags, Fwd URG Flags, Bwd URG Flags, Fwd "
    "Header Length, Bwd Header Length,Fwd Packets/s, Bwd Packets/s, Min Packet Length, Max Packet Length, Packet "
    "Length Mean, Packet Length Std, Packet Length Variance,FIN Flag Count, SYN Flag Count, RST Flag Count, PSH Flag "
    "Count, ACK Flag Count, URG Flag Count, CWE Flag Count, ECE Flag Count, Down/Up Ratio, Average Packet Size, Avg "
    "Fwd Segment Size, Avg Bwd Segment Size, Fwd Header Length,Fwd Avg Bytes/Bulk, Fwd Avg Packets/Bulk, Fwd Avg "
    "Bulk Rate, Bwd Avg Bytes/Bulk, Bwd Avg Packets/Bulk,Bwd Avg Bulk Rate,Subflow Fwd Packets, Subflow Fwd Bytes, "
    "Subflow Bwd Packets, Subflow Bwd Bytes,Init_Win_bytes_forward, Init_Win_bytes_backward, act_data_pkt_fwd, "
    "min_seg_size_forward,Active Mean, Active Std, Active Max, Active Min,Idle Mean, Idle Std, Idle Max, Idle Min, "
    "Label";

// CSE-CIC-IDS2018 header of the file with addresses (Thuesday-20-02-2018).
inline const std::string kCic2018Header =
    "Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Flow Duration,Tot Fwd Pkts,Tot Bwd Pkts,TotLen Fwd "
    "Pkts,TotLen Bwd Pkts,Fwd Pkt Len Max,Fwd Pkt Len Min,Fwd Pkt Len Mean,Fwd Pkt Len Std,Bwd Pkt Len Max,Bwd Pkt "
    "Len Min,Bwd Pkt Len Mean,Bwd Pkt Len Std,Flow Byts/s,Flow Pkts/s,Flow IAT Mean,Flow IAT Std,Flow IAT Max,Flow "
    "IAT Min,Fwd IAT Tot,Fwd IAT Mean,Fwd IAT Std,Fwd IAT Max,Fwd IAT Min,Bwd IAT Tot,Bwd IAT Mean,Bwd IAT Std,Bwd "
    "IAT Max,Bwd IAT Min,Fwd PSH Flags,Bwd PSH Flags,Fwd URG Flags,Bwd URG Flags,Fwd Header Len,Bwd Header Len,Fwd "
    "Pkts/s,Bwd Pkts/s,Pkt Len Min,Pkt Len Max,Pkt Len Mean,Pkt Len Std,Pkt Len Var,FIN Flag Cnt,SYN Flag Cnt,RST "
    "Flag Cnt,PSH Flag Cnt,ACK Flag Cnt,URG Flag Cnt,CWE Flag Count,ECE Flag Cnt,Down/Up Ratio,Pkt Size Avg,Fwd Seg "
    "Size Avg,Bwd Seg Size Avg,Fwd Byts/b Avg,Fwd Pkts/b Avg,Fwd Blk Rate Avg,Bwd Byts/b Avg,Bwd Pkts/b Avg,Bwd Blk "
    "Rate Avg,Subflow Fwd Pkts,Subflow Fwd Byts,Subflow Bwd Pkts,Subflow Bwd Byts,Init Fwd Win Byts,Init Bwd Win "
    "Byts,Fwd Act Data Pkts,Fwd Seg Size Min,Active Mean,Active Std,Active Max,Active Min,Idle Mean,Idle Std,Idle "
    "Max,Idle Min,Label";

// The 49 names of NUSW-NB15_features.csv (with its stray space in "ct_src_ ltm").
inline const std::string kUnswHeader =
    "srcip,sport,dstip,dsport,proto,state,dur,sbytes,dbytes,sttl,dttl,sloss,dloss,service,Sload,Dload,Spkts,Dpkts,"
    "swin,dwin,stcpb,dtcpb,smeansz,dmeansz,trans_depth,res_bdy_len,Sjit,Djit,Stime,Ltime,Sintpkt,Dintpkt,tcprtt,"
    "synack,ackdat,is_sm_ips_ports,ct_state_ttl,ct_flw_http_mthd,is_ftp_login,ct_ftp_cmd,ct_srv_src,ct_srv_dst,"
    "ct_dst_ltm,ct_src_ ltm,ct_src_dport_ltm,ct_dst_sport_ltm,ct_dst_src_ltm,attack_cat,Label";

// "d/m/yyyy h:mm:ss" (2017 style) or "dd/mm/yyyy hh:mm:ss" (2018 style), UTC.
inline std::string cic_time(double t, bool padded) {
  const std::time_t whole = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, padded ? "%02d/%02d/%04d %02d:%02d:%02d" : "%d/%d/%04d %d:%02d:%02d", tm.tm_mday,
                tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// Writes one row per flow under `header`, each named column from `values`, the rest "0".
inline void write_rows(std::ofstream& out, const std::string& header,
                       const std::vector<std::map<std::string, std::string>>& rows) {
  const auto names = split_header(header);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto key = names[i];
      while (!key.empty() && key.front() == ' ') key.erase(0, 1);
      const auto it = row.find(key);
      out << (i ? "," : "") << (it == row.end() ? "0" : it->second);
    }
    out << "\r\n";
  }
}

inline void write_cic(const std::filesystem::path& file, const std::vector<SampleFlow>& flows, bool cic2018) {
  std::ofstream out(file, std::ios::binary);
  const auto& header = cic2018 ? kCic2018Header : kCic2017Header;
  out << header << "\r\n";
  std::vector<std::map<std::string, std::string>> rows;
  for (const auto& f : flows) {
    std::map<std::string, std::string> r;
    const auto micros = std::to_string(static_cast<std::uint64_t>(f.duration * 1e6 + 0.5));
    r["Flow ID"] = f.src + "-" + f.dst + "-" + std::to_string(f.sport) + "-" + std::to_string(f.dport) + "-" +
                   std::to_string(f.proto);
    r[cic2018 ? "Src IP" : "Source IP"] = f.src;
    r[cic2018 ? "Src Port" : "Source Port"] = std::to_string(f.sport);
    r[cic2018 ? "Dst IP" : "Destination IP"] = f.dst;
    r[cic2018 ? "Dst Port" : "Destination Port"] = std::to_string(f.dport);
    r["Protocol"] = std::to_string(f.proto);
    r["Timestamp"] = cic_time(f.start, cic2018);
    r["Flow Duration"] = micros;
    r[cic2018 ? "Tot Fwd Pkts" : "Total Fwd Packets"] = std::to_string(f.pkts_fwd);
    r[cic2018 ? "Tot Bwd Pkts" : "Total Backward Packets"] = std::to_string(f.pkts_bwd);
    r[cic2018 ? "TotLen Fwd Pkts" : "Total Length of Fwd Packets"] = std::to_string(f.bytes_fwd);
    r[cic2018 ? "TotLen Bwd Pkts" : "Total Length of Bwd Packets"] = std::to_string(f.bytes_bwd);
    r[cic2018 ? "SYN Flag Cnt" : "SYN Flag Count"] = std::to_string(f.syn);
    r[cic2018 ? "FIN Flag Cnt" : "FIN Flag Count"] = std::to_string(f.fin);
    r[cic2018 ? "RST Flag Cnt" : "RST Flag Count"] = std::to_string(f.rst);
    r["Label"] = f.label;
    rows.push_back(std::move(r));
  }
  write_rows(out, header, rows);
}

inline std::string unsw_proto(int proto) { return proto == 6 ? "tcp" : proto == 17 ? "udp" : "icmp"; }

inline void write_unsw(const std::filesystem::path& file, const std::vector<SampleFlow>& flows, bool header) {
  std::ofstream out(file, std::ios::binary);
  if (header) out << kUnswHeader << "\n";
  std::vector<std::map<std::string, std::string>> rows;
  for (const auto& f : flows) {
    std::map<std::string, std::string> r;
    r["srcip"] = f.src, r["sport"] = std::to_string(f.sport), r["dstip"] = f.dst, r["dsport"] = std::to_string(f.dport);
    r["proto"] = unsw_proto(f.proto), r["state"] = f.unsw_state;
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.6f", f.duration);
    r["dur"] = dur;
    r["sbytes"] = std::to_string(f.bytes_fwd), r["dbytes"] = std::to_string(f.bytes_bwd);
    r["Spkts"] = std::to_string(f.pkts_fwd), r["Dpkts"] = std::to_string(f.pkts_bwd);
    r["service"] = "-";
    // UNSW-NB15 gives whole seconds.
    r["Stime"] = std::to_string(static_cast<std::uint64_t>(f.start));
    r["Ltime"] = std::to_string(static_cast<std::uint64_t>(f.start + f.duration));
    r["attack_cat"] = f.unsw_label;
    r["Label"] = f.unsw_label.empty() ? "0" : "1";
    rows.push_back(std::move(r));
  }
  write_rows(out, kUnswHeader, rows);
}

// DAIS's own columns; `labels` false leaves the label column out.
inline void write_dais(const std::filesystem::path& file, const std::vector<SampleFlow>& flows, bool labels) {
  std::ofstream out(file, std::ios::binary);
  out << "start,end,src,dst,src_port,dst_port,protocol,packets_fwd,packets_bwd,bytes_fwd,bytes_bwd,syn,syn_ack,fin,rst"
      << (labels ? ",label" : "") << "\n";
  for (const auto& f : flows) {
    char times[64];
    std::snprintf(times, sizeof times, "%.6f,%.6f", f.start, f.start + f.duration);
    out << times << "," << f.src << "," << f.dst << "," << f.sport << "," << f.dport << "," << f.proto << ","
        << f.pkts_fwd << "," << f.pkts_bwd << "," << f.bytes_fwd << "," << f.bytes_bwd << "," << f.syn << ",0," << f.fin
        << "," << f.rst;
    if (labels) out << "," << (f.label == "BENIGN" ? "" : f.label);
    out << "\n";
  }
}

}  // namespace dais::test

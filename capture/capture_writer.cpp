#include "capture/capture_writer.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dais::capture {

int dlt_of(LinkType link) {
  switch (link) {
    case LinkType::ethernet: return DLT_EN10MB;
    case LinkType::linux_sll: return DLT_LINUX_SLL;
    case LinkType::linux_sll2: return DLT_LINUX_SLL2;
    case LinkType::raw: return DLT_RAW;
    case LinkType::ipv4: return DLT_IPV4;
    case LinkType::ipv6: return DLT_IPV6;
  }
  return DLT_EN10MB;
}

CaptureWriter::CaptureWriter(const std::filesystem::path& file, LinkType link) : file_(file) {
  dead_ = pcap_open_dead(dlt_of(link), 262144);
  if (dead_ == nullptr) throw std::runtime_error("cannot make a libpcap handle to write " + file.string());
  dumper_ = pcap_dump_open(dead_, file.c_str());
  if (dumper_ == nullptr) {
    const std::string why = pcap_geterr(dead_);
    pcap_close(dead_);
    throw std::runtime_error("cannot create " + file.string() + ": " + why);
  }
}

CaptureWriter::~CaptureWriter() {
  if (dumper_ != nullptr) pcap_dump_close(dumper_);
  pcap_close(dead_);
}

void CaptureWriter::write(double time_s, const std::vector<std::uint8_t>& frame, std::size_t captured) {
  pcap_pkthdr header{};
  const auto micros = static_cast<long long>(std::llround(time_s * 1e6));
  header.ts.tv_sec = static_cast<time_t>(micros / 1000000);
  header.ts.tv_usec = static_cast<suseconds_t>(micros % 1000000);
  header.len = static_cast<bpf_u_int32>(frame.size());
  header.caplen = static_cast<bpf_u_int32>(std::min(captured, frame.size()));
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &header, frame.data());
}

void CaptureWriter::close() {
  if (dumper_ == nullptr) return;
  const bool flushed = pcap_dump_flush(dumper_) == 0;
  pcap_dump_close(dumper_);
  dumper_ = nullptr;
  if (!flushed) throw std::runtime_error("cannot write " + file_.string());
}

}  // namespace dais::capture

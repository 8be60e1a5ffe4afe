// PcapReader: one capture file, pcap or pcapng, read packet by packet through libpcap
// (pcap_open_offline handles both formats and either byte order). Timestamps are read at
// nanosecond precision whatever the file stores.
// Errors: the constructor throws InputError naming the file when it cannot be opened, is not a
// capture, or uses a link type DAIS does not decode. A file that ends inside a packet record or
// whose record is damaged ends the reading early (next() returns false, stopped_early() says why).
// Ownership: owns its pcap_t; not copyable. Not thread-safe: one thread reads a reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "capture/packet_parser.h"

struct pcap;

namespace dais::capture {

struct RawPacket {
  double time_s = 0;                 // seconds since the Unix epoch
  const std::uint8_t* data = nullptr;  // valid until the next call to next()
  std::size_t captured = 0, wire_length = 0;
};

class PcapReader {
 public:
  explicit PcapReader(const std::filesystem::path& file);
  ~PcapReader();
  PcapReader(const PcapReader&) = delete;
  PcapReader& operator=(const PcapReader&) = delete;

  LinkType link() const { return link_; }
  // The next packet; false at the end of the file or when the rest cannot be read.
  bool next(RawPacket& packet);
  // Empty after a clean end; otherwise libpcap's reason for stopping before the end.
  const std::string& stopped_early() const { return stopped_early_; }

 private:
  pcap* handle_ = nullptr;
  LinkType link_ = LinkType::ethernet;
  std::string stopped_early_;
};

}  // namespace dais::capture

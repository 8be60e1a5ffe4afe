// CaptureWriter: writes a classic pcap file through libpcap's dump functions (pcap_open_dead,
// pcap_dump_open), microsecond timestamps. The tests and `dais-bench pcap` make their captures
// with it (frames from packet_builder.h), so what DAIS reads is written by libpcap, not by us.
// Errors: the constructor throws std::runtime_error naming the file when it cannot be created;
// close() throws when the data cannot be flushed. Owns its handles; not copyable; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "capture/packet_parser.h"

struct pcap;
struct pcap_dumper;

namespace dais::capture {

// libpcap's DLT_ number for a link type (the file header then holds its LINKTYPE_ number).
int dlt_of(LinkType link);

class CaptureWriter {
 public:
  CaptureWriter(const std::filesystem::path& file, LinkType link);
  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // One record at `time_s` (rounded to the microsecond). `captured` below the frame's size keeps
  // only that many bytes, as a capture with a small snapshot length does; the record still
  // gives the frame's full length as its length on the wire.
  void write(double time_s, const std::vector<std::uint8_t>& frame, std::size_t captured = SIZE_MAX);
  // Flushes and closes the file (the destructor does it too, ignoring errors).
  void close();

 private:
  pcap* dead_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  std::filesystem::path file_;
};

}  // namespace dais::capture

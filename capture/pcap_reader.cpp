#include "capture/pcap_reader.h"

#include <pcap/pcap.h>

#include "capture/input_error.h"

namespace dais::capture {

PcapReader::PcapReader(const std::filesystem::path& file) {
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) {
    throw InputError(file.string() + ": is a directory, not a packet capture file");
  }
  char message[PCAP_ERRBUF_SIZE] = {};
  handle_ = pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_NANO, message);
  if (handle_ == nullptr) {
    throw InputError(file.string() + ": not a readable packet capture (pcap or pcapng): " + message);
  }
  const int dlt = pcap_datalink(handle_);
  const auto link = link_type_of(dlt);
  if (!link) {
    const char* name = pcap_datalink_val_to_name(dlt);
    const std::string described = std::to_string(dlt) + (name != nullptr ? std::string(" (") + name + ")" : "");
    pcap_close(handle_);
    throw InputError(file.string() + ": link type " + described +
                     " is not supported; DAIS reads Ethernet, Linux cooked (SLL, SLL2) and raw IP captures");
  }
  link_ = *link;
}

PcapReader::~PcapReader() { pcap_close(handle_); }

bool PcapReader::next(RawPacket& packet) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int result = pcap_next_ex(handle_, &header, &data);
  if (result == 1) {
    packet.time_s = static_cast<double>(header->ts.tv_sec) + static_cast<double>(header->ts.tv_usec) * 1e-9;
    packet.data = data;
    packet.captured = header->caplen;
    packet.wire_length = header->len;
    return true;
  }
  if (result == PCAP_ERROR) stopped_early_ = pcap_geterr(handle_);
  return false;
}

}  // namespace dais::capture

#include "api/stream_message.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace dais::api {

std::string stream_message(const eventstore::StoredEvent& event) {
  const std::string seq = std::to_string(event.seq);
  const std::string hash = to_hex(event.hash);
  std::string out;
  out.reserve(event.bytes.size() + seq.size() + hash.size() + 32);
  out += "{\"seq\":";
  out += seq;
  out += ",\"hash\":\"";
  out += hash;
  out += "\",\"event\":";
  out += event.bytes;
  out += '}';
  return out;
}

std::string checkpoint_message(const eventstore::SignedCheckpoint& checkpoint) {
  const nlohmann::json message = {
      {"signed_checkpoint", {{"size", checkpoint.checkpoint.size}, {"note", checkpoint.note}}}};
  return message.dump();
}

TypeFilter parse_type_filter(std::string_view csv) {
  TypeFilter filter;
  std::size_t start = 0;
  while (start <= csv.size()) {
    const std::size_t comma = csv.find(',', start);
    const std::string_view item = csv.substr(start, comma == std::string_view::npos ? csv.size() - start : comma - start);
    if (!item.empty()) {
      const bool first_ok = (item[0] >= 'A' && item[0] <= 'Z') || (item[0] >= 'a' && item[0] <= 'z');
      bool rest_ok = true;
      for (char c : item) {
        rest_ok = rest_ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
      }
      if (!first_ok || !rest_ok || item.size() > 64) {
        throw std::invalid_argument("malformed event type '" + std::string(item.substr(0, 64)) +
                                    "': expected [A-Za-z][A-Za-z0-9_]*");
      }
      filter.types.emplace(item);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return filter;
}

}  // namespace dais::api

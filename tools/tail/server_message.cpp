#include "tools/tail/server_message.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/json_depth.h"
#include "tools/tail/raw_json.h"

namespace dais::tail {

namespace {

std::uint64_t unsigned_member(const nlohmann::json& message, const char* key) {
  const auto& value = message.at(key);
  if (!value.is_number_unsigned()) {
    throw std::invalid_argument(std::string("\"") + key + "\" is not a non-negative integer");
  }
  return value.get<std::uint64_t>();
}

}  // namespace

ServerMessage parse_server_message(std::string_view text) {
  // Refused before parsing: the chain checker would reparse and dump parts of a deep tree recursively.
  if (!json_depth_within(text)) {
    throw std::invalid_argument("stream message nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) +
                                " levels");
  }
  const auto message = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!message.is_object()) throw std::invalid_argument("stream message is not a JSON object");
  if (message.contains("caught_up")) return CaughtUp{unsigned_member(message, "caught_up")};
  if (message.contains("checkpoint")) return Checkpoint{unsigned_member(message, "checkpoint")};
  if (message.contains("signed_checkpoint")) {
    const auto& body = message["signed_checkpoint"];
    if (!body.is_object() || !body.contains("size") || !body.contains("note") || !body["note"].is_string()) {
      throw std::invalid_argument("\"signed_checkpoint\" is not an object with a size and a note");
    }
    return SignedCheckpointMessage{unsigned_member(body, "size"), body["note"].get<std::string>()};
  }
  if (!message.contains("seq") || !message.contains("hash") || !message.contains("event")) {
    throw std::invalid_argument("stream message is neither an event entry nor caught_up nor checkpoint");
  }
  EventEntry entry;
  entry.seq = unsigned_member(message, "seq");
  if (!message["hash"].is_string()) throw std::invalid_argument("\"hash\" is not a string");
  entry.hash = message["hash"].get<std::string>();
  if (!message["event"].is_object()) throw std::invalid_argument("\"event\" is not a JSON object");
  entry.bytes = *raw_json_member(text, "event");
  return entry;
}

}  // namespace dais::tail

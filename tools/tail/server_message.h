// Decodes one text message of the DAIS event stream (docs/API.md, "Stream
// protocol"): an event entry {"seq":N,"hash":"<hex>","event":<stored bytes>},
// {"caught_up":N}, {"checkpoint":N} or {"signed_checkpoint":{"size":N,"note":"..."}}.
// Pure functions; thread-safe. An EventEntry's `bytes` view points into the
// message text, which must outlive it.
// Errors: std::invalid_argument naming what is wrong with a malformed message, or
// one nested deeper than dais::kMaxJsonDepth (refused before it is parsed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace dais::tail {

struct EventEntry {
  std::uint64_t seq = 0;
  std::string hash;        // as sent: 64 hex characters, SHA-256 of `bytes`
  std::string_view bytes;  // the stored event JSON, exactly as it appears in the message
};

// Every event with seq < next has been sent (or filtered out); live events follow.
struct CaughtUp {
  std::uint64_t next = 0;
};

// Filtered streams: every matching event with seq < next has been sent.
struct Checkpoint {
  std::uint64_t next = 0;
};

// With checkpoints=1: the signed tree head after every event with seq < size (not yet checked).
struct SignedCheckpointMessage {
  std::uint64_t size = 0;
  std::string note;
};

using ServerMessage = std::variant<EventEntry, CaughtUp, Checkpoint, SignedCheckpointMessage>;

ServerMessage parse_server_message(std::string_view text);

}  // namespace dais::tail

// Builds the exact bytes the store hashes and stores for one event, and checks
// drafts before anything is written. The layout (no whitespace, this key order)
//   {"seq":N,"type":"T","step":S,"prev":"<64 hex>","data":<data_json>}
// is what docs/LOG_FORMAT.md documents; readers never depend on it (they parse).
// Pure functions; thread-safe; the output buffer is the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eventstore/store.h"

namespace dais::eventstore {

// Why the draft cannot be stored, or nullopt when it can. Checks the type name
// ([A-Za-z][A-Za-z0-9_]*, at most format::kMaxTypeSize) and that data_json
// starts with '{' and ends with '}'. It does not parse data_json: the caller
// must pass exactly one JSON object (verify() would report anything else).
std::optional<std::string> draft_problem(const EventDraft& draft);

// Writes the stored value of event `seq` into `value` (replacing its content):
// the 32-byte SHA-256 of the event bytes, then the event bytes. Returns the hash.
// The draft must have passed draft_problem().
Hash encode_event(std::uint64_t seq, const EventDraft& draft, const Hash& prev, std::string& value);

// The size of that stored value (hash plus event bytes), so that it can be
// written in place (e.g. into space LMDB reserved): encode_event_into() then
// writes exactly this many bytes at `value` and returns the hash.
std::size_t encoded_value_size(std::uint64_t seq, const EventDraft& draft);
Hash encode_event_into(std::uint64_t seq, const EventDraft& draft, const Hash& prev, char* value);
// The same, and also the event's Merkle leaf hash (merkle::leaf_hash of the
// event bytes) into `leaf`, both hashes taken in one pass over the bytes.
Hash encode_event_into(std::uint64_t seq, const EventDraft& draft, const Hash& prev, char* value, Hash& leaf);

// The top-level "type" of stored event bytes, read from the layout above without
// parsing the rest (bytes in any other layout are parsed properly); "" when the
// bytes have none.
std::string decode_type(std::string_view bytes);

// Appends 64 lower-case hex characters of `hash` to `out`.
void append_hex(const Hash& hash, std::string& out);

}  // namespace dais::eventstore

// Checks one stored entry on its own, without its neighbours: the value holds
// a hash and event bytes, SHA-256(event bytes) equals that hash, and the bytes
// are one JSON object holding seq (an unsigned integer equal to the key), type
// (string), step (unsigned integer), prev (64 lower-case hex) and data (object).
// A scanner that builds nothing validates the envelope's JSON grammar fully and
// `data` structurally (balanced brackets, well-formed strings; its scalars are
// the caller's and covered by the hash), so the check stays fast. Bytes are
// never re-serialised. Links between entries are the
// caller's job (see verifier.h), using the `prev` this check extracts.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "eventstore/store.h"

namespace dais::eventstore {

// Returns the entry's first problem, in this order: truncated_value,
// hash_mismatch, bad_json, seq_mismatch; Problem::none when it is sound, and
// then `prev` holds the event's prev hash. When `reason` is not null it
// receives one line describing the problem (the hot path passes null).
Problem check_entry(std::uint64_t key_seq, std::string_view value, Hash& prev, std::string* reason);

// The JSON part alone: validates `event` as described above and extracts seq
// and prev. On failure returns false and, if `reason` is not null, says why.
bool parse_event_fields(std::string_view event, std::uint64_t& seq, Hash& prev, std::string* reason);

}  // namespace dais::eventstore

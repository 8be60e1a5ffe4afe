#include "eventstore/entry_check.h"

#include <array>
#include <cstring>

#include "eventstore/json_scanner.h"
#include "eventstore/json_simd.h"
#include "eventstore/log_format.h"

namespace dais::eventstore {

namespace {

// Lower-case hex digit values; 0xff for anything else.
constexpr std::array<std::uint8_t, 256> make_nibbles() {
  std::array<std::uint8_t, 256> nibbles{};
  for (auto& n : nibbles) n = 0xff;
  for (int c = '0'; c <= '9'; ++c) nibbles[c] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) nibbles[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  return nibbles;
}
constexpr auto kNibbles = make_nibbles();

bool decode_prev(std::string_view hex, Hash& prev) {
  if (hex.size() != 2 * prev.size()) return false;
  std::uint8_t bad = 0;
  for (std::size_t i = 0; i < prev.size(); ++i) {
    const std::uint8_t hi = kNibbles[static_cast<unsigned char>(hex[2 * i])];
    const std::uint8_t lo = kNibbles[static_cast<unsigned char>(hex[2 * i + 1])];
    bad |= (hi | lo) & 0xf0;
    prev[i] = static_cast<std::uint8_t>(hi << 4 | (lo & 0x0f));
  }
  return bad == 0;
}

bool fail_with(std::string* reason, std::string message) {
  if (reason != nullptr) *reason = std::move(message);
  return false;
}

// Skips the `data` object at the cursor and the event's closing '}', which
// must be the last byte: the SIMD pass when it can decide, else the scanner.
bool skip_data_then_close(JsonScanner& s) {
  const std::string_view rest = s.rest();
  if (rest.size() >= 3 && rest.back() == '}' && skip_plain_object(rest.substr(0, rest.size() - 1))) return true;
  return s.skip_structure() && s.consume_literal("}") && s.at_end();
}

// The layout the store itself writes (event_codec.h), checked in one pass of
// literal compares; anything else (other key order, whitespace, extra keys, or
// an error) returns false and goes through the general parse. Whatever this
// accepts, the general parse accepts too, with the same seq and prev.
bool parse_canonical_event(std::string_view event, std::uint64_t& seq, Hash& prev) {
  JsonScanner s(event);
  std::uint64_t step = 0;
  std::string_view type, hex;
  return s.consume_literal(R"({"seq":)") && s.scan_unsigned(seq, "") && s.consume_literal(R"(,"type":)") &&
         s.peek('"') && s.scan_string(type) && s.consume_literal(R"(,"step":)") && s.scan_unsigned(step, "") &&
         s.consume_literal(R"(,"prev":)") && s.peek('"') && s.scan_string(hex) && decode_prev(hex, prev) &&
         s.consume_literal(R"(,"data":)") && s.peek('{') && skip_data_then_close(s);
}

}  // namespace

bool parse_event_fields(std::string_view event, std::uint64_t& seq, Hash& prev, std::string* reason) {
  if (parse_canonical_event(event, seq, prev)) return true;
  enum Field : unsigned { kSeq = 1, kType = 2, kStep = 4, kPrev = 8, kData = 16, kAll = 31 };
  JsonScanner s(event);
  unsigned seen = 0;
  const char* field_error = nullptr;
  auto mark = [&](Field f, const char* name) {
    if (seen & f) {
      field_error = name;
      return false;
    }
    seen |= f;
    return true;
  };

  bool ok = true;
  s.skip_whitespace();
  ok = s.consume('{', "expected '{'");
  s.skip_whitespace();
  if (ok && s.peek('}')) {
    s.consume('}', "");
  } else {
    while (ok) {
      s.skip_whitespace();
      std::string_view key;
      if (!(ok = s.scan_string(key))) break;
      s.skip_whitespace();
      if (!(ok = s.consume(':', "expected ':'"))) break;
      s.skip_whitespace();
      if (key == "seq") {
        ok = mark(kSeq, "duplicate \"seq\"") && s.scan_unsigned(seq, "\"seq\" is not an unsigned integer");
      } else if (key == "step") {
        std::uint64_t step = 0;
        ok = mark(kStep, "duplicate \"step\"") && s.scan_unsigned(step, "\"step\" is not an unsigned integer");
      } else if (key == "type") {
        std::string_view type;
        ok = mark(kType, "duplicate \"type\"");
        if (ok && !s.peek('"')) ok = s.fail("\"type\" is not a string");
        if (ok) ok = s.scan_string(type);
      } else if (key == "prev") {
        std::string_view hex;
        ok = mark(kPrev, "duplicate \"prev\"");
        if (ok && !s.peek('"')) ok = s.fail("\"prev\" is not a string");
        if (ok) ok = s.scan_string(hex);
        if (ok && !decode_prev(hex, prev)) ok = s.fail("\"prev\" is not 64 lower-case hex characters");
      } else if (key == "data") {
        ok = mark(kData, "duplicate \"data\"");
        if (ok && !s.peek('{')) ok = s.fail("\"data\" is not an object");
        if (ok) ok = s.skip_structure();
      } else {
        ok = s.skip_value(1);
      }
      if (!ok) break;
      s.skip_whitespace();
      if (s.peek('}')) {
        s.consume('}', "");
        break;
      }
      ok = s.consume(',', "expected ',' or '}'");
    }
  }
  if (ok) {
    s.skip_whitespace();
    if (!s.at_end()) ok = s.fail("bytes after the closing '}'");
  }
  if (!ok) {
    if (reason == nullptr) return false;
    const char* what = field_error != nullptr ? field_error : s.error();
    return fail_with(reason, std::string("bad JSON: ") + (what ? what : "malformed") + " at byte " +
                                 std::to_string(s.error_at()));
  }
  if (seen != kAll) {
    const char* missing = !(seen & kSeq) ? "seq" : !(seen & kType) ? "type" : !(seen & kStep) ? "step"
                        : !(seen & kPrev) ? "prev" : "data";
    return fail_with(reason, std::string("bad JSON: the event has no \"") + missing + "\"");
  }
  return true;
}

Problem check_entry(std::uint64_t key_seq, std::string_view value, Hash& prev, std::string* reason) {
  if (value.size() < format::kMinValueSize) {
    if (reason != nullptr) {
      *reason = "value is " + std::to_string(value.size()) + " bytes, shorter than a 32-byte hash plus '{}'";
    }
    return Problem::truncated_value;
  }
  const std::string_view event = value.substr(format::kHashSize);
  const Hash actual = sha256(event);
  if (std::memcmp(actual.data(), value.data(), format::kHashSize) != 0) {
    if (reason != nullptr) {
      *reason = "stored hash " + to_hex(value.substr(0, format::kHashSize)) + " differs from SHA-256 of the " +
                std::to_string(event.size()) + " event bytes " + to_hex(actual);
    }
    return Problem::hash_mismatch;
  }
  std::uint64_t json_seq = 0;
  if (!parse_event_fields(event, json_seq, prev, reason)) return Problem::bad_json;
  if (json_seq != key_seq) {
    if (reason != nullptr) {
      *reason = "the event says seq " + std::to_string(json_seq) + " but is stored under key " +
                std::to_string(key_seq);
    }
    return Problem::seq_mismatch;
  }
  return Problem::none;
}

}  // namespace dais::eventstore

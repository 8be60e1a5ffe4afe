#include "eventstore/entry_check.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "eventstore/log_format.h"

namespace dais::eventstore {

namespace {

constexpr int kMaxDepth = 256;

// Bytes that end the fast path inside a JSON string: the quote, the escape and
// control characters (which JSON forbids unescaped).
constexpr std::array<bool, 256> make_string_stops() {
  std::array<bool, 256> stops{};
  for (int c = 0; c < 0x20; ++c) stops[c] = true;
  stops['"'] = true;
  stops['\\'] = true;
  return stops;
}
constexpr auto kStringStops = make_string_stops();

// Bytes that matter to the structural skip of `data`.
constexpr std::array<bool, 256> make_structural() {
  std::array<bool, 256> structural{};
  for (char c : {'"', '{', '}', '[', ']'}) structural[static_cast<unsigned char>(c)] = true;
  return structural;
}
constexpr auto kStructural = make_structural();

bool is_json_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The first byte in [p, end) that is a string stop (quote, backslash, control
// character), or end. SSE2 compares 16 bytes at a time; the tail goes bytewise.
const char* find_string_stop(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1f);
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, max_control), x);  // x <= 0x1f, unsigned
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)), control);
    if (const int mask = _mm_movemask_epi8(hit)) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  while (p < end && !kStringStops[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// The first byte in [p, end) that is a quote or a bracket, or end.
const char* find_structural(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i braces = _mm_set1_epi8(0x20);  // '{' | 0x20 == '{' and '[' | 0x20 == '{'
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i folded = _mm_or_si128(x, braces);  // maps '[' to '{' and ']' to '}'
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                     _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
    if (const int mask = _mm_movemask_epi8(hit)) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  while (p < end && !kStructural[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// A validating JSON scanner over one buffer. Every scan_* starts at the first
// byte of the value (whitespace already skipped) and, on failure, records the
// first error it met; nothing is allocated on the success path.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  void skip_whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() const { return p_ == end_; }
  std::string_view rest() const { return {p_, static_cast<std::size_t>(end_ - p_)}; }
  // Consumes `text` if the bytes at the cursor are exactly it (no error recorded otherwise).
  bool consume_literal(std::string_view text) {
    if (static_cast<std::size_t>(end_ - p_) < text.size() || std::memcmp(p_, text.data(), text.size()) != 0) {
      return false;
    }
    p_ += text.size();
    return true;
  }
  bool peek(char c) const { return p_ < end_ && *p_ == c; }
  bool consume(char c, const char* what) {
    if (peek(c)) {
      ++p_;
      return true;
    }
    return fail(what);
  }

  // On success `raw` is the string's content, escapes left as written.
  bool scan_string(std::string_view& raw) {
    if (!consume('"', "expected a string")) return false;
    const char* start = p_;
    for (;;) {
      p_ = find_string_stop(p_, end_);
      if (p_ == end_) return fail("unterminated string");
      const char c = *p_;
      if (c == '"') break;
      if (c != '\\') return fail("control character inside a string");
      if (++p_ == end_) return fail("unterminated escape");
      switch (*p_) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          ++p_;
          break;
        case 'u':
          if (end_ - p_ < 5 || !is_json_hex(p_[1]) || !is_json_hex(p_[2]) || !is_json_hex(p_[3]) ||
              !is_json_hex(p_[4])) {
            return fail("bad \\u escape");
          }
          p_ += 5;
          break;
        default:
          return fail("bad escape");
      }
    }
    raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }

  // An integer without sign, fraction or exponent that fits in 64 bits.
  bool scan_unsigned(std::uint64_t& value, const char* what) {
    const char* start = p_;
    value = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      const auto digit = static_cast<std::uint64_t>(*p_ - '0');
      if (value > (UINT64_MAX - digit) / 10) return fail(what);
      value = value * 10 + digit;
      ++p_;
    }
    const auto digits = p_ - start;
    if (digits == 0 || (digits > 1 && *start == '0')) return fail(what);
    if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return fail(what);
    return true;
  }

  bool skip_number() {
    if (peek('-')) ++p_;
    if (peek('0')) {
      ++p_;
    } else if (!skip_digits()) {
      return fail("bad number");
    }
    if (peek('.')) {
      ++p_;
      if (!skip_digits()) return fail("bad number");
    }
    if (peek('e') || peek('E')) {
      ++p_;
      if (peek('+') || peek('-')) ++p_;
      if (!skip_digits()) return fail("bad number");
    }
    return true;
  }

  bool skip_value(int depth) {
    if (p_ == end_) return fail("expected a value");
    switch (*p_) {
      case '{': return skip_object(depth + 1);
      case '[': return skip_array(depth + 1);
      case '"': {
        std::string_view ignored;
        return scan_string(ignored);
      }
      case 't': return skip_literal("true");
      case 'f': return skip_literal("false");
      case 'n': return skip_literal("null");
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) return skip_number();
        return fail("expected a value");
    }
  }

  bool skip_object(int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (!consume('{', "expected an object")) return false;
    skip_whitespace();
    if (peek('}')) {
      ++p_;
      return true;
    }
    for (;;) {
      skip_whitespace();
      std::string_view key;
      if (!scan_string(key)) return false;
      skip_whitespace();
      if (!consume(':', "expected ':'")) return false;
      skip_whitespace();
      if (!skip_value(depth)) return false;
      skip_whitespace();
      if (peek('}')) {
        ++p_;
        return true;
      }
      if (!consume(',', "expected ',' or '}'")) return false;
    }
  }

  // Skips the object or array at the cursor checking its structure only:
  // brackets balance and match, and strings are well formed (terminated,
  // valid escapes, no control characters). Scalars are not parsed: `data` is
  // the caller's JSON, covered by the hash; this keeps verify fast.
  bool skip_structure() {
    char open[kMaxDepth];
    int depth = 0;
    for (;;) {
      p_ = find_structural(p_, end_);
      if (p_ == end_) return fail("unterminated object or array");
      const char c = *p_;
      if (c == '"') {
        std::string_view ignored;
        if (!scan_string(ignored)) return false;
        continue;
      }
      if (c == '{' || c == '[') {
        if (depth == kMaxDepth) return fail("nested too deeply");
        open[depth++] = c;
      } else if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '[')) {
        return fail("mismatched bracket");
      } else if (--depth == 0) {
        ++p_;
        return true;
      }
      ++p_;
    }
  }

  bool skip_array(int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (!consume('[', "expected an array")) return false;
    skip_whitespace();
    if (peek(']')) {
      ++p_;
      return true;
    }
    for (;;) {
      skip_whitespace();
      if (!skip_value(depth)) return false;
      skip_whitespace();
      if (peek(']')) {
        ++p_;
        return true;
      }
      if (!consume(',', "expected ',' or ']'")) return false;
    }
  }

  bool fail(const char* what) {
    if (error_ == nullptr) {
      error_ = what;
      error_at_ = static_cast<std::size_t>(p_ - begin_);
    }
    return false;
  }
  const char* error() const { return error_; }
  std::size_t error_at() const { return error_at_; }

 private:
  bool skip_digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }
  bool skip_literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
      return fail("expected a value");
    }
    p_ += word.size();
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_ = nullptr;
  std::size_t error_at_ = 0;
};

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

#if defined(__SSE2__)
// Bit i of the result is the XOR of bits 0..i of `bits` (16 bits): with quote
// bits in, it marks the bytes from an opening quote up to its closing one.
std::uint32_t prefix_xor16(std::uint32_t bits) {
  bits ^= bits << 1;
  bits ^= bits << 2;
  bits ^= bits << 4;
  bits ^= bits << 8;
  return bits & 0xffff;
}

// The common case of skip_structure() in one branch-light pass, for a `data`
// object with no backslash: `object` must be exactly one object (or array)
// whose brackets balance and match, whose strings hold no control character,
// and which closes at its last byte. Returns false for anything else,
// including a backslash anywhere; the caller then runs the general scanner,
// so this only has to be sound, never complete.
bool skip_plain_object(std::string_view object) {
  if (object.empty() || (object.front() != '{' && object.front() != '[')) return false;
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1f);
  const __m128i fold = _mm_set1_epi8(0x20);  // maps '[' to '{' and ']' to '}'
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  char stack[kMaxDepth];
  int depth = 0;
  std::uint32_t in_string = 0;  // 0xffff while a string continues into the next block
  const std::size_t size = object.size();
  for (std::size_t at = 0; at < size; at += 16) {
    const std::size_t n = std::min<std::size_t>(16, size - at);
    alignas(16) char tail[16] = {};
    const char* block = object.data() + at;
    if (n < 16) {
      std::memcpy(tail, block, n);
      block = tail;
    }
    const std::uint32_t valid = n == 16 ? 0xffffu : (1u << n) - 1;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    const auto mask = [](__m128i m) { return static_cast<std::uint32_t>(_mm_movemask_epi8(m)); };
    if (mask(_mm_cmpeq_epi8(x, backslash)) & valid) return false;
    const std::uint32_t quotes = mask(_mm_cmpeq_epi8(x, quote)) & valid;
    const std::uint32_t inside = (prefix_xor16(quotes) ^ in_string) & valid;
    in_string = (inside >> 15) & 1 ? 0xffffu : 0u;
    const std::uint32_t control = mask(_mm_cmpeq_epi8(_mm_min_epu8(x, max_control), x));
    if (control & inside) return false;
    const __m128i folded = _mm_or_si128(x, fold);
    std::uint32_t brackets =
        mask(_mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close))) & valid & ~inside;
    for (; brackets != 0; brackets &= brackets - 1) {
      const std::size_t i = static_cast<std::size_t>(__builtin_ctz(brackets));
      const char c = block[i];
      if (c == '{' || c == '[') {
        if (depth == kMaxDepth) return false;
        stack[depth++] = c;
      } else if (depth == 0 || stack[depth - 1] != (c == '}' ? '{' : '[') || (--depth == 0 && at + i + 1 != size)) {
        return false;
      }
    }
  }
  return depth == 0 && in_string == 0;
}
#endif

// The layout the store itself writes (event_codec.h), checked in one pass of
// literal compares; anything else (other key order, whitespace, extra keys, or
// an error) returns false and goes through the general scanner. Whatever this
// accepts, the general scanner accepts too, with the same seq and prev.
// Skips the `data` object at the cursor and the event's closing '}', which
// must be the last byte.
bool skip_data_then_close(Scanner& s) {
#if defined(__SSE2__)
  const std::string_view rest = s.rest();
  if (rest.size() >= 3 && rest.back() == '}' && skip_plain_object(rest.substr(0, rest.size() - 1))) return true;
#endif
  return s.skip_structure() && s.consume_literal("}") && s.at_end();
}

bool parse_canonical_event(std::string_view event, std::uint64_t& seq, Hash& prev) {
  Scanner s(event);
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
  Scanner s(event);
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

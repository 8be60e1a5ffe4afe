// A validating JSON scanner over one caller-owned buffer, which must outlive
// it. It builds nothing: each scan_* / skip_* starts at the first byte of a
// value (whitespace already skipped by the caller), advances past it, and
// returns false on the first error, which error() / error_at() then describe;
// later failures keep the first message. Nothing allocates, nothing throws.
// One scanner is one cursor: not thread-safe; use one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "eventstore/json_simd.h"

namespace dais::eventstore {

class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  void skip_whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() const { return p_ == end_; }
  // The bytes from the cursor to the end of the buffer.
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
  // Consumes `c`, or fails with `what`.
  bool consume(char c, const char* what) {
    if (peek(c)) {
      ++p_;
      return true;
    }
    return fail(what);
  }

  // A string; on success `raw` is its content, escapes left as written.
  // (This and scan_unsigned are defined below, inline: the entry check's hot path.)
  bool scan_string(std::string_view& raw);
  // An integer without sign, fraction or exponent that fits in 64 bits; fails with `what` otherwise.
  bool scan_unsigned(std::uint64_t& value, const char* what);
  // Any JSON value, fully validated; `depth` is the nesting it sits at (the
  // document's top-level value is at 0). Fails past kMaxJsonDepth.
  bool skip_value(int depth);
  // The object or array at the cursor, checking its structure only: brackets
  // balance and match, and strings are well formed (terminated, valid
  // escapes, no control characters). Scalars are not parsed, which keeps it
  // fast where the bytes are covered by a hash anyway.
  bool skip_structure();

  // Records `what` at the cursor unless an error is already recorded; returns false.
  bool fail(const char* what);
  // The first error's message, or null when nothing failed.
  const char* error() const { return error_; }
  // The offset in the buffer where the first error was met.
  std::size_t error_at() const { return error_at_; }

 private:
  bool skip_number();
  bool skip_object(int depth);
  bool skip_array(int depth);
  bool skip_digits();
  bool skip_literal(std::string_view word);

  const char* begin_;
  const char* p_;
  const char* end_;
  const char* error_ = nullptr;
  std::size_t error_at_ = 0;
};

// Inline because every verified entry goes through them (a call per field costs ~12% of the envelope parse).
namespace json_detail {

inline bool is_json_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace json_detail

[[gnu::always_inline]] inline bool JsonScanner::scan_string(std::string_view& raw) {
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
        if (end_ - p_ < 5 || !json_detail::is_json_hex(p_[1]) || !json_detail::is_json_hex(p_[2]) || !json_detail::is_json_hex(p_[3]) ||
            !json_detail::is_json_hex(p_[4])) {
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

inline bool JsonScanner::scan_unsigned(std::uint64_t& value, const char* what) {
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

}  // namespace dais::eventstore

#include "eventstore/json_scanner.h"

#include "eventstore/json_simd.h"

namespace dais::eventstore {

bool JsonScanner::skip_number() {
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

bool JsonScanner::skip_value(int depth) {
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

bool JsonScanner::skip_object(int depth) {
  if (depth > kMaxJsonDepth) return fail("nested too deeply");
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

bool JsonScanner::skip_array(int depth) {
  if (depth > kMaxJsonDepth) return fail("nested too deeply");
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

bool JsonScanner::skip_structure() {
  char open[kMaxJsonDepth];
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
      if (depth == kMaxJsonDepth) return fail("nested too deeply");
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

bool JsonScanner::fail(const char* what) {
  if (error_ == nullptr) {
    error_ = what;
    error_at_ = static_cast<std::size_t>(p_ - begin_);
  }
  return false;
}

bool JsonScanner::skip_digits() {
  const char* start = p_;
  while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
  return p_ != start;
}

bool JsonScanner::skip_literal(std::string_view word) {
  if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
    return fail("expected a value");
  }
  p_ += word.size();
  return true;
}

}  // namespace dais::eventstore

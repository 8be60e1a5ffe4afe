#include "tools/tail/raw_json.h"

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace dais::tail {

namespace {

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && is_json_space(text[i])) ++i;
  return i;
}

// `i` is at an opening quote; returns the index just past the closing quote.
std::size_t skip_string(std::string_view text, std::size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  throw std::invalid_argument("unterminated JSON string");
}

// The text is known to be valid JSON, so a value ends where its brackets
// balance (strings skipped) or, for a scalar, at the next delimiter.
std::size_t skip_value(std::string_view text, std::size_t i) {
  if (i >= text.size()) throw std::invalid_argument("JSON value expected");
  if (text[i] == '"') return skip_string(text, i);
  if (text[i] == '{' || text[i] == '[') {
    int depth = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = skip_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    throw std::invalid_argument("unbalanced JSON brackets");
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && !is_json_space(text[i])) ++i;
  return i;
}

std::string decode_key(std::string_view quoted) {
  if (quoted.find('\\') == std::string_view::npos) return std::string(quoted.substr(1, quoted.size() - 2));
  return nlohmann::json::parse(quoted).get<std::string>();
}

}  // namespace

std::optional<std::string_view> raw_json_member(std::string_view text, std::string_view key) {
  if (!nlohmann::json::accept(text)) throw std::invalid_argument("not valid JSON");
  std::size_t i = skip_space(text, 0);
  if (i >= text.size() || text[i] != '{') throw std::invalid_argument("not a JSON object");
  i = skip_space(text, i + 1);
  std::optional<std::string_view> found;
  if (text[i] == '}') return found;
  while (true) {
    const std::size_t key_end = skip_string(text, i);
    const bool matches = decode_key(text.substr(i, key_end - i)) == key;
    i = skip_space(text, key_end) + 1;  // past the ':'
    i = skip_space(text, i);
    const std::size_t value_end = skip_value(text, i);
    if (matches) {
      if (found) throw std::invalid_argument("key '" + std::string(key) + "' appears twice");
      found = text.substr(i, value_end - i);
    }
    i = skip_space(text, value_end);
    if (text[i] == '}') return found;
    i = skip_space(text, i + 1);  // past the ','
  }
}

}  // namespace dais::tail

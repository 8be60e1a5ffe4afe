#include "api/query.h"

#include <charconv>

#include "common/hex.h"

namespace dais::api {

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hex_digit_value(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_digit_value(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) throw BadRequest("malformed percent-encoding in request target");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Target parse_target(std::string_view target) {
  Target t;
  const std::size_t q = target.find('?');
  t.path = percent_decode(target.substr(0, q), false);
  if (q == std::string_view::npos) return t;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq), true);
      std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      t.params[std::move(key)] = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return t;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::uint64_t uint_param(const Target& t, const std::string& name, std::uint64_t fallback, std::uint64_t min,
                         std::uint64_t max) {
  const auto it = t.params.find(name);
  if (it == t.params.end()) return fallback;
  const auto v = parse_uint(it->second);
  if (!v || *v < min || *v > max) {
    throw BadRequest("query parameter '" + name + "' must be an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got '" + it->second.substr(0, 40) + "'");
  }
  return *v;
}

}  // namespace dais::api

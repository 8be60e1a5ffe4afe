// Request-target parsing: path split from the query string, percent-decoding,
// and typed query parameters that fail with a message naming the parameter.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dais::api {

// A bad query parameter or path item: the router answers 400 with this message.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Target {
  std::string path;                           // percent-decoded
  std::map<std::string, std::string> params;  // decoded; the last of repeated keys wins
};

// Throws BadRequest on malformed percent-encoding.
Target parse_target(std::string_view target);
std::string percent_decode(std::string_view text, bool plus_is_space);

// An unsigned integer parameter within [min, max]; `fallback` when absent.
std::uint64_t uint_param(const Target& t, const std::string& name, std::uint64_t fallback, std::uint64_t min,
                         std::uint64_t max);
// An unsigned integer parsed from a path item; nullopt when not a plain decimal number.
std::optional<std::uint64_t> parse_uint(std::string_view text);

}  // namespace dais::api

// Finds the exact source text of one member of a JSON object, so a client can
// hash bytes the server embedded verbatim instead of a re-serialised copy.
// Pure functions; thread-safe; the returned view points into the caller's text.
// Errors: std::invalid_argument when the text is not a JSON object or holds the
// key twice at the top level (which copy a hash covers would be ambiguous).
#pragma once

#include <optional>
#include <string_view>

namespace dais::tail {

// The raw text of the top-level member `key` of the JSON object `text`
// (without surrounding whitespace), or nullopt when the object has no such key.
std::optional<std::string_view> raw_json_member(std::string_view text, std::string_view key);

}  // namespace dais::tail

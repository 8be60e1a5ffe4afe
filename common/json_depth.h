// Measures how deeply a JSON text nests arrays and objects without parsing it, so
// that a caller can refuse hostile input before nlohmann's parser builds a tree:
// copying or dumping such a tree recurses once per level, and 150,000 levels
// overflow any thread's stack (issue 20).
// The scan follows JSON's string and escape rules, so for every prefix a parser
// accepts it sees the parser's own depth; past the first syntax error a parser
// stops anyway, so what the scan says there does not matter.
// Thread safety: pure functions. Ownership: none. Errors: none (a measurement).
#pragma once

#include <cstddef>
#include <string_view>

namespace dais {

// The nesting limit for JSON that comes from outside a process (HTTP bodies,
// stream messages, files written by another program). Every document DAIS
// writes nests fewer than 10 levels; the limit leaves room and stays far below
// what any stack can recurse.
inline constexpr std::size_t kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text`, counted up to `cap + 1`
// (the scan stops there, so a huge document costs no more than needed).
std::size_t json_nesting_depth(std::string_view text, std::size_t cap = kMaxJsonDepth);

// True when no part of `text` is nested deeper than `max_depth` levels.
inline bool json_depth_within(std::string_view text, std::size_t max_depth = kMaxJsonDepth) {
  return json_nesting_depth(text, max_depth) <= max_depth;
}

}  // namespace dais

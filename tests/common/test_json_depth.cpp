// The JSON nesting scan: counts like a parser, ignores brackets inside strings and
// after escapes, and stops early on deep input.
#include <doctest/doctest.h>

#include <string>

#include "common/json_depth.h"

using dais::json_depth_within;
using dais::json_nesting_depth;

TEST_CASE("depth counts nested arrays and objects, not scalars") {
  CHECK(json_nesting_depth("1") == 0);
  CHECK(json_nesting_depth("\"x\"") == 0);
  CHECK(json_nesting_depth("{}") == 1);
  CHECK(json_nesting_depth("[1,[2,{\"a\":[3]}],4]") == 4);
  CHECK(json_nesting_depth("[[]] [[[]]]") == 3);  // the deepest point counts, not the last
}

TEST_CASE("brackets inside strings and escaped quotes do not count") {
  CHECK(json_nesting_depth(R"({"k":"[[[[{{{{"})") == 1);
  CHECK(json_nesting_depth(R"(["a\"[[[", ["b"]])") == 2);
  CHECK(json_nesting_depth(R"(["\\", [[1]]])") == 3);  // an escaped backslash ends the escape
  CHECK(json_nesting_depth(R"(["\u005b[", 1])") == 1);
}

TEST_CASE("deep input is refused at the limit and the scan stops just past it") {
  const std::string at_limit = std::string(dais::kMaxJsonDepth, '[') + std::string(dais::kMaxJsonDepth, ']');
  CHECK(json_depth_within(at_limit));
  const std::string deep = std::string(150000, '[') + std::string(150000, ']');
  CHECK_FALSE(json_depth_within(deep));
  CHECK(json_nesting_depth(deep) == dais::kMaxJsonDepth + 1);
  CHECK(json_nesting_depth(deep, 200000) == 150000);
  CHECK_FALSE(json_depth_within("[[[", 2));
  CHECK(json_depth_within("]]]]]]", 0));  // unbalanced closes never go below zero
}

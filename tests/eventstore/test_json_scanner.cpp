// The JSON scanner behind the entry check, and its SIMD byte searches, on their own.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "eventstore/json_scanner.h"
#include "eventstore/json_simd.h"

using namespace dais::eventstore;

namespace {

bool skips_value(const std::string& text) {
  JsonScanner s(text);
  return s.skip_value(0) && s.at_end();
}

bool skips_structure(const std::string& text) {
  JsonScanner s(text);
  return s.skip_structure() && s.at_end();
}

}  // namespace

TEST_CASE("scan_string yields the raw content, escapes as written, and moves past the closing quote") {
  const std::string text = R"("a\"b\u00e9\n" rest)";
  JsonScanner s(text);
  std::string_view raw;
  REQUIRE(s.scan_string(raw));
  CHECK(raw == R"(a\"b\u00e9\n)");
  CHECK(s.rest() == " rest");
  CHECK(s.error() == nullptr);
}

TEST_CASE("scan_string reports the first error and where it was met") {
  struct Case {
    std::string text;
    std::string error;
    std::size_t at;
  };
  const std::vector<Case> cases{
      {"x", "expected a string", 0},
      {"\"abc", "unterminated string", 4},
      {"\"ab\tc\"", "control character inside a string", 3},
      {"\"ab\\", "unterminated escape", 4},
      {"\"a\\x\"", "bad escape", 3},
      {"\"a\\u12g4\"", "bad \\u escape", 3},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    JsonScanner s(c.text);
    std::string_view raw;
    CHECK_FALSE(s.scan_string(raw));
    REQUIRE(s.error() != nullptr);
    CHECK(std::string(s.error()) == c.error);
    CHECK(s.error_at() == c.at);
    s.fail("a later failure");
    CHECK(std::string(s.error()) == c.error);  // the first error is kept
  }
}

TEST_CASE("scan_unsigned takes 64-bit integers and nothing else") {
  std::uint64_t v = 0;
  for (const std::string ok : {"0", "7", "18446744073709551615"}) {
    JsonScanner s(ok);
    CHECK(s.scan_unsigned(v, "bad"));
    CHECK(std::to_string(v) == ok);
  }
  for (const std::string bad : {"", "-1", "01", "1.5", "2e3", "18446744073709551616", "x"}) {
    CAPTURE(bad);
    JsonScanner s(bad);
    CHECK_FALSE(s.scan_unsigned(v, "not unsigned"));
    CHECK(std::string(s.error()) == "not unsigned");
  }
}

TEST_CASE("skip_value validates every JSON value and the nesting limit") {
  for (const std::string ok : {R"({"a":[1,-2.5e+3,0.0,true,false,null,"s"],"b":{}})", "[]", "-0", "\"\"", "1E9"}) {
    CAPTURE(ok);
    CHECK(skips_value(ok));
  }
  for (const std::string bad : {"{", "[1,]", R"({"a" 1})", R"({"a":1,})", "01", "1.", "-", "tru", "nul", "+1", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(skips_value(bad));
  }
  CHECK(skips_value(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')));
  CHECK_FALSE(skips_value(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']')));
}

TEST_CASE("skip_structure checks brackets and strings but leaves scalars alone") {
  CHECK(skips_structure(R"({"a":01,"b":tru,"c":[{"d":"}]"}]})"));
  CHECK(skips_structure("[]"));
  for (const std::string bad : {R"({"a":[})", R"({"a":"open})", R"({"a":{})", "{\"a\":\"\x01\"}", R"({"a":"\q"})"}) {
    CAPTURE(bad);
    CHECK_FALSE(skips_structure(bad));
  }
  CHECK(skips_structure(std::string(kMaxJsonDepth, '{') + std::string(kMaxJsonDepth, '}')));
  CHECK_FALSE(skips_structure(std::string(kMaxJsonDepth + 1, '{') + std::string(kMaxJsonDepth + 1, '}')));
  JsonScanner s("{} tail");
  CHECK(s.skip_structure());
  CHECK(s.rest() == " tail");  // stops right after the closing bracket
}

TEST_CASE("the SIMD searches find the same byte as a bytewise search, at every offset") {
  const auto first_of = [](const std::string& text, std::string_view set, bool controls) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (set.find(static_cast<char>(c)) != std::string_view::npos || (controls && c < 0x20)) return i;
    }
    return text.size();
  };
  for (std::size_t at = 0; at < 40; ++at) {
    for (const char stop : {'"', '\\', '\n', '\x1f', '{', '}', '[', ']', '\0'}) {
      std::string text(40, 'x');
      text[20] = '\x7f';
      text[21] = '\x80';  // bytes above 0x7f are not control characters
      if (stop != '\0') text[at] = stop;
      CAPTURE(at);
      CAPTURE(static_cast<int>(stop));
      const char* begin = text.data();
      const char* end = begin + text.size();
      CHECK(static_cast<std::size_t>(find_string_stop(begin, end) - begin) == first_of(text, "\"\\", true));
      CHECK(static_cast<std::size_t>(find_structural(begin, end) - begin) == first_of(text, "\"{}[]", false));
    }
  }
}

TEST_CASE("skip_plain_object never accepts what skip_structure refuses") {
  std::vector<std::string> samples;
  for (std::size_t pad = 0; pad < 34; ++pad) {
    const std::string fill(pad, 'x');
    for (const std::string& s : {R"({"s":")" + fill + R"(}]{[","a":[[{"b":")" + fill + R"("}],[]]})",
                                  R"({"s":")" + fill + R"(})", "{\"s\":\"" + fill + "\t\"}",
                                  R"({"a":[)" + fill + R"(}})", R"({"s":")" + fill + R"("}})",
                                  R"({"a":{"b":")" + fill + R"("})", R"({"s":")" + fill + R"(\"q"})", "[" + fill + "]"}) {
      samples.push_back(s);
    }
  }
  samples.push_back(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'));
  std::size_t accepted = 0;
  for (const auto& s : samples) {
    CAPTURE(s);
    if (skip_plain_object(s)) {
      ++accepted;
      CHECK(skips_structure(s));
    }
  }
#if defined(__SSE2__)
  CHECK(accepted == 2 * 34);  // the plain objects and arrays; the backslash case goes to the scanner
#else
  CHECK(accepted == 0);
#endif
}

// The per-entry check: hash, JSON grammar and event shape, seq against key.
#include <doctest/doctest.h>

#include "common/sha256.h"
#include "eventstore/entry_check.h"

using namespace dais::eventstore;

namespace {

const std::string kZeros(64, '0');

std::string value_of(const std::string& event) {
  const auto h = dais::sha256(event);
  return std::string(reinterpret_cast<const char*>(h.data()), h.size()) + event;
}

Problem check(std::uint64_t key, const std::string& event, std::string* reason = nullptr) {
  Hash prev;
  return check_entry(key, value_of(event), prev, reason);
}

std::string event(const std::string& data, std::uint64_t seq = 7) {
  return R"({"seq":)" + std::to_string(seq) + R"(,"type":"T","step":3,"prev":")" + kZeros + R"(","data":)" + data +
         "}";
}

}  // namespace

TEST_CASE("a well-formed entry passes and yields its prev") {
  Hash prev{};
  prev[0] = 1;
  std::string reason;
  const std::string e = R"({"seq":7,"type":"T","step":3,"prev":"ab)" + std::string(62, '0') + R"(","data":{}})";
  CHECK(check_entry(7, value_of(e), prev, &reason) == Problem::none);
  CHECK(reason.empty());
  CHECK(prev[0] == 0xab);
  CHECK(prev[1] == 0);
}

TEST_CASE("field order, whitespace and extra fields are allowed; the hash covers exact bytes") {
  CHECK(check(7, " { \"data\" : {\"x\":[1, -2.5e3, true, false, null, \"\\u00e9\\n\"]},\n \"prev\":\"" + kZeros +
                     "\", \"step\":0, \"type\":\"A\", \"extra\":[], \"seq\":7 } ") == Problem::none);
  CHECK(check(7, event(R"({"nested":{"deep":[[{"a":"}"}]]}})")) == Problem::none);
}

TEST_CASE("data's scalars are left to the hash: only its structure is checked") {
  CHECK(check(7, event(R"({"a":01,"b":tru})")) == Problem::none);
}

TEST_CASE("values that are not valid JSON or not the event shape are bad_json") {
  const std::vector<std::string> bad{
      // The envelope is parsed token by token...
      R"({"seq":7,"type":"T","step":3,"x":01,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":3,"x":1.,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":3,"x":tru,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":3,"x":[1,],"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7 "type":"T","step":3,"prev":")" + kZeros + R"(","data":{}})",
      // ...and data by its structure.
      event(R"({"a":"\x"})"),        event(R"({"a":"line
break"})"),
      event(R"({"a":[1})"),          event(R"({"a":"open})"),        event(R"({"a":{})"),
      event("[]"),                   event("7"),                     event(R"({"a":1})") + "x",     R"({"seq":7,"type":"T","step":3,"prev":")" + kZeros + R"("})",
      R"({"seq":"7","type":"T","step":3,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":1,"step":3,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":-3,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":3.5,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":3,"prev":")" + std::string(64, 'A') + R"(","data":{}})",
      R"({"seq":7,"type":"T","step":3,"prev":"00","data":{}})",
      R"({"seq":7,"seq":7,"type":"T","step":3,"prev":")" + kZeros + R"(","data":{}})",
      R"({"seq":99999999999999999999,"type":"T","step":3,"prev":")" + kZeros + R"(","data":{}})",
      std::string(300, '{') + std::string(300, '}')};
  for (const auto& e : bad) {
    CAPTURE(e);
    std::string reason;
    CHECK(check(7, e, &reason) == Problem::bad_json);
    CHECK(reason.rfind("bad JSON: ", 0) == 0);
  }
}

TEST_CASE("problems come in a fixed order: length, hash, JSON, seq") {
  Hash prev;
  std::string reason;
  CHECK(check_entry(0, std::string(33, 'x'), prev, &reason) == Problem::truncated_value);
  std::string v = value_of(event("{}"));
  v[40] ^= 1;
  CHECK(check_entry(7, v, prev, &reason) == Problem::hash_mismatch);
  CHECK(reason.find("differs from SHA-256") != std::string::npos);
  CHECK(check(8, event("{}"), &reason) == Problem::seq_mismatch);
  CHECK(reason == "the event says seq 7 but is stored under key 8");
  CHECK(check(8, "not json at all", &reason) == Problem::bad_json);
}

// The store's own layout takes a one-pass fast path over `data` (16 bytes at a
// time); these cases put strings, brackets and faults on both sides of the
// 16-byte block boundaries, with and without backslashes (which take the
// general scanner), and expect exactly the general scanner's verdicts.
TEST_CASE("canonical events: data is judged the same wherever its bytes fall in a block") {
  for (std::size_t pad = 0; pad < 40; ++pad) {
    const std::string fill(pad, 'x');
    CAPTURE(pad);
    // Sound: brackets and braces inside strings, nested arrays, long strings.
    CHECK(check(7, event(R"({"s":")" + fill + R"(}]{[","a":[[{"b":")" + fill + R"("}],[]],"n":null})")) ==
          Problem::none);
    CHECK(check(7, event(R"({"k":[1,2,{"q":")" + fill + R"(\"}]\\"}]})")) == Problem::none);
    CHECK(check(7, event(R"([")" + fill + R"("])")) == Problem::bad_json);  // data must be an object
    // Unsound: each must be bad_json whatever the offset.
    CHECK(check(7, event(R"({"s":")" + fill + R"(})")) == Problem::bad_json);               // unterminated string
    CHECK(check(7, event(R"({"s":")" + fill + "\t" + R"("})")) == Problem::bad_json);       // control char in string
    CHECK(check(7, event(R"({"a":[)" + fill + R"(}})")) == Problem::bad_json);              // mismatched bracket
    CHECK(check(7, event(R"({"s":")" + fill + R"("}})")) == Problem::bad_json);             // closes early
    CHECK(check(7, event(R"({"s":")" + fill + R"("})") + "x") == Problem::bad_json);        // bytes after the end
    CHECK(check(7, event(R"({"s":")" + fill + R"("})") + " ") == Problem::none);            // JSON whitespace is not
    CHECK(check(7, event(R"({"a":{"b":")" + fill + R"("})")) == Problem::bad_json);        // never closes
    CHECK(check(7, event(R"({"s":")" + fill + R"(\q"})")) == Problem::bad_json);            // bad escape
  }
  // Outside strings, control characters are not data's grammar (left to the hash), as before.
  CHECK(check(7, event("{\"a\":\n1}")) == Problem::none);
  // Nesting deeper than the limit is refused on either path.
  CHECK(check(7, event(std::string(300, '[') + std::string(300, ']'))) == Problem::bad_json);
  CHECK(check(7, event("{\"a\":" + std::string(300, '[') + std::string(300, ']') + "}")) == Problem::bad_json);
}

TEST_CASE("canonical events still yield seq and prev exactly") {
  Hash prev{};
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "0123456789abcdef"[i % 16], hex += "fedcba9876543210"[i % 16];
  const std::string e =
      R"({"seq":18446744073709551615,"type":"Some_Type1","step":0,"prev":")" + hex + R"(","data":{"v":"{"}})";
  CHECK(check_entry(18446744073709551615ull, value_of(e), prev, nullptr) == Problem::none);
  CHECK(prev[0] == 0x0f);
  CHECK(prev[1] == 0x1e);
  CHECK(check(6, event("{}", 7)) == Problem::seq_mismatch);
  CHECK(check(7, R"({"seq":07,"type":"T","step":3,"prev":")" + kZeros + R"(","data":{}})") == Problem::bad_json);
  CHECK(check(7, R"({"seq":7,"type":"T","step":3,"prev":")" + std::string(64, 'A') + R"(","data":{}})") ==
        Problem::bad_json);
}

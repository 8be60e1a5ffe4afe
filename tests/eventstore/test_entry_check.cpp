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

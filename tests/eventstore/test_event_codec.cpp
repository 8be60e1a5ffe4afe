// The stored value of one event: its size is known before it is written (the
// store builds it in place in LMDB's reserved space), and its bytes and hash
// are exactly the documented layout.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "eventstore/entry_check.h"
#include "eventstore/event_codec.h"
#include "eventstore/log_format.h"

using namespace dais::eventstore;

TEST_CASE("encoded_value_size matches the bytes written, across digit counts of seq and step") {
  const std::vector<std::uint64_t> numbers{0, 9, 10, 99, 100, 999999, 1000000, 9999999999999999999ull,
                                           10000000000000000000ull, UINT64_MAX};
  Hash prev{};
  for (std::size_t i = 0; i < prev.size(); ++i) prev[i] = static_cast<std::uint8_t>(i * 37 + 5);
  for (const std::uint64_t seq : numbers) {
    for (const std::uint64_t step : numbers) {
      CAPTURE(seq);
      CAPTURE(step);
      const EventDraft draft{"Type_9", step, R"({"k":"v","n":[1,2]})"};
      const std::string expected = R"({"seq":)" + std::to_string(seq) + R"(,"type":"Type_9","step":)" +
                                   std::to_string(step) + R"(,"prev":")" + dais::to_hex(prev) +
                                   R"(","data":{"k":"v","n":[1,2]}})";
      std::string value = "stale content that must be replaced";
      const Hash hash = encode_event(seq, draft, prev, value);
      REQUIRE(value.size() == encoded_value_size(seq, draft));
      CHECK(value.substr(format::kHashSize) == expected);
      CHECK(hash == dais::sha256(expected));
      CHECK(value.compare(0, format::kHashSize, std::string(reinterpret_cast<const char*>(hash.data()), hash.size())) == 0);

      // In place, into a buffer of exactly that size: not one byte more is touched.
      std::string buffer(encoded_value_size(seq, draft) + 8, '#');
      CHECK(encode_event_into(seq, draft, prev, buffer.data()) == hash);
      CHECK(buffer.substr(0, value.size()) == value);
      CHECK(buffer.substr(value.size()) == std::string(8, '#'));

      // With the Merkle leaf hash taken in the same pass: the same bytes and chain hash.
      std::string with_leaf(encoded_value_size(seq, draft) + 8, '#');
      Hash leaf{};
      CHECK(encode_event_into(seq, draft, prev, with_leaf.data(), leaf) == hash);
      CHECK(with_leaf == buffer);
      CHECK(leaf == dais::sha256_prefixed(0x00, expected));

      Hash parsed_prev{};
      CHECK(check_entry(seq, value, parsed_prev, nullptr) == Problem::none);
      CHECK(parsed_prev == prev);
    }
  }
}

TEST_CASE("decode_type reads the type of the store's layout and parses any other") {
  CHECK(decode_type(R"({"seq":12,"type":"VoteCast","step":3,"prev":"00","data":{"x":1.50}})") == "VoteCast");
  CHECK(decode_type(R"({"type":"Other","seq":1})") == "Other");  // another key order: parsed
  CHECK(decode_type(R"({"seq":1,"type":"A\"B","step":0})") == "A\"B");  // an escape: parsed
  CHECK(decode_type("not json").empty());
  CHECK(decode_type(R"({"seq":1,"step":0})").empty());
}

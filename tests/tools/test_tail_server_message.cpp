#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <variant>

#include "tools/tail/raw_json.h"
#include "tools/tail/server_message.h"

using namespace dais::tail;

TEST_CASE("raw_json_member returns the member's exact text") {
  const std::string text = R"( { "a" : 1.50 , "event" : {"x":"}\"{","y":[1, {"z":2}]} ,"b":[ ] } )";
  CHECK(raw_json_member(text, "event") == std::string_view(R"({"x":"}\"{","y":[1, {"z":2}]})"));
  CHECK(raw_json_member(text, "a") == std::string_view("1.50"));
  CHECK(raw_json_member(text, "b") == std::string_view("[ ]"));
  CHECK_FALSE(raw_json_member(text, "missing").has_value());
  CHECK_FALSE(raw_json_member("{}", "a").has_value());
  // Nested keys do not count as top-level members.
  CHECK_FALSE(raw_json_member(R"({"outer":{"event":1}})", "event").has_value());
  // Escaped key names are compared after decoding.
  CHECK(raw_json_member(R"({"ev\u0065nt":true})", "event") == std::string_view("true"));
}

TEST_CASE("raw_json_member rejects non-objects, invalid JSON and duplicate keys") {
  CHECK_THROWS_AS(raw_json_member("[1,2]", "a"), std::invalid_argument);
  CHECK_THROWS_AS(raw_json_member(R"({"a":)", "a"), std::invalid_argument);
  CHECK_THROWS_AS(raw_json_member("", "a"), std::invalid_argument);
  CHECK_THROWS_WITH(raw_json_member(R"({"a":1,"a":2})", "a"), doctest::Contains("twice"));
}

TEST_CASE("parse_server_message: an event entry keeps the event bytes verbatim") {
  // Key order and number spelling that a re-serialisation would change.
  const std::string event = R"({"seq":12,"type":"VoteCast","step":3,"prev":"ab","data":{"z":1,"a":1.0e0}})";
  const std::string text = R"({"seq":12,"hash":"00ff","event":)" + event + "}";
  const auto message = parse_server_message(text);
  const auto* entry = std::get_if<EventEntry>(&message);
  REQUIRE(entry != nullptr);
  CHECK(entry->seq == 12);
  CHECK(entry->hash == "00ff");
  CHECK(entry->bytes == event);
}

TEST_CASE("parse_server_message: caught_up and checkpoint") {
  const auto caught_up = parse_server_message(R"({"caught_up":1842})");
  REQUIRE(std::holds_alternative<CaughtUp>(caught_up));
  CHECK(std::get<CaughtUp>(caught_up).next == 1842);
  const auto checkpoint = parse_server_message(R"({"checkpoint":0})");
  REQUIRE(std::holds_alternative<Checkpoint>(checkpoint));
  CHECK(std::get<Checkpoint>(checkpoint).next == 0);
}

TEST_CASE("parse_server_message: signed_checkpoint") {
  const auto message = parse_server_message(R"({"signed_checkpoint":{"size":161,"note":"dais.local/log\n161\nx=\n"}})");
  REQUIRE(std::holds_alternative<SignedCheckpointMessage>(message));
  CHECK(std::get<SignedCheckpointMessage>(message).size == 161);
  CHECK(std::get<SignedCheckpointMessage>(message).note == "dais.local/log\n161\nx=\n");
  CHECK_THROWS_AS(parse_server_message(R"({"signed_checkpoint":{"size":1}})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"signed_checkpoint":{"size":-1,"note":""}})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"signed_checkpoint":"x"})"), std::invalid_argument);
}

TEST_CASE("parse_server_message: malformed messages are refused with a reason") {
  CHECK_THROWS_AS(parse_server_message("not json"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message("[]"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message("{}"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"caught_up":-1})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"checkpoint":"7"})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"seq":1,"hash":"x"})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"seq":-1,"hash":"x","event":{}})"), std::invalid_argument);
  CHECK_THROWS_AS(parse_server_message(R"({"seq":1,"hash":5,"event":{}})"), std::invalid_argument);
  CHECK_THROWS_WITH(parse_server_message(R"({"seq":1,"hash":"x","event":"{}"})"), doctest::Contains("not a JSON object"));
  CHECK_THROWS_AS(parse_server_message(R"({"seq":1,"hash":"x","event":{},"event":{}})"), std::invalid_argument);
}

TEST_CASE("a stream message nested deeper than the limit is refused before it is parsed") {
  // Hash-valid and shaped like an entry: before the limit, the chain checker parsed it and dumped the
  // 150,000-deep "seq" recursively to describe it, which overflowed the stack.
  const std::string deep = std::string(150000, '[') + std::string(150000, ']');
  const std::string message = R"({"seq":1,"hash":")" + std::string(64, '0') + R"(","event":{"seq":)" + deep + "}}";
  CHECK_THROWS_WITH_AS(parse_server_message(message), doctest::Contains("deeper than 64 levels"),
                       std::invalid_argument);
  const std::string at_limit = std::string(62, '[') + std::string(62, ']');  // the event object and "x" make 64
  const std::string shallow = R"({"seq":1,"hash":")" + std::string(64, '0') + R"(","event":{"x":)" + at_limit + "}}";
  CHECK(std::holds_alternative<EventEntry>(parse_server_message(shallow)));
}

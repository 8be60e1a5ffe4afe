#include <doctest/doctest.h>

#include <stdexcept>

#include "tools/tail/ws_url.h"

using dais::tail::parse_ws_url;
using dais::tail::stream_target;

TEST_CASE("parse_ws_url: host, port and default stream path") {
  const auto url = parse_ws_url("ws://127.0.0.1:8080");
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == 8080);
  CHECK(url.path == "/v1/stream");
  CHECK(url.host_header() == "127.0.0.1:8080");

  CHECK(parse_ws_url("ws://localhost:1/").path == "/v1/stream");
  CHECK(parse_ws_url("ws://example.org").port == 80);
  CHECK(parse_ws_url("ws://example.org").host_header() == "example.org");
  CHECK(parse_ws_url("ws://dais-1.lab:65535/proxy/v1/stream").path == "/proxy/v1/stream");
}

TEST_CASE("parse_ws_url: IPv6 literals keep brackets only in the Host header") {
  const auto url = parse_ws_url("ws://[::1]:9000");
  CHECK(url.host == "::1");
  CHECK(url.port == 9000);
  CHECK(url.host_header() == "[::1]:9000");
  CHECK(parse_ws_url("ws://[fe80::1]").port == 80);
}

TEST_CASE("parse_ws_url: rejects what it cannot follow, saying why") {
  for (const char* bad : {"", "127.0.0.1:8080", "http://127.0.0.1:8080", "ws:/127.0.0.1:8080", "ws://",
                          "ws://:8080", "ws://host:", "ws://host:0", "ws://host:65536", "ws://host:80x",
                          "ws://host:123456", "ws://ho st:80", "ws://user@host:80", "ws://host:80/v1/stream?from=3",
                          "ws://host:80#frag", "ws://[::1", "ws://[::1]x", "ws://[zz]:80", "ws://host:80/a b"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_ws_url(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(parse_ws_url("wss://host:443"), doctest::Contains("not supported"));
  CHECK_THROWS_WITH(parse_ws_url("ws://host:70000"), doctest::Contains("1..65535"));
}

TEST_CASE("stream_target: from and sorted types") {
  const auto url = parse_ws_url("ws://h:1");
  CHECK(stream_target(url, 0, {}) == "/v1/stream?from=0");
  CHECK(stream_target(url, 18446744073709551614ull, {}) == "/v1/stream?from=18446744073709551614");
  CHECK(stream_target(url, 7, {"VoteCast", "ConsensusReached"}) == "/v1/stream?from=7&types=ConsensusReached,VoteCast");
}

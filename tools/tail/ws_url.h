// Parses the WebSocket address given to dais-tail and builds the stream
// request target (docs/API.md, "Stream protocol").
// Pure functions; thread-safe.
// Errors: parse_ws_url throws std::invalid_argument saying what is wrong and
// what is expected.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace dais::tail {

struct WsUrl {
  std::string host;          // without brackets for IPv6 literals
  std::uint16_t port = 80;   // 80 when the URL names none, as for any ws:// URL
  std::string path = "/v1/stream";

  // The Host header value: host[:port], IPv6 literals in brackets.
  std::string host_header() const;
};

// Accepts ws://HOST[:PORT][/PATH]; an empty path or "/" means /v1/stream.
// Rejects other schemes (wss:// included: TLS is not supported), empty hosts,
// ports outside 1..65535, user info, queries and fragments.
WsUrl parse_ws_url(std::string_view url);

// PATH?from=SEQ[&types=A,B][&checkpoints=1] (type names are [A-Za-z0-9_], so nothing needs escaping).
std::string stream_target(const WsUrl& url, std::uint64_t from, const std::set<std::string, std::less<>>& types,
                          bool checkpoints = false);

}  // namespace dais::tail

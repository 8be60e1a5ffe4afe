// A minimal blocking HTTP/1.1 client for end-to-end tests of a server started as a
// separate program: one request to 127.0.0.1:port with "Connection: close", the whole
// response read until the server closes. No chunked decoding (the body is returned as
// received); enough for status checks and the small bodies the tests read.
// Errors: a connection or read failure, or no reply within `timeout`, throws
// std::runtime_error. Thread-safe (no shared state); POSIX only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dais::test {

struct HttpReply {
  int status = 0;
  std::string headers;  // the header block as received
  std::string body;
};

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const std::string& body = "",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace dais::test

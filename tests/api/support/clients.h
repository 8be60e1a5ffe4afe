// Small synchronous clients for the API tests (Beast underneath, kept out of
// this header): an HTTP/1.1 client with a keep-alive connection, a WebSocket
// client, and raw sockets for hostile input. Every read has a timeout, so a
// test fails instead of hanging. Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace dais::api::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                     const Headers& headers = {});
  HttpResult get(const std::string& target) { return request("GET", target); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpResult http_once(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = {}, const Headers& headers = {});

struct WsClose {
  int code = 0;
  std::string reason;
};

class WsClient {
 public:
  // Connects and upgrades; throws std::runtime_error (with the HTTP status in
  // the message) when the upgrade is refused.
  // receive_buffer > 0 shrinks the socket's receive buffer (SO_RCVBUF, set before
  // connecting), so that a client that stops reading fills the server's socket soon.
  WsClient(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout = std::chrono::seconds(10),
           int receive_buffer = 0);
  ~WsClient();
  // The next text message; nullopt when the server closed the stream (see closed()).
  // Throws std::runtime_error on a timeout.
  std::optional<std::string> read();
  const std::optional<WsClose>& closed() const { return closed_; }
  void send(const std::string& text);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::optional<WsClose> closed_;
};

// Raw TCP: connect, send `bytes` (possibly nothing), read until the server
// closes or `timeout` passes. Returns what was received and whether the server closed.
struct RawResult {
  std::string received;
  bool server_closed = false;
};
RawResult raw_exchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout);

// A connected raw socket that the test drives by hand.
class RawSocket {
 public:
  // Connects to 127.0.0.1:port, from `source` (a loopback address such as 127.0.0.2) when given.
  explicit RawSocket(std::uint16_t port, const std::string& source = {});
  ~RawSocket();
  void send(const std::string& bytes);
  // Reads until close or timeout.
  RawResult read_all(std::chrono::milliseconds timeout);
  // Reads until `marker` has been received, the server closes, or timeout.
  RawResult read_until(const std::string& marker, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace dais::api::testing

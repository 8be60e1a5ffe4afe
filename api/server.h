// The DAIS HTTP/WebSocket API server (docs/API.md): REST queries of the log and
// projections, control endpoints behind a bearer token, Prometheus metrics, and
// the WebSocket event stream fed by an EventHub.
//
// Lifetime: the Backend, EventHub and Metrics outlive the Server. start() binds
// and returns once the listener accepts; stop() (also run by the destructor)
// closes WebSocket clients with 1001 "server shutting down", stops accepting,
// and joins the io threads within a second or two.
// Thread safety: start/stop/port from one controlling thread; reload() from any thread,
// also while sessions run.
// Errors: start() throws std::runtime_error naming the address when it cannot
// bind (busy, bad address). Handler failures become JSON 500 responses.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/backend.h"
#include "api/event_hub.h"
#include "api/metrics.h"

namespace dais::api {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // api.listen; port 0 picks a free port
  std::string token;                      // api.token; empty disables POST endpoints (403)
  std::size_t max_connections = 256;      // api.max_connections; extras get 503 and are closed
  std::size_t max_connections_per_address = 64;  // api.max_connections_per_address; extras get 503
  std::size_t body_limit = 1 << 20;       // api.body_limit (bytes); larger bodies -> 413
  std::size_t header_limit = 8 * 1024;    // api.header_limit (bytes); larger headers -> 431
  double rate_limit = 200;                // api.rate_limit: requests/s per client address; 0 = off
  double rate_burst = 400;                // api.rate_burst: token bucket size
  std::string cors_origin;                // api.cors_origin; empty = no CORS headers
  std::vector<std::string> ws_allowed_origins;  // api.ws_allowed_origins; besides same-origin; "*" = any
  std::size_t ws_queue = 1024;            // api.ws_queue: live messages queued per stream client
  std::size_t ws_buffer_bytes = 128 * 1024;  // api.ws_buffer_bytes: bytes buffered per stream client
  unsigned ws_behind_limit_s = 30;        // api.ws_behind_limit_s: close a client behind longer than this
  std::size_t ws_max_message = 4096;      // api.ws_max_message: largest frame accepted from a client
  unsigned ws_idle_timeout_s = 60;        // api.ws_idle_timeout_s: no pong for this long -> close
  unsigned threads = 2;                   // api.threads: io threads
  unsigned header_timeout_s = 5;          // api.header_timeout_s: time to receive a new connection's header
  unsigned read_timeout_s = 15;           // api.read_timeout_s: time to receive one request
  unsigned keepalive_timeout_s = 60;      // api.keepalive_timeout_s: idle keep-alive connection
};

// Splits "host:port" / "[v6]:port"; throws std::invalid_argument on a bad value.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};
ListenAddress parse_listen(const std::string& listen);

// A warning for a server reachable from other hosts (api.listen not a loopback
// address) without an api.token: anyone who reaches it reads the whole log.
// nullopt for loopback addresses or when a token is set.
std::optional<std::string> exposure_warning(const ServerOptions& options);

class Server {
 public:
  Server(Backend& backend, EventHub& hub, Metrics& metrics, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();
  std::uint16_t port() const;
  void stop();
  // Applies what can change while the server runs (a configuration reload): `options`' token,
  // rate_limit and rate_burst, for every request from now on. Every other option stays as started.
  void reload(const ServerOptions& options);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace dais::api

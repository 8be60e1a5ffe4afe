// Private to api/: the shared state of a running Server, and how a connection
// is handed to its session. Included by the Beast TUs only.
//
// Lifetime: sessions keep a plain reference to ServerState; Server::stop()
// joins the io threads and then destroys the io_context (and with it every
// remaining session) before the state goes away.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/net.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "api/server.h"

namespace dais::api {

class WsSession;

struct ServerState {
  ServerState(Backend& b, EventHub& h, Metrics& m, ServerOptions o)
      : backend(b), hub(h), metrics(m), options(std::move(o)), router(b, m, options),
        limiter(options.rate_limit, options.rate_burst), request_seconds(m.histogram("dais_http_request_seconds")) {}

  Backend& backend;
  EventHub& hub;
  Metrics& metrics;
  const ServerOptions options;
  Router router;
  RateLimiter limiter;
  const Metrics::Histogram request_seconds;

  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> ws_clients{0};
  std::atomic<bool> stopping{false};

  std::mutex ws_mutex;
  std::vector<std::weak_ptr<WsSession>> ws_sessions;

  void register_ws(const std::shared_ptr<WsSession>& s);
  std::vector<std::shared_ptr<WsSession>> live_ws_sessions();
};

// Holds one of max_connections while a connection lives; moves from the HTTP
// session to the WebSocket session on upgrade.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(ServerState& s) : state_(&s) {
    state_->metrics.set("dais_http_connections", static_cast<double>(++state_->connections));
  }
  ConnectionSlot(ConnectionSlot&& o) noexcept : state_(std::exchange(o.state_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (state_) state_->metrics.set("dais_http_connections", static_cast<double>(--state_->connections));
  }

 private:
  ServerState* state_;
};

// A session runs on the io_context of its socket, which one io thread runs:
// its handlers never run concurrently, so sessions need no strand.
void run_http_session(ServerState& state, net::tcp::socket socket, ConnectionSlot slot);
void run_ws_session(ServerState& state, net::tcp::socket socket, net::http::request<net::http::string_body> request,
                    ConnectionSlot slot, std::string remote);
// Asks a stream session to close with 1001 "server shutting down"; thread-safe.
void close_ws_session(const std::shared_ptr<WsSession>& session);
// Stops deliveries to a stream session; only once the io threads have stopped.
void detach_ws_session(const std::shared_ptr<WsSession>& session);

}  // namespace dais::api

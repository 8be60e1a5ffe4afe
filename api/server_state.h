// Private to api/: the state shared by a running Server's listener and its
// sessions, and how a connection is handed to its session. Included by the
// Beast TUs only (it pulls in api/net.h).
//
// Lifetime: sessions keep a plain reference to ServerState; Server::stop()
// joins the io threads and then destroys the io_context (and with it every
// remaining session) before the state goes away.
// Thread safety: the references and options are read-only; `sessions` and
// `stopping` may be used from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "api/net.h"
#include "api/rate_limiter.h"
#include "api/router.h"
#include "api/server.h"
#include "api/session_registry.h"

namespace dais::api {

struct ServerState {
  ServerState(Backend& b, EventHub& h, Metrics& m, ServerOptions o)
      : backend(b), hub(h), metrics(m), options(std::move(o)), router(b, m, options),
        limiter(options.rate_limit, options.rate_burst), request_seconds(m.histogram("dais_http_request_seconds")),
        sessions(m) {}

  Backend& backend;
  EventHub& hub;
  Metrics& metrics;
  const ServerOptions options;
  Router router;
  RateLimiter limiter;
  const Metrics::Histogram request_seconds;
  SessionRegistry sessions;
  std::atomic<bool> stopping{false};
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

// Server: binds the listen address, accepts connections (refusing those past
// max_connections, or past max_connections_per_address from one address, with a 503), runs the io threads, and shuts down cleanly.
#include <chrono>
#include <stdexcept>
#include <thread>

#include "api/server_state.h"
#include "config/logging.h"

namespace dais::api {

using namespace net;

ListenAddress parse_listen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    throw std::invalid_argument("api.listen must be HOST:PORT, got '" + listen + "'");
  }
  ListenAddress a;
  a.host = listen.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) throw std::invalid_argument("api.listen has an empty host: '" + listen + "'");
  const std::string port = listen.substr(colon + 1);
  unsigned long value = 0;
  try {
    std::size_t used = 0;
    value = std::stoul(port, &used);
    if (used != port.size()) throw std::invalid_argument("trailing characters");
  } catch (const std::exception&) {
    throw std::invalid_argument("api.listen has a bad port in '" + listen + "': expected 0..65535");
  }
  if (value > 65535) throw std::invalid_argument("api.listen has a bad port in '" + listen + "': expected 0..65535");
  a.port = static_cast<std::uint16_t>(value);
  return a;
}

std::optional<std::string> exposure_warning(const ServerOptions& options) {
  if (!options.token.empty()) return std::nullopt;
  ListenAddress where;
  try {
    where = parse_listen(options.listen);
  } catch (const std::invalid_argument&) {
    return std::nullopt;  // start() reports a bad value
  }
  error_code ec;
  const auto address = asio::ip::make_address(where.host, ec);
  if (!ec && address.is_loopback()) return std::nullopt;
  return "api.listen " + options.listen +
         " accepts connections from other hosts and no api.token is set: anyone who can reach it reads the whole "
         "log (the control endpoints stay disabled); listen on 127.0.0.1 or set api.token";
}

struct Server::Impl {
  Impl(Backend& b, EventHub& h, Metrics& m, ServerOptions o) : state(b, h, m, std::move(o)) {}

  ServerState state;
  // One io_context per io thread, so that a connection's handlers run on one
  // thread without a strand and io threads never contend for one scheduler.
  // Declared after `state`, destroyed before it: pending sessions die with their io_context.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::optional<tcp::acceptor> acceptor;  // on contexts[0]
  std::size_t next_context = 0;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool running = false;

  void accept() {
    asio::io_context& target = *contexts[next_context];
    next_context = (next_context + 1) % contexts.size();
    acceptor->async_accept(target, [this](error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        config::logger("api")->warn("accept failed: {}", ec.message());
      } else {
        error_code peer_error;
        const auto peer = socket.remote_endpoint(peer_error);
        const std::string address = peer_error ? std::string() : peer.address().to_string();
        // Counts only grow here (this handler runs one at a time), so checking then taking a slot is safe.
        if (state.sessions.connections() >= state.options.max_connections || state.stopping.load()) {
          refuse(std::move(socket));
        } else if (state.sessions.connections_from(address) >= state.options.max_connections_per_address) {
          // One address (a slowloris, a runaway script) cannot take every slot from the others.
          refuse(std::move(socket));
        } else {
          // Responses and stream bursts are written whole: waiting for more (Nagle) only adds latency.
          error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          run_http_session(state, std::move(socket), ConnectionSlot(state.sessions, address));
        }
      }
      accept();
    });
  }

  // Past max_connections (or the per-address limit): a short 503 and close, without reading the request.
  void refuse(tcp::socket socket) {
    state.metrics.add("dais_http_connections_refused_total");
    static const std::string response =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
        "Retry-After: 1\r\nContent-Length: 48\r\n\r\n{\"error\":\"too many connections, try again later\"}";
    auto s = std::make_shared<tcp::socket>(std::move(socket));
    asio::async_write(*s, asio::buffer(response), [s](error_code, std::size_t) {
      error_code ignored;
      s->shutdown(tcp::socket::shutdown_both, ignored);
      s->close(ignored);
    });
  }
};

Server::Server(Backend& backend, EventHub& hub, Metrics& metrics, ServerOptions options)
    : impl_(std::make_shared<Impl>(backend, hub, metrics, std::move(options))) {}

Server::~Server() { stop(); }

void Server::start() {
  Impl& s = *impl_;
  if (s.running) throw std::logic_error("api server already started");
  const ListenAddress where = parse_listen(s.state.options.listen);
  const unsigned threads = std::max(1u, s.state.options.threads);
  for (unsigned i = 0; i < threads; ++i) {
    s.contexts.push_back(std::make_unique<asio::io_context>(1));
    s.keep_running.push_back(asio::make_work_guard(*s.contexts.back()));
  }
  const auto fail = [&](const std::string& what) {
    s.acceptor.reset();
    s.keep_running.clear();
    s.contexts.clear();
    throw std::runtime_error(what);
  };
  error_code ec;
  const auto address = asio::ip::make_address(where.host, ec);
  if (ec) fail("api.listen: '" + where.host + "' is not an IP address (" + ec.message() + ")");
  const tcp::endpoint endpoint(address, where.port);
  s.acceptor.emplace(*s.contexts.front());
  const auto check = [&](const char* what) {
    if (ec) fail("api: cannot " + std::string(what) + " " + s.state.options.listen + ": " + ec.message());
  };
  s.acceptor->open(endpoint.protocol(), ec);
  check("open a socket for");
  s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  s.acceptor->bind(endpoint, ec);
  check("bind");
  s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  check("listen on");
  s.port = s.acceptor->local_endpoint().port();
  s.state.stopping = false;
  s.next_context = 0;
  s.accept();
  for (auto& context : s.contexts) {
    s.threads.emplace_back([ioc = context.get()] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          config::logger("api")->error("io thread caught: {}", e.what());
        }
      }
    });
  }
  s.running = true;
  config::logger("api")->info("listening on {}:{} ({} io threads)", where.host, s.port, threads);
}

std::uint16_t Server::port() const { return impl_->port; }

void Server::reload(const ServerOptions& options) {
  impl_->state.router.set_token(options.token);
  impl_->state.limiter.set_limits(options.rate_limit, options.rate_burst);
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.state.stopping = true;
  asio::post(*s.contexts.front(), [&s] {
    error_code ignored;
    s.acceptor->close(ignored);
  });
  for (const auto& ws : s.state.sessions.live_streams()) close_ws_session(ws);
  // Give stream clients a moment to answer the close frame.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (s.state.sessions.stream_clients() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.keep_running.clear();
  for (auto& context : s.contexts) context->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  // A concurrent publish must not post to an io_context being destroyed below.
  for (const auto& ws : s.state.sessions.live_streams()) detach_ws_session(ws);
  s.acceptor.reset();
  s.contexts.clear();  // destroys the remaining sessions and closes their sockets
}

}  // namespace dais::api

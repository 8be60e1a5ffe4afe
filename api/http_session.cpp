// One HTTP/1.1 connection: read a request (with header/body limits and a read
// timeout), rate-limit it, route it, write the response, repeat while
// keep-alive; hand WebSocket upgrades of /v1/stream to the stream session.
//
// Cheap per request, because GET /v1/chain is meant to serve tens of
// thousands of requests a second on two cores: a plain socket on its io
// thread's own io_context (no strand), one deadline timer per connection that
// wakes once a second (not a timer operation per read and write), the response
// head written directly (response_head.h), and metrics through resolved series.
#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "api/query.h"
#include "api/response_head.h"
#include "api/server_state.h"

namespace dais::api {

namespace {

using namespace net;
using Clock = std::chrono::steady_clock;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ServerState& state, tcp::socket socket, ConnectionSlot slot)
      : state_(state), socket_(std::move(socket)), timer_(socket_.get_executor()), slot_(std::move(slot)) {
    error_code ec;
    const auto ep = socket_.remote_endpoint(ec);
    remote_ = ec ? "unknown" : ep.address().to_string();
  }

  void run() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

 private:
  // The connection is closed once `deadline_` passes. Moving the deadline costs
  // no timer operation: the timer wakes at most once a second to compare, so a
  // deadline is enforced within a second of its time.
  void expire_in(unsigned seconds) {
    deadline_ = Clock::now() + std::chrono::seconds(seconds);
    if (!timer_waiting_) wait_for_deadline();
  }

  void wait_for_deadline() {
    timer_waiting_ = true;
    timer_.expires_at(std::min(deadline_, Clock::now() + std::chrono::seconds(1)));
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      self->timer_waiting_ = false;
      if (ec || self->closed_) return;
      if (Clock::now() >= self->deadline_) return self->close();  // cancels the read or write in flight
      self->wait_for_deadline();
    });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_.options.header_limit));
    parser_->body_limit(state_.options.body_limit);
    // A new connection must send its whole header quickly (a slowloris trickling it holds a slot);
    // the body then gets the read timeout, and a keep-alive connection its idle timeout.
    expire_in(served_ == 0 ? std::min(state_.options.header_timeout_s, state_.options.read_timeout_s)
                           : state_.options.keepalive_timeout_s);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (ec || closed_ || parser_->is_done()) return on_read(ec);
    if (served_ == 0) expire_in(state_.options.read_timeout_s);
    // A client that sent "Expect: 100-continue" waits for this before it sends the body (RFC 9110 10.1.1).
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(socket_, asio::buffer(kContinue), [self = shared_from_this()](error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read_body();
      });
    }
    read_body();
  }

  void read_body() {
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (closed_ || ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return respond_and_close(error_response(413, "request body too large",
                                              {{"limit_bytes", state_.options.body_limit}}), "other");
    }
    if (ec == http::error::header_limit) {
      return respond_and_close(error_response(431, "request header fields too large",
                                              {{"limit_bytes", state_.options.header_limit}}), "other");
    }
    if (ec) {
      return respond_and_close(error_response(400, "malformed HTTP request: " + ec.message()), "other");
    }

    auto request = parser_->release();
    ++served_;
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view route = Router::route_label(target);
    const ResponseFraming framing{request.version(), request.keep_alive(), state_.options.cors_origin};
    const bool head = request.method() == http::verb::head;

    unsigned retry_after = 1;
    if (!state_.limiter.allow(remote_, retry_after)) {
      state_.metrics.add("dais_http_rate_limited_total");
      auto r = error_response(429, "rate limit exceeded", {{"retry_after_s", retry_after}});
      r.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return respond(std::move(r), framing, head, route);
    }

    if (websocket::is_upgrade(request) && Router::is_stream_path(target.substr(0, target.find('?')))) {
      closed_ = true;  // the socket moves to the stream session, which counts the request (101 or 400)
      timer_.cancel();
      return run_ws_session(state_, std::move(socket_), std::move(request), std::move(slot_), remote_);
    }

    HttpResponse out;
    if (!state_.options.cors_origin.empty() && request.method() == http::verb::options) {
      out.status = 204;
      out.content_type.clear();
      out.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
      out.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      out.headers.emplace_back("Access-Control-Max-Age", "600");
    } else {
      HttpRequest in;
      in.method = std::string(request.method_string());
      in.target = std::string(target);
      in.authorization = std::string(request[http::field::authorization]);
      in.accept = std::string(request[http::field::accept]);
      in.host = std::string(request[http::field::host]);
      in.body = std::move(request.body());
      const auto started = Clock::now();
      out = state_.router.handle(in);
      state_.request_seconds.observe(std::chrono::duration<double>(Clock::now() - started).count());
    }
    respond(std::move(out), framing, head, route);
  }

  // dais_http_requests_total{route,status}: a connection mostly repeats one
  // route and status, so the last series is kept at hand.
  void count(std::string_view route, int status) {
    if (route.data() != counted_route_.data() || status != counted_status_) {
      counted_route_ = route;
      counted_status_ = status;
      requests_ = state_.metrics.counter("dais_http_requests_total",
                                         {{"route", std::string(route)}, {"status", std::to_string(status)}});
    }
    requests_.add();
  }

  void respond(HttpResponse out, ResponseFraming framing, bool head, std::string_view route) {
    count(route, out.status);
    framing.keep_alive = framing.keep_alive && !state_.stopping.load(std::memory_order_relaxed);
    keep_alive_ = framing.keep_alive;
    head_.clear();
    write_response_head(out, framing, head_);
    body_ = std::move(out.body);
    if (head) body_.clear();  // Content-Length still describes the GET body
    expire_in(state_.options.read_timeout_s);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void respond_and_close(HttpResponse out, std::string_view route) {
    out.headers.emplace_back("Connection", "close");
    respond(std::move(out), ResponseFraming{11, false, state_.options.cors_origin}, false, route);
  }

  void on_write(error_code ec) {
    if (ec || closed_) return close();
    if (!keep_alive_) return drain_and_close();
    read_request();
  }

  // After a refusal the client may still be sending (e.g. a body over the limit).
  // Closing with unread input would reset the connection and could destroy the
  // response in flight, so stop sending, discard input briefly, then close.
  void drain_and_close() {
    if (drain_buffer_.empty()) {  // first call: one deadline for the whole drain
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      expire_in(2);
      drain_buffer_.resize(16 * 1024);
    }
    socket_.async_read_some(asio::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec || self->closed_) return self->close();
      self->drain_and_close();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  ServerState& state_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  Clock::time_point deadline_;
  bool timer_waiting_ = false;
  bool closed_ = false;
  ConnectionSlot slot_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;
  std::string body_;
  bool keep_alive_ = true;
  std::uint64_t served_ = 0;
  std::vector<char> drain_buffer_;
  std::string_view counted_route_;
  int counted_status_ = 0;
  Metrics::Counter requests_;
};

}  // namespace

void run_http_session(ServerState& state, tcp::socket socket, ConnectionSlot slot) {
  std::make_shared<HttpSession>(state, std::move(socket), std::move(slot))->run();
}

}  // namespace dais::api

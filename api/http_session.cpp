// One HTTP/1.1 connection: read a request (with header/body limits and a read
// timeout), rate-limit it, route it, write the response, repeat while
// keep-alive; hand WebSocket upgrades of /v1/stream to the stream session.
#include <chrono>

#include <spdlog/spdlog.h>

#include "api/query.h"
#include "api/server_impl.h"

namespace dais::api {

namespace {

using namespace net;

constexpr std::string_view server_name = "dais";

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ServerState& state, tcp::socket socket, ConnectionSlot slot)
      : state_(state), stream_(std::move(socket)), slot_(std::move(slot)) {
    error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : ep.address().to_string();
  }

  void run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_.options.header_limit));
    parser_->body_limit(state_.options.body_limit);
    const unsigned timeout = served_ == 0 ? state_.options.read_timeout_s : state_.options.keepalive_timeout_s;
    stream_.expires_after(std::chrono::seconds(timeout));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
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
    const std::string target(request.target());
    const std::string route = Router::route_label(target);

    unsigned retry_after = 1;
    if (!state_.limiter.allow(remote_, retry_after)) {
      state_.metrics.add("dais_http_rate_limited_total");
      auto r = error_response(429, "rate limit exceeded", {{"retry_after_s", retry_after}});
      r.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return respond(std::move(r), request.version(), request.keep_alive(), request.method() == http::verb::head,
                     route);
    }

    if (websocket::is_upgrade(request) && Router::is_stream_path(target.substr(0, target.find('?')))) {
      count(route, 101);
      stream_.expires_never();
      return run_ws_session(state_, std::move(stream_), std::move(request), std::move(slot_), remote_);
    }

    HttpRequest in;
    in.method = std::string(request.method_string());
    in.target = target;
    in.authorization = std::string(request[http::field::authorization]);
    in.body = std::move(request.body());

    HttpResponse out;
    if (!state_.options.cors_origin.empty() && request.method() == http::verb::options) {
      out.status = 204;
      out.content_type.clear();
      out.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
      out.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
      out.headers.emplace_back("Access-Control-Max-Age", "600");
    } else {
      const auto started = std::chrono::steady_clock::now();
      out = state_.router.handle(in);
      state_.metrics.observe("dais_http_request_seconds",
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    respond(std::move(out), request.version(), request.keep_alive(), request.method() == http::verb::head, route);
  }

  void count(const std::string& route, int status) {
    state_.metrics.add("dais_http_requests_total", 1, {{"route", route}, {"status", std::to_string(status)}});
  }

  void respond(HttpResponse out, unsigned version, bool keep_alive, bool head, const std::string& route) {
    count(route, out.status);
    response_.emplace();
    auto& res = *response_;
    res.version(version);
    res.result(static_cast<unsigned>(out.status));
    res.set(http::field::server, std::string(server_name));
    if (!out.content_type.empty()) res.set(http::field::content_type, out.content_type);
    res.set(http::field::cache_control, "no-store");
    if (!state_.options.cors_origin.empty()) {
      res.set(http::field::access_control_allow_origin, state_.options.cors_origin);
      res.set(http::field::vary, "Origin");
    }
    for (auto& [name, value] : out.headers) res.set(name, value);
    res.keep_alive(keep_alive && !state_.stopping.load());
    res.body() = std::move(out.body);
    res.prepare_payload();
    if (head) res.body().clear();  // Content-Length still describes the GET body
    stream_.expires_after(std::chrono::seconds(state_.options.read_timeout_s));
    http::async_write(stream_, res, [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void respond_and_close(HttpResponse out, const std::string& route) {
    out.headers.emplace_back("Connection", "close");
    respond(std::move(out), 11, false, false, route);
  }

  void on_write(error_code ec) {
    if (ec) return close();
    if (!response_->keep_alive()) return drain_and_close();
    response_.reset();
    read_request();
  }

  // After a refusal the client may still be sending (e.g. a body over the limit).
  // Closing with unread input would reset the connection and could destroy the
  // response in flight, so stop sending, discard input briefly, then close.
  void drain_and_close() {
    if (drain_buffer_.empty()) {  // first call: one deadline for the whole drain
      error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.expires_after(std::chrono::seconds(2));
      drain_buffer_.resize(16 * 1024);
    }
    stream_.async_read_some(asio::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain_and_close();
    });
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  ServerState& state_;
  beast::tcp_stream stream_;
  ConnectionSlot slot_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::uint64_t served_ = 0;
  std::vector<char> drain_buffer_;
};

}  // namespace

void run_http_session(ServerState& state, tcp::socket socket, ConnectionSlot slot) {
  std::make_shared<HttpSession>(state, std::move(socket), std::move(slot))->run();
}

}  // namespace dais::api

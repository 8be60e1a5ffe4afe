#include "tests/api/support/clients.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace dais::api::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

void set_socket_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Runs one asynchronous read started by `start(handler)` for at most
// `timeout`. (SO_RCVTIMEO cannot bound a blocking Asio read: on EAGAIN Asio
// polls again without a limit.) Throws std::runtime_error on a timeout.
template <typename Start>
beast::error_code read_within(asio::io_context& ioc, tcp::socket& socket, std::chrono::milliseconds timeout,
                              Start start) {
  std::optional<beast::error_code> result;
  start([&result](beast::error_code ec, std::size_t) { result = ec; });
  ioc.restart();
  ioc.run_for(timeout);
  if (result) return *result;
  beast::error_code ignored;
  socket.cancel(ignored);
  ioc.restart();
  ioc.run();  // lets the cancelled read finish
  throw std::runtime_error("read timed out after " + std::to_string(timeout.count()) + " ms");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

struct HttpClient::Impl {
  asio::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  std::uint16_t port;
  std::chrono::milliseconds timeout;

  void connect() {
    socket = tcp::socket(ioc);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    set_socket_timeout(socket.native_handle(), timeout);
    buffer.clear();
  }
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout) : impl_(std::make_unique<Impl>()) {
  impl_->port = port;
  impl_->timeout = timeout;
  impl_->connect();
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                               const Headers& headers) {
  if (!impl_->socket.is_open()) impl_->connect();
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() || method == "POST") req.prepare_payload();
  if (req.find(http::field::connection) == req.end()) req.keep_alive(true);
  http::write(impl_->socket, req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (method == "HEAD") parser.skip(true);
  const auto ec = read_within(impl_->ioc, impl_->socket, impl_->timeout, [&](auto handler) {
    http::async_read(impl_->socket, impl_->buffer, parser, std::move(handler));
  });
  if (ec) throw beast::system_error(ec);
  auto res = parser.release();
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (const auto& f : res) out.headers[lower(std::string(f.name_string()))] = std::string(f.value());
  if (!res.keep_alive()) {
    beast::error_code ignored;
    impl_->socket.shutdown(tcp::socket::shutdown_both, ignored);
    impl_->socket.close(ignored);
  }
  return out;
}

HttpResult http_once(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                     const Headers& headers) {
  HttpClient client(port);
  return client.request(method, target, body, headers);
}

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout{};
};

WsClient::WsClient(std::uint16_t port, const std::string& target, std::chrono::milliseconds timeout,
                   int receive_buffer)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  auto& sock = impl_->ws.next_layer();
  sock.open(tcp::v4());
  if (receive_buffer > 0) sock.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  set_socket_timeout(sock.native_handle(), timeout);
  websocket::response_type res;
  beast::error_code ec;
  impl_->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    throw std::runtime_error("websocket upgrade refused: HTTP " + std::to_string(res.result_int()) + " " +
                             ec.message() + " " + res.body());
  }
  impl_->ws.read_message_max(64 << 20);
}

WsClient::~WsClient() = default;

std::optional<std::string> WsClient::read() {
  if (closed_) return std::nullopt;
  impl_->buffer.clear();
  const auto ec = read_within(impl_->ioc, impl_->ws.next_layer(), impl_->timeout, [&](auto handler) {
    impl_->ws.async_read(impl_->buffer, std::move(handler));
  });
  if (ec == websocket::error::closed) {
    closed_ = WsClose{impl_->ws.reason().code, std::string(impl_->ws.reason().reason.c_str())};
    return std::nullopt;
  }
  if (ec) {
    closed_ = WsClose{-1, ec.message()};
    return std::nullopt;
  }
  return beast::buffers_to_string(impl_->buffer.data());
}

void WsClient::send(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text));
}

void WsClient::close() {
  beast::error_code ignored;
  impl_->ws.close(websocket::close_code::normal, ignored);
}

RawSocket::RawSocket(std::uint16_t port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  if (!source.empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot bind a client socket to " + source);
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    throw std::runtime_error("connect() failed");
  }
}

RawSocket::~RawSocket() {
  if (fd_ >= 0) ::close(fd_);
}

void RawSocket::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early on hostile input
    sent += static_cast<std::size_t>(n);
  }
}

RawResult RawSocket::read_all(std::chrono::milliseconds timeout) { return read_until({}, timeout); }

RawResult RawSocket::read_until(const std::string& marker, std::chrono::milliseconds timeout) {
  RawResult out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      out.server_closed = true;
      return out;
    }
    out.received.append(buf, static_cast<std::size_t>(n));
    if (!marker.empty() && out.received.find(marker) != std::string::npos) return out;
  }
}

RawResult raw_exchange(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout) {
  RawSocket s(port);
  if (!bytes.empty()) s.send(bytes);
  return s.read_all(timeout);
}

}  // namespace dais::api::testing

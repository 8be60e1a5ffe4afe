// Synchronous calls over asynchronous Beast operations: each call starts its
// operation and runs the private io_context until it completes or its time is
// up (then the socket is closed, which completes the operation with an error).
#include "server/leader_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace dais::server {

namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

constexpr auto kHttpTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxBody = std::size_t{64} << 20;
}  // namespace

std::string LeaderAddress::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

LeaderAddress parse_leader_url(std::string_view url) {
  const std::string expected = " (expected http://HOST:PORT, the leader daisd's --listen address)";
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) throw std::invalid_argument("'" + std::string(url) + "' is not an http:// URL" + expected);
  std::string_view rest = url.substr(scheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    throw std::invalid_argument("'" + std::string(url) + "' has a path, query or user part" + expected);
  }
  LeaderAddress address;
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("'" + std::string(url) + "': unclosed [" + expected);
    address.host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty() && rest[0] != ':') throw std::invalid_argument("'" + std::string(url) + "'" + expected);
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    const auto colon = rest.find(':');
    address.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (address.host.empty()) throw std::invalid_argument("'" + std::string(url) + "' names no host" + expected);
  if (!port_text.empty() || rest.ends_with(':')) {
    unsigned long port = 0;
    bool ok = !port_text.empty() && port_text.size() <= 5;
    for (char c : port_text) ok = ok && c >= '0' && c <= '9';
    if (ok) port = std::stoul(std::string(port_text));
    if (!ok || port == 0 || port > 65535) {
      throw std::invalid_argument("'" + std::string(url) + "': the port must be 1..65535" + expected);
    }
    address.port = static_cast<std::uint16_t>(port);
  }
  return address;
}

struct LeaderClient::Impl {
  asio::io_context io;
  std::optional<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  // A read started by read_message that has not completed yet (it goes on at the next call).
  bool reading = false;
  std::optional<error_code> read_result;

  // Runs the io_context until `done` or `timeout`; false on timeout (the operation is still pending).
  template <typename Done> bool run_until(Done done, std::chrono::steady_clock::duration timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      io.restart();
      io.run_one_for(deadline - now);
    }
    return true;
  }

  tcp::resolver::results_type resolve(const LeaderAddress& leader) {
    tcp::resolver resolver(io);
    std::optional<error_code> result;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(leader.host, std::to_string(leader.port),
                           [&](error_code ec, tcp::resolver::results_type found) {
                             result = ec;
                             endpoints = std::move(found);
                           });
    if (!run_until([&] { return result.has_value(); }, kHttpTimeout)) {
      resolver.cancel();
      run_until([&] { return result.has_value(); }, std::chrono::seconds(5));
      throw LeaderUnavailable("cannot resolve " + leader.host + ": timed out");
    }
    if (*result) throw LeaderUnavailable("cannot resolve " + leader.host + ": " + result->message());
    return endpoints;
  }
};

LeaderClient::LeaderClient(LeaderAddress leader) : leader_(std::move(leader)), impl_(std::make_unique<Impl>()) {}
LeaderClient::~LeaderClient() = default;

std::string LeaderClient::get(const std::string& target) {
  auto& io = impl_->io;
  const auto endpoints = impl_->resolve(leader_);
  beast::tcp_stream stream(io);
  stream.expires_after(kHttpTimeout);  // the whole exchange: connect, request, reply
  std::optional<error_code> result;
  const std::string where = leader_.text() + target;
  stream.async_connect(endpoints, [&](error_code ec, const tcp::endpoint&) { result = ec; });
  impl_->run_until([&] { return result.has_value(); }, kHttpTimeout * 2);
  if (!result || *result) throw LeaderUnavailable("cannot connect to " + leader_.text() + ": " + (result ? result->message() : "timed out"));

  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, leader_.host + ":" + std::to_string(leader_.port));
  request.set(http::field::user_agent, "daisd-replica");
  result.reset();
  http::async_write(stream, request, [&](error_code ec, std::size_t) { result = ec; });
  impl_->run_until([&] { return result.has_value(); }, kHttpTimeout * 2);
  if (!result || *result) throw LeaderUnavailable("GET " + where + ": " + (result ? result->message() : "timed out"));

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  result.reset();
  http::async_read(stream, buffer, parser, [&](error_code ec, std::size_t) { result = ec; });
  impl_->run_until([&] { return result.has_value(); }, kHttpTimeout * 2);
  if (!result || *result) throw LeaderUnavailable("GET " + where + ": no reply: " + (result ? result->message() : "timed out"));
  auto response = parser.release();
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  const int status = static_cast<int>(response.result_int());
  if (status != 200) {
    throw LeaderRefused("GET " + where + ": HTTP " + std::to_string(status) + ": " + response.body().substr(0, 300), status);
  }
  return std::move(response.body());
}

void LeaderClient::open_stream(std::uint64_t from) {
  close_stream();
  auto& impl = *impl_;
  const auto endpoints = impl.resolve(leader_);
  impl.ws.emplace(impl.io);
  auto& tcp_layer = beast::get_lowest_layer(*impl.ws);
  tcp_layer.expires_after(kHttpTimeout);
  std::optional<error_code> result;
  tcp_layer.async_connect(endpoints, [&](error_code ec, const tcp::endpoint&) { result = ec; });
  impl.run_until([&] { return result.has_value(); }, kHttpTimeout * 2);
  if (!result || *result) {
    throw LeaderUnavailable("cannot connect to " + leader_.text() + ": " + (result ? result->message() : "timed out"));
  }
  tcp_layer.expires_never();  // the WebSocket layer keeps its own timeouts from here
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.handshake_timeout = kHttpTimeout;
  timeouts.idle_timeout = std::chrono::seconds(30);  // pings at 15 s; a silent leader is dropped
  timeouts.keep_alive_pings = true;
  impl.ws->set_option(timeouts);
  impl.ws->read_message_max(kMaxBody);
  const std::string target = "/v1/stream?from=" + std::to_string(from) + "&checkpoints=1";
  websocket::response_type response;
  result.reset();
  impl.ws->async_handshake(response, leader_.host + ":" + std::to_string(leader_.port), target,
                           [&](error_code ec) { result = ec; });
  impl.run_until([&] { return result.has_value(); }, kHttpTimeout * 2);
  if (!result || *result) {
    const std::string why = result ? result->message() : "timed out";
    impl.ws.reset();
    if (result && *result == websocket::error::upgrade_declined) {
      throw LeaderRefused("the leader refused its stream: HTTP " + std::to_string(response.result_int()) + ": " +
                              response.body().substr(0, 300),
                          static_cast<int>(response.result_int()));
    }
    throw LeaderUnavailable("WebSocket handshake with " + leader_.text() + target + " failed: " + why);
  }
  impl.buffer.clear();
  impl.reading = false;
  impl.read_result.reset();
}

std::optional<std::string> LeaderClient::read_message(std::chrono::milliseconds wait) {
  auto& impl = *impl_;
  if (!impl.ws) throw LeaderUnavailable("no stream is open");
  if (!impl.reading) {
    impl.reading = true;
    impl.read_result.reset();
    impl.ws->async_read(impl.buffer, [&impl](error_code ec, std::size_t) { impl.read_result = ec; });
  }
  if (!impl.run_until([&] { return impl.read_result.has_value(); }, wait)) return std::nullopt;
  impl.reading = false;
  const error_code ec = *impl.read_result;
  if (ec) {
    std::string why = ec.message();
    if (ec == websocket::error::closed) {
      why = "the leader closed its stream (code " + std::to_string(impl.ws->reason().code) + " " +
            std::string(impl.ws->reason().reason.c_str()) + ")";
    }
    impl.ws.reset();
    throw LeaderUnavailable("stream from " + leader_.text() + " lost: " + why);
  }
  std::string text = beast::buffers_to_string(impl.buffer.data());
  impl.buffer.consume(impl.buffer.size());
  return text;
}

void LeaderClient::close_stream() {
  auto& impl = *impl_;
  if (!impl.ws) return;
  error_code ignored;
  beast::get_lowest_layer(*impl.ws).socket().close(ignored);
  // Let the cancelled read (if any) complete, so nothing refers to the stream afterwards.
  if (impl.reading) impl.run_until([&] { return impl.read_result.has_value(); }, std::chrono::seconds(5));
  impl.reading = false;
  impl.ws.reset();
  impl.io.restart();
  impl.io.poll();
}

}  // namespace dais::server

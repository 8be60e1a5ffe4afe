// One coroutine on a single-threaded io_context runs connect -> read -> print
// -> reconnect; a second one waits for SIGINT/SIGTERM and cancels whatever the
// first is waiting on, so a stop never interrupts an event half-printed.
#include "tools/tail/tail_client.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "tools/tail/backoff.h"
#include "tools/tail/chain_checker.h"
#include "tools/tail/checkpoint_checker.h"
#include "tools/tail/server_message.h"

namespace dais::tail {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;
using WebSocket = websocket::stream<beast::tcp_stream>;

constexpr std::size_t kMaxMessageBytes = 64u << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// The client pings after half of this without traffic and drops a server that stays silent.
constexpr auto kIdleTimeout = std::chrono::seconds(30);

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class Tail {
 public:
  Tail(const TailOptions& options, std::FILE* out, std::FILE* err)
      : options_(options),
        out_(out),
        err_(err),
        signals_(io_, SIGINT, SIGTERM),
        timer_(io_),
        resolver_(io_),
        next_from_(options.from) {
    if (options_.verify) {
      checker_.emplace(options_.types.empty() ? ChainChecker::Mode::full_chain : ChainChecker::Mode::hashes_only,
                       options_.types);
      if (options_.key) checkpoints_.emplace(*options_.key, options_.from == 0 && options_.types.empty());
    }
  }

  int run() {
    if (checker_ && checker_->mode() == ChainChecker::Mode::hashes_only) {
      info("--verify with --types checks hashes, seq order and types only: prev links need the unfiltered stream");
    }
    int code = kExitUnreachable;
    net::co_spawn(io_, wait_for_signal(), net::detached);
    net::co_spawn(io_, follow(), [&](std::exception_ptr failure, int result) {
      code = result;
      if (failure) {
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& e) {
          error(std::string("internal error: ") + e.what());
        }
        code = kExitUnreachable;
      }
      io_.stop();  // the signal waiter and the stream's own timers end with the run
    });
    io_.run();
    if (checker_ && code != kExitVerifyFailed) {
      info("verified " + std::to_string(checker_->checked()) + " events" +
           (checkpoints_ ? " and " + std::to_string(checkpoints_->accepted()) + " signed checkpoints" : ""));
    }
    return code;
  }

 private:
  enum class Outcome { stopped, finished, verify_failed, fatal, dropped };
  struct Attempt {
    Outcome outcome = Outcome::dropped;
    std::string detail;
    bool connected = false;
  };

  net::awaitable<void> wait_for_signal() {
    error_code ec;
    const int number = co_await signals_.async_wait(net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return;
    info(std::string("stopping on ") + (number == SIGINT ? "SIGINT" : "SIGTERM"));
    stop_ = true;
    timer_.cancel();
    resolver_.cancel();
    if (ws_) beast::get_lowest_layer(*ws_).cancel();
  }

  net::awaitable<int> follow() {
    Backoff backoff;
    std::optional<Clock::time_point> failing_since;
    while (!stop_) {
      Attempt attempt = co_await connect_and_read();
      switch (attempt.outcome) {
        case Outcome::stopped:
        case Outcome::finished:
          co_return kExitOk;
        case Outcome::verify_failed:
          error(attempt.detail);
          co_return kExitVerifyFailed;
        case Outcome::fatal:
          error(attempt.detail);
          co_return kExitUnreachable;
        case Outcome::dropped:
          break;
      }
      const auto now = Clock::now();
      if (attempt.connected || !failing_since) {
        failing_since = now;
        if (attempt.connected) backoff.reset();
      }
      const auto elapsed = now - *failing_since;
      if (elapsed >= options_.retry_for) {
        error(attempt.detail + "; gave up after retrying for " + format_seconds(elapsed) + " (--retry-for " +
              format_seconds(options_.retry_for) + ")");
        co_return kExitUnreachable;
      }
      const auto left = std::chrono::ceil<Backoff::Duration>(options_.retry_for - elapsed);
      const auto delay = std::min(backoff.next(), left);
      info(attempt.detail + "; reconnecting in " + std::to_string(delay.count()) + " ms from seq " +
           std::to_string(next_from_));
      timer_.expires_after(delay);
      error_code ec;
      co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    co_return kExitOk;
  }

  net::awaitable<Attempt> connect_and_read() {
    const std::string where = options_.url.host_header();
    error_code ec;
    const auto endpoints = co_await resolver_.async_resolve(options_.url.host, std::to_string(options_.url.port),
                                                            net::redirect_error(net::use_awaitable, ec));
    if (stop_) co_return Attempt{Outcome::stopped, {}};
    if (ec) co_return Attempt{Outcome::dropped, "cannot resolve " + options_.url.host + ": " + ec.message()};

    ws_ = std::make_unique<WebSocket>(io_);
    auto& tcp_stream = beast::get_lowest_layer(*ws_);
    tcp_stream.expires_after(options_.connect_timeout);
    co_await tcp_stream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (stop_) co_return Attempt{Outcome::stopped, {}};
    if (ec) {
      const std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
      co_return Attempt{Outcome::dropped, "cannot connect to " + where + ": " + why};
    }
    tcp_stream.expires_never();  // the WebSocket layer keeps its own timeouts from here

    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = kHandshakeTimeout;
    timeouts.idle_timeout = kIdleTimeout;
    timeouts.keep_alive_pings = true;
    ws_->set_option(timeouts);
    ws_->set_option(websocket::stream_base::decorator([token = options_.token](websocket::request_type& request) {
      request.set(beast::http::field::user_agent, "dais-tail");
      if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
    }));
    ws_->read_message_max(kMaxMessageBytes);

    const std::string target = stream_target(options_.url, next_from_, options_.types, checkpoints_.has_value());
    websocket::response_type response;
    co_await ws_->async_handshake(response, where, target, net::redirect_error(net::use_awaitable, ec));
    if (stop_) co_return Attempt{Outcome::stopped, {}};
    if (ec == websocket::error::upgrade_declined) co_return refused(response);
    if (ec) co_return Attempt{Outcome::dropped, "WebSocket handshake with " + where + " failed: " + ec.message()};
    info("connected to ws://" + where + target);

    beast::flat_buffer buffer;
    while (true) {
      co_await ws_->async_read(buffer, net::redirect_error(net::use_awaitable, ec));
      if (stop_) co_return Attempt{Outcome::stopped, {}, true};
      if (ec == websocket::error::closed) {
        const auto& reason = ws_->reason();
        co_return Attempt{Outcome::dropped,
                          "the server closed the stream (code " + std::to_string(reason.code) +
                              (reason.reason.empty() ? "" : ": " + std::string(reason.reason.c_str())) + ")",
                          true};
      }
      if (ec) co_return Attempt{Outcome::dropped, "connection to " + where + " lost: " + ec.message(), true};

      const std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      std::optional<Attempt> end = handle_message(text);
      if (!end && proof_wanted_) end = co_await check_consistency(std::exchange(proof_wanted_, std::nullopt).value());
      if (end) {
        end->connected = true;
        if (end->outcome == Outcome::finished) co_await close_politely();
        co_return *end;
      }
    }
  }

  Attempt refused(const websocket::response_type& response) {
    const unsigned status = response.result_int();
    std::string detail = "the server refused the stream: HTTP " + std::to_string(status);
    if (!response.reason().empty()) detail += " " + std::string(response.reason());
    if (!response.body().empty()) detail += ": " + response.body().substr(0, 300);
    // Busy or rate-limited servers may accept a later attempt; any other refusal will not change.
    const bool transient = status >= 500 || status == 429 || status == 408;
    return Attempt{transient ? Outcome::dropped : Outcome::fatal, detail};
  }

  // nullopt to keep reading; otherwise how this connection (and maybe the run) ends.
  std::optional<Attempt> handle_message(std::string_view text) {
    ServerMessage message;
    try {
      message = parse_server_message(text);
    } catch (const std::exception& e) {
      const std::string detail = "malformed stream message after seq " + last_seq_text() + ": " + e.what();
      return Attempt{options_.verify ? Outcome::verify_failed : Outcome::fatal,
                     options_.verify ? "verification failed: " + detail : detail};
    }
    if (const auto* caught_up = std::get_if<CaughtUp>(&message)) {
      next_from_ = std::max(next_from_, caught_up->next);
      info("caught up: every event before seq " + std::to_string(caught_up->next) + " received; following live");
      return std::nullopt;
    }
    if (const auto* checkpoint = std::get_if<Checkpoint>(&message)) {
      next_from_ = std::max(next_from_, checkpoint->next);
      return std::nullopt;
    }
    if (const auto* signed_checkpoint = std::get_if<SignedCheckpointMessage>(&message)) {
      if (!checkpoints_) return std::nullopt;  // not asked for
      const std::optional<std::uint64_t> received =
          options_.types.empty() ? std::optional<std::uint64_t>(next_from_) : std::nullopt;
      const auto verdict = checkpoints_->check(signed_checkpoint->size, signed_checkpoint->note, received);
      if (!verdict) return std::nullopt;
      if (const auto* rejected = std::get_if<CheckpointChecker::Rejected>(&*verdict)) {
        return Attempt{Outcome::verify_failed, "verification failed: " + rejected->reason};
      }
      proof_wanted_ = std::get<CheckpointChecker::NeedsProof>(*verdict);
      return std::nullopt;
    }
    const auto& entry = std::get<EventEntry>(message);
    if (entry.seq < next_from_) {
      warn("skipped seq " + std::to_string(entry.seq) + ", already past it (next wanted " +
           std::to_string(next_from_) + ")");
      return std::nullopt;
    }
    if (options_.types.empty() && entry.seq != next_from_ && !checker_) {
      warn("gap: seqs " + std::to_string(next_from_) + ".." + std::to_string(entry.seq - 1) + " were not received");
    }
    if (checker_) {
      if (auto problem = checker_->check(entry)) {
        return Attempt{Outcome::verify_failed, "verification failed at seq " + std::to_string(entry.seq) + ": " + *problem};
      }
      if (checker_->checked() == 1 && checker_->first_prev_unchecked()) {
        info("--verify: the stream starts at seq " + std::to_string(entry.seq) +
             ", so that event's prev link cannot be checked; every later one is");
      }
    }
    if (checkpoints_) checkpoints_->add_entry(entry.bytes);
    std::fwrite(entry.bytes.data(), 1, entry.bytes.size(), out_);
    std::fputc('\n', out_);
    if (std::fflush(out_) != 0 || std::ferror(out_)) {
      if (errno == EPIPE) return Attempt{Outcome::finished, {}};  // the reader went away, like `| head`
      return Attempt{Outcome::fatal, std::string("cannot write to standard output: ") + std::strerror(errno)};
    }
    next_from_ = entry.seq + 1;
    last_seq_ = entry.seq;
    ++printed_;
    if (options_.max_events != 0 && printed_ >= options_.max_events) return Attempt{Outcome::finished, {}};
    return std::nullopt;
  }

  // Fetches GET /v1/proof/consistency?from=&to= from the same server and finishes the check of
  // the checkpoint waiting for it; a proof that cannot be fetched rejects it too.
  net::awaitable<std::optional<Attempt>> check_consistency(CheckpointChecker::NeedsProof wanted) {
    const std::string target =
        "/v1/proof/consistency?from=" + std::to_string(wanted.from) + "&to=" + std::to_string(wanted.to);
    std::string failure;
    std::vector<eventstore::merkle::Hash> proof;
    try {
      const std::string body = co_await http_get(target);
      const auto json = nlohmann::json::parse(body);
      for (const auto& item : json.at("proof")) {
        const auto hash = digest_from_hex(item.get<std::string>());
        if (!hash) throw std::runtime_error("a proof hash is not 64 hex characters");
        proof.push_back(*hash);
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (stop_) co_return Attempt{Outcome::stopped, {}, true};
    if (!failure.empty()) {
      co_return Attempt{Outcome::verify_failed, "verification failed: cannot get the consistency proof " +
                                                    std::to_string(wanted.from) + " -> " + std::to_string(wanted.to) +
                                                    " from http://" + options_.url.host_header() + target + ": " +
                                                    failure};
    }
    if (auto problem = checkpoints_->finish(proof)) co_return Attempt{Outcome::verify_failed, "verification failed: " + *problem};
    co_return std::nullopt;
  }

  // One HTTP GET to the stream's server; the body of a 200 reply, else throws saying why.
  net::awaitable<std::string> http_get(const std::string& target) {
    namespace http = beast::http;
    error_code ec;
    const auto endpoints = co_await resolver_.async_resolve(options_.url.host, std::to_string(options_.url.port),
                                                            net::redirect_error(net::use_awaitable, ec));
    if (ec) throw std::runtime_error("cannot resolve " + options_.url.host + ": " + ec.message());
    beast::tcp_stream stream(io_);
    stream.expires_after(std::chrono::seconds(10));
    co_await stream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) throw std::runtime_error("cannot connect: " + ec.message());
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, options_.url.host_header());
    request.set(http::field::user_agent, "dais-tail");
    if (!options_.token.empty()) request.set(http::field::authorization, "Bearer " + options_.token);
    co_await http::async_write(stream, request, net::redirect_error(net::use_awaitable, ec));
    if (ec) throw std::runtime_error("cannot send the request: " + ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{16} << 20);
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) throw std::runtime_error("no reply: " + ec.message());
    auto response = parser.release();
    if (response.result_int() != 200) {
      throw std::runtime_error("HTTP " + std::to_string(response.result_int()) + ": " + response.body().substr(0, 300));
    }
    co_return std::move(response.body());
  }

  net::awaitable<void> close_politely() {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = std::chrono::seconds(2);
    ws_->set_option(timeouts);
    error_code ec;
    co_await ws_->async_close(websocket::close_code::normal, net::redirect_error(net::use_awaitable, ec));
  }

  std::string last_seq_text() const { return last_seq_ ? std::to_string(*last_seq_) : std::string("(none yet)"); }

  static std::string format_seconds(Clock::duration d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f s", seconds(d));
    return text;
  }

  void info(const std::string& message) {
    if (!options_.quiet) std::fprintf(err_, "dais-tail: %s\n", message.c_str());
  }
  void warn(const std::string& message) { std::fprintf(err_, "dais-tail: warning: %s\n", message.c_str()); }
  void error(const std::string& message) { std::fprintf(err_, "dais-tail: error: %s\n", message.c_str()); }

  const TailOptions& options_;
  std::FILE* out_;
  std::FILE* err_;
  net::io_context io_;
  net::signal_set signals_;
  net::steady_timer timer_;
  tcp::resolver resolver_;
  std::unique_ptr<WebSocket> ws_;
  std::optional<ChainChecker> checker_;
  std::optional<CheckpointChecker> checkpoints_;
  std::optional<CheckpointChecker::NeedsProof> proof_wanted_;
  std::uint64_t next_from_;
  std::optional<std::uint64_t> last_seq_;
  std::uint64_t printed_ = 0;
  bool stop_ = false;
};

}  // namespace

int run_tail(const TailOptions& options, std::FILE* out, std::FILE* err) {
  std::signal(SIGPIPE, SIG_IGN);
  Tail tail(options, out, err);
  return tail.run();
}

}  // namespace dais::tail

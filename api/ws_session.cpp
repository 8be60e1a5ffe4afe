// One WebSocket stream client (docs/API.md "Stream protocol").
//
// Catch-up reads the log in chunks from `from`; live events arrive from the
// EventHub into a bounded inbox. The session subscribes before its first log
// read, so every event appended after that read is in the inbox or was dropped
// by an overflow, which sends the session back to the log: seqs stay strictly
// increasing with no gap and no duplicate. Everything below except deliver()
// runs on the session's io thread. Messages are written synchronously into a
// CoalescingStream, which sends each burst in one socket write; the session
// waits for room when the client reads slowly.
// The session is in one Phase at a time, and only enter() changes it.
#include <algorithm>
#include <chrono>
#include <deque>

#include "api/coalescing_stream.h"
#include "api/origin_check.h"
#include "api/query.h"
#include "api/server_state.h"
#include "api/stream_message.h"
#include "config/logging.h"

namespace dais::api {

using namespace net;

namespace {
constexpr std::size_t catchup_chunk = 512;
constexpr std::uint64_t checkpoint_every_seqs = 1000;
constexpr auto checkpoint_every = std::chrono::seconds(1);
// Bytes of messages gathered into one socket write (coalescing_stream.h), at
// most; a smaller api.ws_buffer_bytes shrinks it (below).
constexpr std::size_t coalesce_bytes = 64 * 1024;

// api.ws_buffer_bytes bounds what one client holds on its own, whether it
// reads or not: a quarter gathering in the coalescing stream, a quarter more
// in the socket write in flight, half in messages read for it from the log.
// Live batches in its inbox are built once and shared by every client (and
// bounded by api.ws_queue messages), so they are not its own.
struct Budget {
  explicit Budget(std::size_t bytes)
      : coalesce(std::clamp<std::size_t>(bytes / 4, 1024, coalesce_bytes)), catchup(bytes / 2) {}
  std::size_t coalesce;
  std::size_t catchup;
};
using Clock = std::chrono::steady_clock;
}  // namespace

class WsSession : public StreamSubscriber, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(ServerState& state, tcp::socket socket, ConnectionSlot slot, std::string remote)
      : state_(state),
        budget_(state.options.ws_buffer_bytes),
        ws_(std::move(socket), budget_.coalesce),
        slot_(std::move(slot)),
        remote_(std::move(remote)) {
    state_.sessions.stream_client_opened();
  }

  ~WsSession() override {
    state_.hub.unsubscribe(this);
    state_.sessions.stream_client_closed();
  }

  void start(http::request<http::string_body> request) {
    const std::string target(request.target());
    std::string problem;
    try {
      const Target t = parse_target(target);
      next_seq_ = uint_param(t, "from", 0, 0, UINT64_MAX - 1);
      if (const auto it = t.params.find("types"); it != t.params.end()) filter_ = parse_type_filter(it->second);
      checkpoints_ = uint_param(t, "checkpoints", 0, 0, 1) == 1;
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (!problem.empty()) return refuse_upgrade(std::move(request), http::status::bad_request, problem);
    const auto origin_field = request[http::field::origin];
    const auto host_field = request[http::field::host];
    const std::string_view origin(origin_field.data(), origin_field.size());
    if (!origin_allowed(origin, std::string_view(host_field.data(), host_field.size()),
                        state_.options.ws_allowed_origins)) {
      state_.metrics.add("dais_ws_origin_refused_total");
      return refuse_upgrade(std::move(request), http::status::forbidden,
                            "origin " + std::string(origin) +
                                " may not open the stream (api.ws_allowed_origins; the default allows only the "
                                "server's own origin)");
    }

    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = std::chrono::seconds(std::max(1u, state_.options.ws_idle_timeout_s));
    timeouts.keep_alive_pings = true;  // a ping at half the idle timeout; no pong -> closed
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "dais"); }));
    ws_.read_message_max(state_.options.ws_max_message);
    ws_.auto_fragment(false);
    ws_.text(true);
    ws_.async_accept(request, [self = shared_from_this()](error_code ec) { self->on_accept(ec); });
  }

  // Publisher thread: push into the bounded inbox and wake the strand; never waits on the client.
  void deliver(const std::shared_ptr<const StreamBatch>& batch) override {
    // The wake-up is posted under the lock, so once detach() has marked the
    // session closed no post can reach an io_context that is being destroyed.
    std::lock_guard lock(inbox_mutex_);
    if (closed_) return;
    if (inbox_events_ + batch->size() > state_.options.ws_queue) {
      overflow_ = true;
    } else {
      inbox_.push_back(batch);
      inbox_events_ += batch->size();
    }
    if (wake_posted_) return;
    wake_posted_ = true;
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      bool overflowed = false;
      {
        std::lock_guard lock(self->inbox_mutex_);
        self->wake_posted_ = false;
        overflowed = self->overflow_;
      }
      // Even while a write is stuck on a client that does not read, the
      // fallback is counted and the clock starts now.
      if (overflowed) {
        if (self->phase_ == Phase::live) self->enter(Phase::live_overflowed);
        self->start_behind_clock();
      }
      self->pump();
    });
  }

  // After the io threads have stopped: no more deliveries, no more posts. The
  // phase is left alone: it belongs to the io thread.
  void detach() {
    state_.hub.unsubscribe(this);
    mark_closed();
  }

  void close_for_shutdown() {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this()] {
      self->close_with(websocket::close_code::going_away, "server shutting down");
    });
  }

 private:
  // Each phase, what it means, and the phases that may follow it (any may be followed by closed).
  enum class Phase {
    handshake,        // the WebSocket handshake is under way -> catching_up
    catching_up,      // sending from the log; "caught_up" not yet sent -> live
    live,             // sending what the hub delivers -> live_overflowed, behind
    live_overflowed,  // still sending deliveries, but the inbox overflowed: fallback counted -> behind
    behind,           // back on the log after an overflow, until its head -> live
    closed,           // nothing more is sent; deliveries are refused; dropping again is harmless
  };

  // Every change of phase, with what it implies.
  void enter(Phase next) {
    const Phase was = std::exchange(phase_, next);
    switch (next) {
      case Phase::handshake:
      case Phase::catching_up:
        break;
      case Phase::live:
        behind_since_.reset();
        if (was == Phase::catching_up) {
          push_control("caught_up", next_seq_);
          last_checkpoint_ = next_seq_;
        } else {
          maybe_checkpoint();
        }
        // The signed tree head of what the client now holds, if it is already signed; a newer
        // one arrives with the events it covers.
        if (const auto latest = state_.backend.checkpoint()) {
          maybe_push_signed_checkpoint(latest->checkpoint.size, [&] { return checkpoint_message(*latest); });
        }
        break;
      case Phase::live_overflowed:  // a fall from live to the log is counted once, at its first sign
        state_.metrics.add("dais_ws_catchup_fallbacks_total");
        break;
      case Phase::behind:
        if (was == Phase::live) state_.metrics.add("dais_ws_catchup_fallbacks_total");  // no sign before
        start_behind_clock();
        break;
      case Phase::closed:
        mark_closed();
        break;
    }
  }

  bool is_live() const { return phase_ == Phase::live || phase_ == Phase::live_overflowed; }
  bool is_closed() const { return phase_ == Phase::closed; }

  void refuse_upgrade(http::request<http::string_body> request, http::status status, const std::string& problem) {
    auto res = std::make_shared<http::response<http::string_body>>(status, request.version());
    res->set(http::field::content_type, "application/json");
    res->set(http::field::connection, "close");
    res->body() = nlohmann::json{{"error", problem}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    res->prepare_payload();
    state_.metrics.add("dais_http_requests_total", 1,
                       {{"route", "/v1/stream"}, {"status", std::to_string(static_cast<unsigned>(status))}});
    http::async_write(ws_.next_layer(), *res, [self = shared_from_this(), res](error_code, std::size_t) {
      self->ws_.next_layer().async_flush([self](error_code) {
        tcp::socket& socket = self->ws_.next_layer().next_layer();
        error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
      });
    });
  }

  void on_accept(error_code ec) {
    if (ec) return;  // handshake failed or timed out: the socket closes with the session
    state_.metrics.add("dais_http_requests_total", 1, {{"route", "/v1/stream"}, {"status", "101"}});
    state_.sessions.add_stream(shared_from_this());
    if (state_.stopping.load()) return close_with(websocket::close_code::going_away, "server shutting down");
    enter(Phase::catching_up);
    // Subscribe before the first log read: nothing appended after it can be missed.
    state_.hub.subscribe(shared_from_this());
    last_progress_ = Clock::now();
    read_incoming();
    pump();
  }

  // Clients have nothing to say; reading keeps control frames (ping/pong/close)
  // flowing and enforces the frame size limit.
  void read_incoming() {
    ws_.async_read(incoming_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->incoming_.consume(self->incoming_.size());
      self->read_incoming();
    });
  }

  void on_read_error(error_code ec) {
    if (ec != websocket::error::closed && ec != asio::error::operation_aborted && !is_closed()) {
      config::logger("api")->debug("stream client {} dropped: {}", remote_, ec.message());
    }
    drop();
  }

  // The connection is unusable: send nothing more, take no more deliveries.
  void drop() { enter(Phase::closed); }

  void mark_closed() {
    behind_timer_.cancel();
    std::lock_guard lock(inbox_mutex_);
    closed_ = true;
    inbox_.clear();
    inbox_events_ = 0;
  }

  void close_with(websocket::close_code code, const std::string& reason) {
    if (is_closed()) return;
    drop();
    ws_.async_close(websocket::close_reason(code, reason), [self = shared_from_this()](error_code) {});
  }

  // Writes what is available into the coalescing stream, which sends each
  // burst in one socket write; waits for room when the client reads slowly.
  void pump() {
    if (is_closed() || waiting_room_) return;
    CoalescingStream& out = ws_.next_layer();
    bool more = true;
    for (int rounds = 0; more && rounds < 64;) {
      if (outbox_.empty()) {
        more = refill();
        ++rounds;
        if (is_closed()) return;
        continue;
      }
      if (!out.room()) break;
      if (!ws_.is_open()) return;  // a close handshake began: nothing more is sent
      error_code ec;
      ws_.write(asio::buffer(*outbox_.front()), ec);
      if (ec) return drop();
      outbox_bytes_ -= outbox_.front()->size();
      outbox_.pop_front();
      // Counted in batches: one registry update per message would contend across sessions.
      if (++unreported_sent_ >= 512) report_sent();
    }
    out.flush();
    if (outbox_.empty()) report_sent();
    if (!outbox_.empty()) {
      waiting_room_ = true;
      out.async_wait_room([self = shared_from_this()](error_code ec) {
        self->waiting_room_ = false;
        if (ec) return self->drop();
        self->pump();
      });
    } else if (more) {
      // A filter that matched nothing in many chunks: yield the thread, then go on.
      asio::post(ws_.get_executor(), [self = shared_from_this()] { self->pump(); });
    }
  }

  void report_sent() {
    if (unreported_sent_ == 0) return;
    state_.metrics.add("dais_ws_messages_sent_total", static_cast<double>(unreported_sent_));
    unreported_sent_ = 0;
  }

  void push(std::shared_ptr<const std::string> message) {
    outbox_bytes_ += message->size();
    outbox_.push_back(std::move(message));
    last_progress_ = Clock::now();
  }

  void push_control(const char* key, std::uint64_t value) {
    push(std::make_shared<const std::string>("{\"" + std::string(key) + "\":" + std::to_string(value) + "}"));
  }

  // With a type filter, tell the client how far the scan has gone so it can resume without rescanning.
  void maybe_checkpoint() {
    if (filter_.empty() || next_seq_ == last_checkpoint_) return;
    if (next_seq_ - last_checkpoint_ >= checkpoint_every_seqs || Clock::now() - last_progress_ >= checkpoint_every) {
      push_control("checkpoint", next_seq_);
      last_checkpoint_ = next_seq_;
    }
  }

  // With checkpoints=1: a signed checkpoint of `size` leaves is sent when the client has been
  // sent exactly the events it covers (no more, no fewer), once per size.
  template <typename MakeMessage> void maybe_push_signed_checkpoint(std::uint64_t size, MakeMessage make) {
    if (!checkpoints_ || size != next_seq_ || size == 0 || sent_checkpoint_size_ == size) return;
    sent_checkpoint_size_ = size;
    push(std::make_shared<const std::string>(make()));
  }

  void start_behind_clock() {
    if (behind_since_ || is_closed()) return;
    behind_since_ = Clock::now();
    arm_behind_timer(std::chrono::seconds(state_.options.ws_behind_limit_s));
  }

  void arm_behind_timer(Clock::duration after) {
    behind_timer_.expires_after(after + std::chrono::milliseconds(10));
    behind_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec || self->is_closed() || !self->behind_since_) return;
      const auto limit = std::chrono::seconds(self->state_.options.ws_behind_limit_s);
      const auto behind = Clock::now() - *self->behind_since_;
      if (behind >= limit) return self->close_too_slow();
      self->arm_behind_timer(limit - behind);  // caught up and fell behind again meanwhile
    });
  }

  void close_too_slow() {
    state_.metrics.add("dais_ws_closed_too_slow_total");
    close_with(websocket::close_code::policy_error,
               "too slow: behind for more than " + std::to_string(state_.options.ws_behind_limit_s) + " s");
  }

  // Moves the next messages into the outbox; false when nothing is available now.
  bool refill() {
    if (!is_live()) return refill_from_log();
    std::deque<std::shared_ptr<const StreamBatch>> batches;
    bool overflow = false;
    {
      std::lock_guard lock(inbox_mutex_);
      batches.swap(inbox_);
      inbox_events_ = 0;
      overflow = std::exchange(overflow_, false);
    }
    if (batches.empty() && !overflow) return false;
    for (const auto& batch : batches) {
      for (const auto& e : *batch) {
        if (e.checkpoint) {
          maybe_push_signed_checkpoint(e.seq, [&] { return *e.message; });
          continue;
        }
        if (e.seq < next_seq_) continue;  // already sent from the log
        if (e.seq > next_seq_) {          // a gap: an overflow dropped events; they are in the log
          enter(Phase::behind);
          return true;
        }
        if (filter_.accepts(e.type)) push(e.message);
        ++next_seq_;
      }
    }
    if (overflow) enter(Phase::behind);
    maybe_checkpoint();
    return true;
  }

  bool refill_from_log() {
    if (behind_since_ && Clock::now() - *behind_since_ >= std::chrono::seconds(state_.options.ws_behind_limit_s)) {
      close_too_slow();
      return false;
    }
    const auto chunk = state_.backend.store().read_range(next_seq_, catchup_chunk_);
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      // The outbox is full for this client's budget: the rest is read again once it has been sent,
      // in smaller chunks from now on (refill runs only on an empty outbox, so i > 0 here).
      if (outbox_bytes_ >= budget_.catchup) {
        catchup_chunk_ = std::max<std::size_t>(16, i);
        return true;
      }
      const auto& e = chunk[i];
      if (filter_.accepts(e.type)) push(std::make_shared<const std::string>(stream_message(e)));
      next_seq_ = e.seq + 1;
    }
    if (chunk.size() == catchup_chunk_) {
      maybe_checkpoint();
      return true;
    }
    // The head at the time of this read. Live events from here on are in the
    // inbox, unless some were dropped meanwhile: then read the log again.
    {
      std::lock_guard lock(inbox_mutex_);
      if (overflow_) {
        overflow_ = false;
        inbox_.clear();
        inbox_events_ = 0;
        return true;
      }
    }
    enter(Phase::live);
    return true;  // look at the inbox now
  }

  ServerState& state_;
  const Budget budget_;
  websocket::stream<CoalescingStream> ws_;
  ConnectionSlot slot_;
  std::string remote_;
  beast::flat_buffer incoming_;

  // Strand-only state.
  Phase phase_ = Phase::handshake;
  TypeFilter filter_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t last_checkpoint_ = 0;
  bool checkpoints_ = false;               // the client asked for signed checkpoints
  std::uint64_t sent_checkpoint_size_ = 0;  // size of the last signed checkpoint sent
  bool waiting_room_ = false;  // a wait for room in the coalescing stream is pending
  // Since when the client has been behind: from the first sign of an overflow until live again.
  std::optional<Clock::time_point> behind_since_;
  asio::steady_timer behind_timer_{ws_.get_executor()};
  Clock::time_point last_progress_ = Clock::now();
  std::deque<std::shared_ptr<const std::string>> outbox_;
  std::size_t outbox_bytes_ = 0;
  std::size_t catchup_chunk_ = catchup_chunk;  // events per log read; shrinks for large events
  std::uint64_t unreported_sent_ = 0;

  // Shared with the publisher.
  std::mutex inbox_mutex_;
  std::deque<std::shared_ptr<const StreamBatch>> inbox_;
  std::size_t inbox_events_ = 0;
  bool overflow_ = false;
  bool wake_posted_ = false;
  bool closed_ = false;
};

void run_ws_session(ServerState& state, tcp::socket socket, http::request<http::string_body> request,
                    ConnectionSlot slot, std::string remote) {
  std::make_shared<WsSession>(state, std::move(socket), std::move(slot), std::move(remote))->start(std::move(request));
}

void close_ws_session(const std::shared_ptr<WsSession>& session) { session->close_for_shutdown(); }
void detach_ws_session(const std::shared_ptr<WsSession>& session) { session->detach(); }

}  // namespace dais::api

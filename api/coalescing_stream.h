// Private to api/ (Beast TUs only): a TCP stream that gathers small writes,
// used as the next layer of the stream sessions' websocket::stream.
//
// Writes append to a pending buffer and one socket write at a time sends all
// that is pending, so a burst of small WebSocket messages leaves in one
// system call instead of one each. The wire carries exactly the frames Beast
// wrote, whole and in order: every write appends complete frames at once.
//  - write_some() (the session's messages, through the websocket stream's
//    synchronous write) only appends; the session calls flush() after a
//    burst, and waits with async_wait_room() while room() is false, so a
//    client that does not read stalls its session as a plain socket would,
//    with at most about `limit` bytes buffered.
//  - async_write_some() (Beast's own pings, pongs and close frames) appends
//    and flushes, and completes through the executor, never inline.
//
// Thread safety: as a socket; every call on the thread of its io_context.
// Lifetime: the pending bytes and the write in flight outlive the stream
// object (shared state); destroying the stream closes the socket.
// Errors: a failed socket write fails every later write with its error.
#pragma once

#include <limits>
#include <memory>
#include <string>

#include <boost/asio/compose.hpp>

#include "api/net.h"

namespace dais::api {

class CoalescingStream {
 public:
  using executor_type = net::tcp::socket::executor_type;
  using next_layer_type = net::tcp::socket;

  CoalescingStream(net::tcp::socket socket, std::size_t limit)
      : state_(std::make_shared<State>(std::move(socket), limit)) {}
  CoalescingStream(CoalescingStream&&) = default;
  ~CoalescingStream() {
    if (!state_) return;
    net::error_code ignored;
    state_->socket.close(ignored);  // ends a write in flight; its handler still finds the state
  }

  executor_type get_executor() noexcept { return state_->socket.get_executor(); }
  net::tcp::socket& next_layer() { return state_->socket; }

  // Room for more before the session must wait for the socket.
  bool room() const { return state_->failed || state_->pending.size() < state_->limit; }
  void flush() { state_->flush(state_); }

  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, net::error_code& ec) {
    ec = state_->failed;
    return ec ? 0 : state_->append(buffers);
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    net::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw net::beast::system_error(ec);
    return n;
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, net::error_code& ec) {
    return state_->socket.read_some(buffers, ec);
  }
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    return state_->socket.read_some(buffers);
  }

  template <class MutableBufferSequence, class ReadHandler>
  BOOST_BEAST_ASYNC_RESULT2(ReadHandler)
  async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return state_->socket.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  template <class ConstBufferSequence, class WriteHandler>
  BOOST_BEAST_ASYNC_RESULT2(WriteHandler)
  async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return net::asio::async_compose<WriteHandler, void(net::error_code, std::size_t)>(
        WriteOp<ConstBufferSequence>{state_, buffers}, handler, state_->socket);
  }

  // Completes once room() (or the socket failed).
  template <class Handler>
  BOOST_BEAST_ASYNC_RESULT1(Handler)
  async_wait_room(Handler&& handler) {
    return net::asio::async_compose<Handler, void(net::error_code)>(WaitOp{state_, false}, handler, state_->socket);
  }
  // Flushes, and completes once nothing is pending or in flight (or the socket failed).
  template <class Handler>
  BOOST_BEAST_ASYNC_RESULT1(Handler)
  async_flush(Handler&& handler) {
    flush();
    return net::asio::async_compose<Handler, void(net::error_code)>(WaitOp{state_, true}, handler, state_->socket);
  }

 private:
  struct State {
    State(net::tcp::socket s, std::size_t l) : socket(std::move(s)), limit(l), written(socket.get_executor()) {
      written.expires_at(net::asio::steady_timer::time_point::max());
    }
    net::tcp::socket socket;
    const std::size_t limit;
    std::string pending;
    std::string sending;
    bool writing = false;
    net::error_code failed;
    net::asio::steady_timer written;  // never expires: cancelled whenever a socket write ends

    template <class Buffers>
    std::size_t append(const Buffers& buffers) {
      const std::size_t size = net::asio::buffer_size(buffers);
      const std::size_t at = pending.size();
      pending.resize(at + size);
      net::asio::buffer_copy(net::asio::buffer(pending.data() + at, size), buffers);
      return size;
    }

    void flush(const std::shared_ptr<State>& self) {
      if (writing || pending.empty() || failed) return;
      sending.swap(pending);
      pending.clear();
      writing = true;
      net::asio::async_write(socket, net::asio::buffer(sending), [self](net::error_code ec, std::size_t) {
        self->writing = false;
        self->sending.clear();
        if (ec) self->failed = ec;
        self->written.cancel();  // wakes a writer or flusher waiting for room
        self->flush(self);
      });
    }
  };

  template <class Buffers>
  struct WriteOp {
    std::shared_ptr<State> state;
    Buffers buffers;
    bool done = false;
    std::size_t size = 0;

    template <class Self>
    void operator()(Self& self, net::error_code = {}) {
      State& s = *state;
      if (done) return self.complete(s.failed, s.failed ? 0 : size);
      if (!s.failed && s.pending.size() >= s.limit) return s.written.async_wait(std::move(self));
      done = true;
      if (!s.failed) {
        size = s.append(buffers);
        s.flush(state);
      }
      net::asio::post(s.socket.get_executor(), std::move(self));
    }
  };

  // Waits for room, or (drain) for nothing pending or in flight.
  struct WaitOp {
    std::shared_ptr<State> state;
    bool drain;
    bool posted = false;

    template <class Self>
    void operator()(Self& self, net::error_code = {}) {
      State& s = *state;
      const bool wait = drain ? s.writing || !s.pending.empty() : s.pending.size() >= s.limit;
      if (!s.failed && wait) return s.written.async_wait(std::move(self));
      if (!posted) {  // never complete inline
        posted = true;
        return net::asio::post(s.socket.get_executor(), std::move(self));
      }
      self.complete(s.failed);
    }
  };

  std::shared_ptr<State> state_;
};

// The WebSocket close handshake ends with a TCP teardown: send what is pending first.
template <class TeardownHandler>
void async_teardown(net::beast::role_type role, CoalescingStream& stream, TeardownHandler&& handler) {
  stream.async_flush([&stream, role, handler = std::forward<TeardownHandler>(handler)](net::error_code) mutable {
    net::websocket::async_teardown(role, stream.next_layer(), std::move(handler));
  });
}

inline void teardown(net::beast::role_type role, CoalescingStream& stream, net::error_code& ec) {
  net::websocket::teardown(role, stream.next_layer(), ec);
}

}  // namespace dais::api

// Private to api/: who is connected to a running Server. It counts open
// connections (each held by a ConnectionSlot; the listener refuses new ones at
// api.max_connections) and stream clients, exports both as gauges, and
// remembers the stream sessions that Server::stop() must close.
// Owned by ServerState; it holds only weak references to sessions.
// Thread safety: every member may be called from any io thread and from the
// controlling thread at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "api/metrics.h"

namespace dais::api {

class WsSession;

class SessionRegistry {
 public:
  explicit SessionRegistry(Metrics& metrics) : metrics_(metrics) {}
  SessionRegistry(const SessionRegistry&) = delete;
  SessionRegistry& operator=(const SessionRegistry&) = delete;

  std::size_t connections() const { return connections_.load(); }
  std::size_t stream_clients() const { return stream_clients_.load(); }

  // A stream client counts from its session's construction (so a handshake in
  // progress counts) to its destruction.
  void stream_client_opened();
  void stream_client_closed();

  // Remembers a stream session once its handshake is done.
  void add_stream(const std::shared_ptr<WsSession>& session);
  // The remembered stream sessions that are still alive.
  std::vector<std::shared_ptr<WsSession>> live_streams();

 private:
  friend class ConnectionSlot;
  void connection_opened();
  void connection_closed();

  Metrics& metrics_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> stream_clients_{0};
  std::mutex streams_mutex_;
  std::vector<std::weak_ptr<WsSession>> streams_;
};

// Holds one of max_connections while a connection lives; moves from the HTTP
// session to the WebSocket session on upgrade.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(SessionRegistry& registry);
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot();

 private:
  SessionRegistry* registry_;
};

}  // namespace dais::api

// Private to api/: who is connected to a running Server. It counts open
// connections, in all and per client address (each held by a ConnectionSlot;
// the listener refuses new ones at api.max_connections, or at
// api.max_connections_per_address for that address) and stream clients, exports both as gauges, and
// remembers the stream sessions that Server::stop() must close.
// Owned by ServerState; it holds only weak references to sessions.
// Thread safety: every member may be called from any io thread and from the
// controlling thread at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
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
  // Open connections from one client address (its text form, e.g. "127.0.0.1").
  std::size_t connections_from(const std::string& address) const;
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
  void connection_opened(const std::string& address);
  void connection_closed(const std::string& address);

  Metrics& metrics_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> stream_clients_{0};
  mutable std::mutex addresses_mutex_;
  std::unordered_map<std::string, std::size_t> per_address_;  // only addresses with open connections
  std::mutex streams_mutex_;
  std::vector<std::weak_ptr<WsSession>> streams_;
};

// Holds one of max_connections while a connection lives; moves from the HTTP
// session to the WebSocket session on upgrade.
class ConnectionSlot {
 public:
  ConnectionSlot(SessionRegistry& registry, std::string address);
  ConnectionSlot(ConnectionSlot&& other) noexcept;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot();

 private:
  SessionRegistry* registry_;
  std::string address_;
};

}  // namespace dais::api

#include "api/session_registry.h"

#include <utility>

namespace dais::api {

void SessionRegistry::connection_opened() {
  metrics_.set("dais_http_connections", static_cast<double>(++connections_));
}

void SessionRegistry::connection_closed() {
  metrics_.set("dais_http_connections", static_cast<double>(--connections_));
}

void SessionRegistry::stream_client_opened() {
  metrics_.set("dais_ws_clients", static_cast<double>(++stream_clients_));
}

void SessionRegistry::stream_client_closed() {
  metrics_.set("dais_ws_clients", static_cast<double>(--stream_clients_));
}

void SessionRegistry::add_stream(const std::shared_ptr<WsSession>& session) {
  std::lock_guard lock(streams_mutex_);
  std::erase_if(streams_, [](const auto& w) { return w.expired(); });
  streams_.push_back(session);
}

std::vector<std::shared_ptr<WsSession>> SessionRegistry::live_streams() {
  std::lock_guard lock(streams_mutex_);
  std::vector<std::shared_ptr<WsSession>> out;
  for (const auto& w : streams_) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

ConnectionSlot::ConnectionSlot(SessionRegistry& registry) : registry_(&registry) { registry_->connection_opened(); }

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)) {}

ConnectionSlot::~ConnectionSlot() {
  if (registry_ != nullptr) registry_->connection_closed();
}

}  // namespace dais::api

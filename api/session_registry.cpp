#include "api/session_registry.h"

#include <utility>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace dais::api {

std::size_t SessionRegistry::connections_from(const std::string& address) const {
  std::lock_guard lock(addresses_mutex_);
  const auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

void SessionRegistry::connection_opened(const std::string& address) {
  {
    std::lock_guard lock(addresses_mutex_);
    ++per_address_[address];
  }
  metrics_.set("dais_http_connections", static_cast<double>(++connections_));
}

void SessionRegistry::connection_closed(const std::string& address) {
  {
    std::lock_guard lock(addresses_mutex_);
    const auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);  // the map holds only live addresses
  }
  metrics_.set("dais_http_connections", static_cast<double>(--connections_));
}

void SessionRegistry::stream_client_opened() {
  metrics_.set("dais_ws_clients", static_cast<double>(++stream_clients_));
}

void SessionRegistry::stream_client_closed() {
  const std::size_t left = --stream_clients_;
  metrics_.set("dais_ws_clients", static_cast<double>(left));
#if defined(__GLIBC__)
  // glibc keeps freed memory in its arenas; hundreds of stream clients' buffers
  // freed at once would stay in RSS. Give it back when the last client closes,
  // and at every 64th step down, so a client that stays (a dashboard) does not
  // keep it. A trim costs a walk of the arenas: rare enough at these points.
  if (left % 64 == 0) malloc_trim(0);
#endif
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

ConnectionSlot::ConnectionSlot(SessionRegistry& registry, std::string address)
    : registry_(&registry), address_(std::move(address)) {
  registry_->connection_opened(address_);
}

ConnectionSlot::ConnectionSlot(ConnectionSlot&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), address_(std::move(other.address_)) {}

ConnectionSlot::~ConnectionSlot() {
  if (registry_ != nullptr) registry_->connection_closed(address_);
}

}  // namespace dais::api

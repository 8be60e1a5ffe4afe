#include "server/api_options.h"

namespace dais::server {

api::ServerOptions api_server_options(const config::Config& cfg) {
  api::ServerOptions o;
  o.listen = cfg.get_string("api.listen");
  o.token = cfg.get_string("api.token");
  o.max_connections = static_cast<std::size_t>(cfg.get_int("api.max_connections"));
  o.max_connections_per_address = static_cast<std::size_t>(cfg.get_int("api.max_connections_per_address"));
  o.body_limit = static_cast<std::size_t>(cfg.get_int("api.body_limit"));
  o.rate_limit = cfg.get_double("api.rate_limit");
  o.cors_origin = cfg.get_string("api.cors_origin");
  o.ws_allowed_origins = cfg.get_list("api.ws_allowed_origins");
  o.ws_queue = static_cast<std::size_t>(cfg.get_int("api.ws_queue"));
  o.ws_buffer_bytes = static_cast<std::size_t>(cfg.get_int("api.ws_buffer_bytes"));
  o.ws_behind_limit_s = static_cast<unsigned>(cfg.get_int("api.ws_behind_limit_s"));
  o.header_limit = static_cast<std::size_t>(cfg.get_int("api.header_limit"));
  o.rate_burst = cfg.get_double("api.rate_burst");
  o.header_timeout_s = static_cast<unsigned>(cfg.get_int("api.header_timeout_s"));
  o.read_timeout_s = static_cast<unsigned>(cfg.get_int("api.read_timeout_s"));
  o.keepalive_timeout_s = static_cast<unsigned>(cfg.get_int("api.keepalive_timeout_s"));
  o.ws_max_message = static_cast<std::size_t>(cfg.get_int("api.ws_max_message"));
  o.ws_idle_timeout_s = static_cast<unsigned>(cfg.get_int("api.ws_idle_timeout_s"));
  o.threads = static_cast<unsigned>(cfg.get_int("api.threads"));
  return o;
}

}  // namespace dais::server

// The API server's options from the api.* configuration keys, for daisd as a
// simulation and as a read replica alike.
// Pure function of the configuration; thread-safe. Errors: none (the keys
// were validated when the configuration was loaded).
#pragma once

#include "api/server.h"
#include "config/config.h"

namespace dais::server {

api::ServerOptions api_server_options(const config::Config& cfg);

}  // namespace dais::server

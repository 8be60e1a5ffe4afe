// A running API server on 127.0.0.1:<free port> over a TestBackend with a real
// store in a temporary directory. Tests adjust `options` through the constructor.
#pragma once

#include "api/event_hub.h"
#include "api/metrics.h"
#include "api/server.h"
#include "common/temp_dir.h"
#include "tests/api/support/clients.h"
#include "tests/api/support/test_backend.h"

namespace dais::api::testing {

inline ServerOptions test_options() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.token = "secret-token";
  o.rate_limit = 0;  // tests that need the limiter turn it on
  o.threads = 2;
  return o;
}

struct ApiFixture {
  explicit ApiFixture(ServerOptions options = test_options())
      : backend(dir.path(), &hub), server(backend, hub, metrics, std::move(options)) {
    server.start();
    port = server.port();
  }
  dais::TempDir dir;
  EventHub hub;
  Metrics metrics;
  TestBackend backend;
  Server server;
  std::uint16_t port = 0;
};

}  // namespace dais::api::testing

// libFuzzer target: the HTTP request path without sockets. The input is the
// bytes a client sends; Beast's request parser reads them with the server's
// header and body limits (as api/http_session.cpp does), and each complete
// request goes through Router::handle against a real store holding a small
// run, with the token known to the corpus so that the POST bodies are parsed.
// Anything but a crash, a sanitizer report or a leak is a pass: a malformed
// request must end in a parse error or an error response.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "api/event_hub.h"
#include "api/metrics.h"
#include "api/net.h"
#include "api/router.h"
#include "common/temp_dir.h"
#include "tests/api/support/test_backend.h"

namespace {

using namespace dais::api;

// One store for many inputs; replaced now and then so that POSTs that append
// (attacks, blacklist removals) cannot grow it without end in a long run.
struct World {
  World() : backend(std::make_unique<testing::TestBackend>(dir.path(), &hub)) {
    options.token = "secret-token";
    backend->start_run(3);
    backend->simulate_step(1, true);
    backend->simulate_step(2, false);
    router = std::make_unique<Router>(*backend, metrics, options);
  }
  dais::TempDir dir;
  EventHub hub;
  Metrics metrics;
  ServerOptions options;
  std::unique_ptr<testing::TestBackend> backend;
  std::unique_ptr<Router> router;
};

constexpr std::size_t kRenewEvery = 20000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Never destroyed at exit: the store's directory registry (eventstore/log_directory.cpp) is a
  // static that may be gone by then, so a static World's destructor would use freed memory.
  static World* world = nullptr;
  static std::size_t runs = 0;
  if (world == nullptr || ++runs % kRenewEvery == 0) {
    delete world;
    world = new World();
  }
  net::beast::string_view input(reinterpret_cast<const char*>(data), size);
  // Keep-alive: one input may hold several requests, as a connection does.
  for (int requests = 0; requests < 8 && !input.empty(); ++requests) {
    net::http::request_parser<net::http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(world->options.header_limit));
    parser.body_limit(world->options.body_limit);
    parser.eager(true);
    net::error_code ec;
    const std::size_t used = parser.put(net::asio::buffer(input.data(), input.size()), ec);
    if (ec == net::http::error::need_more) {
      parser.put_eof(ec);
    }
    if (ec || !parser.is_done()) return 0;
    input.remove_prefix(used);
    auto request = parser.release();
    HttpRequest in;
    in.method = std::string(request.method_string());
    in.target = std::string(request.target());
    in.authorization = std::string(request[net::http::field::authorization]);
    in.body = std::move(request.body());
    (void)world->router->handle(in);
    (void)Router::route_label(in.target);
    (void)Router::is_stream_path(in.target.substr(0, in.target.find('?')));
  }
  return 0;
}

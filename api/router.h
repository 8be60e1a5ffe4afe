// HTTP routing and the REST handlers, free of any networking types so they can
// be tested and compiled without Beast. The HTTP session turns a parsed request
// into an HttpRequest, calls Router::handle, and writes the HttpResponse.
//
// Every response is JSON except GET / (HTML), GET /metrics (Prometheus text) and the
// text and CSV exports (GET /v1/export/txt, /v1/export/csv), and the TAXII 2.1 routes under /taxii2/
// (application/taxii+json, api/taxii_routes.h).
// Errors are {"error": "...", ...} with the matching status; an exception in a
// handler becomes a logged 500, never escapes handle().
// Thread safety: handle() is const and safe to call from any io thread; set_token()
// may run concurrently with it (a configuration reload).
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "api/backend.h"
#include "api/metrics.h"
#include "api/server.h"

namespace dais::api {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, as received
  std::string authorization;  // the Authorization header, if any
  std::string accept;         // the Accept header, if any (the TAXII routes negotiate on it)
  std::string host;           // the Host header, if any (TAXII discovery names its API root by URL)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, Retry-After, ...)
};

HttpResponse json_response(int status, const nlohmann::json& body);
HttpResponse error_response(int status, std::string message, nlohmann::json extra = nlohmann::json::object());

class Router {
 public:
  Router(Backend& backend, Metrics& metrics, const ServerOptions& options);

  HttpResponse handle(const HttpRequest& request) const;
  // The bearer token of the control endpoints from now on (api.token reloaded); empty disables them.
  void set_token(std::string token);

  // True when `path` is the WebSocket stream route (the session upgrades it).
  static bool is_stream_path(std::string_view path);
  // A short, bounded label for metrics: the route pattern ("/v1/events/{seq}"), or "other".
  // Points to a string literal.
  static std::string_view route_label(std::string_view path);

 private:
  HttpResponse dispatch(const HttpRequest& request) const;

  Backend& backend_;
  Metrics& metrics_;
  const ServerOptions& options_;
  mutable std::mutex token_mutex_;  // guards token_, which replaces options_.token
  std::string token_;
};

}  // namespace dais::api

#include "api/router.h"

#include <array>
#include <chrono>

#include "api/dashboard_assets.h"
#include "api/openapi.h"
#include "api/query.h"
#include "api/stream_message.h"
#include "api/taxii_routes.h"
#include "api/transparency_routes.h"
#include "api/views.h"
#include "common/json_depth.h"
#include "config/logging.h"
#include "eventstore/store.h"
#include "intel/export_format.h"

namespace dais::api {

namespace {

constexpr std::uint64_t default_page = 100;
constexpr std::uint64_t max_page = 1000;
// A filtered /v1/events request scans at most this many seqs, then returns a
// cursor, so a sparse type never makes one request walk the whole log.
constexpr std::uint64_t max_scan = 100000;

bool starts_with_segment(std::string_view path, std::string_view prefix, std::string_view& rest) {
  if (!path.starts_with(prefix)) return false;
  rest = path.substr(prefix.size());
  return !rest.empty() && rest.find('/') == std::string_view::npos;
}

// Constant-time comparison, so the token cannot be guessed byte by byte from timings.
bool same_secret(std::string_view given, std::string_view secret) {
  unsigned diff = given.size() == secret.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    const char expected = i < secret.size() ? secret[i] : '\0';
    diff |= static_cast<unsigned char>(given[i] ^ expected);
  }
  return diff == 0;
}

// GET /v1/export/{format}: the bytes dais-export writes for the same log prefix (intel::render).
HttpResponse export_response(const projections::Projections& p, std::string_view format_name) {
  const auto format = intel::parse_format(format_name);
  if (!format) {
    return error_response(404, "no such export format",
                          {{"format", std::string(format_name.substr(0, 40))}, {"allowed", intel::kFormatNames}});
  }
  HttpResponse r;
  try {
    r.body = intel::render(*format, p);
  } catch (const intel::ExportError& e) {
    return error_response(409, std::string("the run cannot be exported: ") + e.what());
  }
  r.content_type = intel::content_type(*format);
  r.headers.emplace_back("X-DAIS-Export-Seq", std::to_string(p.applied_seq()));
  return r;
}

HttpResponse method_not_allowed(std::string_view allow) {
  auto r = error_response(405, "method not allowed", {{"allow", allow}});
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

std::string entries_json(const std::vector<eventstore::StoredEvent>& events) {
  std::string out = "[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += stream_message(events[i]);
  }
  return out + "]";
}

}  // namespace

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse error_response(int status, std::string message, nlohmann::json extra) {
  nlohmann::json body = extra.is_object() ? std::move(extra) : nlohmann::json::object();
  body["error"] = std::move(message);
  return json_response(status, body);
}

Router::Router(Backend& backend, Metrics& metrics, const ServerOptions& options)
    : backend_(backend), metrics_(metrics), options_(options), token_(options.token) {}

void Router::set_token(std::string token) {
  std::lock_guard lock(token_mutex_);
  token_ = std::move(token);
}

bool Router::is_stream_path(std::string_view path) { return path == "/v1/stream"; }

std::string_view Router::route_label(std::string_view path) {
  static constexpr std::array<std::string_view, 16> exact = {
      "/", "/openapi.json", "/metrics", "/v1/health", "/v1/chain", "/v1/events", "/v1/signatures", "/v1/agents",
      "/v1/blacklist", "/v1/stats", "/v1/stream", "/v1/simulation/pause", "/v1/simulation/resume",
      "/v1/simulation/step", "/v1/attacks", "/v1/blacklist/remove"};
  const std::string_view p = path.substr(0, path.find('?'));
  for (auto e : exact) {
    if (p == e) return e;
  }
  if (p.starts_with("/assets/")) return "/assets/{name}";
  if (is_taxii_path(p)) return taxii_route_label(p);
  if (const auto label = transparency_route_label(p); !label.empty()) return label;
  std::string_view rest;
  if (starts_with_segment(p, "/v1/events/", rest)) return "/v1/events/{seq}";
  if (starts_with_segment(p, "/v1/signatures/", rest)) return "/v1/signatures/{id}";
  if (starts_with_segment(p, "/v1/agents/", rest)) return "/v1/agents/{id}";
  if (starts_with_segment(p, "/v1/export/", rest)) return "/v1/export/{format}";
  return "other";
}

HttpResponse Router::handle(const HttpRequest& request) const {
  try {
    return dispatch(request);
  } catch (const BadRequest& e) {
    return error_response(400, e.what());
  } catch (const std::exception& e) {
    config::logger("api")->error("{} {} failed: {}", request.method, request.target.substr(0, 200), e.what());
    return error_response(500, "internal error", {{"detail", e.what()}});
  } catch (...) {
    config::logger("api")->error("{} {} failed with a non-standard exception", request.method,
                                 request.target.substr(0, 200));
    return error_response(500, "internal error");
  }
}

HttpResponse Router::dispatch(const HttpRequest& request) const {
  const Target target = parse_target(request.target);
  const std::string& path = target.path;
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  std::string_view rest;

  // Control endpoints: POST with a bearer token.
  const bool control = path == "/v1/simulation/pause" || path == "/v1/simulation/resume" ||
                       path == "/v1/simulation/step" || path == "/v1/attacks" || path == "/v1/blacklist/remove";
  if (control) {
    if (method != "POST") return method_not_allowed("POST");
    // A read replica changes nothing, whoever asks: the refusal names where changes go.
    if (auto refusal = backend_.refuse_changes()) return json_response(refusal->status, refusal->body);
    const std::string token = [this] {
      std::lock_guard lock(token_mutex_);
      return token_;
    }();
    if (token.empty()) return error_response(403, "control endpoints are disabled: no api.token configured");
    constexpr std::string_view scheme = "Bearer ";
    const std::string_view auth = request.authorization;
    if (!auth.starts_with(scheme) || !same_secret(auth.substr(scheme.size()), token)) {
      auto r = error_response(401, "missing or wrong bearer token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dais\"");
      return r;
    }
    ControlResult result;
    if (path == "/v1/attacks" || path == "/v1/blacklist/remove") {
      // Refused before parsing: a deeply nested tree would be copied and dumped recursively later.
      if (!json_depth_within(request.body)) {
        return error_response(400, "the JSON body nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) +
                                       " levels");
      }
      auto body = nlohmann::json::parse(request.body, nullptr, false);
      if (body.is_discarded()) return error_response(400, "malformed JSON body");
      if (!body.is_object()) return error_response(400, "the body must be a JSON object");
      result = path == "/v1/attacks" ? backend_.inject_attack(body) : backend_.remove_blacklist(body);
    } else if (path == "/v1/simulation/pause") {
      result = backend_.pause();
    } else if (path == "/v1/simulation/resume") {
      result = backend_.resume();
    } else {
      result = backend_.step_once();
    }
    return json_response(result.status, result.body);
  }

  // The dashboard (api/dashboard_assets.h): the page at "/", its bundles under "/assets/".
  if (path == "/" || path.starts_with("/assets/")) {
    if (!get) return method_not_allowed("GET, HEAD");
    const auto asset = find_dashboard_asset(path);
    if (!asset) return error_response(404, "no such asset", {{"path", path.substr(0, 200)}});
    HttpResponse r;
    r.content_type = std::string(asset->content_type);
    r.body = std::string(asset->body);
    r.headers.emplace_back("Cache-Control", std::string(asset->cache_control));
    return r;
  }

  if (is_taxii_path(path)) return taxii_response(request, target, backend_, options_);
  if (is_transparency_path(path)) {
    if (!get) return method_not_allowed("GET, HEAD");
    return transparency_response(backend_, target);
  }

  const bool known = path == "/openapi.json" || path == "/metrics" || path == "/v1/health" ||
                     path == "/v1/chain" || path == "/v1/events" || path == "/v1/signatures" ||
                     path == "/v1/agents" || path == "/v1/blacklist" || path == "/v1/stats" ||
                     is_stream_path(path) || starts_with_segment(path, "/v1/events/", rest) ||
                     starts_with_segment(path, "/v1/signatures/", rest) ||
                     starts_with_segment(path, "/v1/agents/", rest) ||
                     starts_with_segment(path, "/v1/export/", rest);
  if (!known) return error_response(404, "no such route", {{"path", path.substr(0, 200)}});
  if (!get) return method_not_allowed("GET, HEAD");

  if (path == "/openapi.json") {
    HttpResponse r;
    r.body = std::string(openapi_json());
    return r;
  }
  if (path == "/metrics") {
    HttpResponse r;
    r.content_type = Metrics::content_type;
    r.body = metrics_.render();
    return r;
  }
  if (path == "/v1/health") {
    const HealthReport h = backend_.health();
    return json_response(h.healthy ? 200 : 503,
                         {{"status", h.healthy ? "ok" : "unhealthy"}, {"components", h.components}});
  }
  if (is_stream_path(path)) return error_response(400, "this route is a WebSocket stream: send an Upgrade request");

  const eventstore::Store& store = backend_.store();
  if (path == "/v1/chain") {  // the hottest route: built without a JSON tree
    const eventstore::Head head = store.head();
    HttpResponse r;
    r.body = "{\"count\":" + std::to_string(head.count) + ",\"head_hash\":\"" + to_hex(head.hash) +
             "\",\"head_seq\":" + (head.empty() ? std::string("null") : std::to_string(head.seq())) + "}";
    return r;
  }
  if (path == "/v1/events") {
    const std::uint64_t from = uint_param(target, "from", 0, 0, UINT64_MAX - 1);
    const std::uint64_t limit = uint_param(target, "limit", default_page, 1, max_page);
    TypeFilter filter;
    if (const auto it = target.params.find("type"); it != target.params.end()) {
      try {
        filter = parse_type_filter(it->second);
      } catch (const std::invalid_argument& e) {
        throw BadRequest(std::string("query parameter 'type': ") + e.what());
      }
    }
    std::vector<eventstore::StoredEvent> page;
    std::uint64_t next = from;
    if (filter.empty()) {
      page = store.read_range(from, limit);
      if (!page.empty()) next = page.back().seq + 1;
    } else {
      std::uint64_t scanned = 0;
      store.scan(from, [&](const eventstore::StoredEvent& e) {
        next = e.seq + 1;
        ++scanned;
        if (filter.accepts(e.type)) page.push_back(e);
        return page.size() < limit && scanned < max_scan;
      });
    }
    const eventstore::Head head = store.head();
    std::string body = "{\"events\":" + entries_json(page) + ",\"next\":" + std::to_string(next) +
                       ",\"has_more\":" + (head.count > next ? "true" : "false") + ",\"count\":" +
                       std::to_string(head.count) + "}";
    HttpResponse r;
    r.body = std::move(body);
    return r;
  }
  if (starts_with_segment(path, "/v1/events/", rest)) {
    const auto seq = parse_uint(rest);
    if (!seq) return error_response(400, "event seq must be a non-negative integer", {{"seq", std::string(rest.substr(0, 40))}});
    const auto e = store.get(*seq);
    if (!e) return error_response(404, "no event with this seq", {{"seq", *seq}, {"count", store.head().count}});
    HttpResponse r;
    r.body = stream_message(*e);
    return r;
  }

  const auto snapshot = backend_.projections();
  if (!snapshot) return error_response(503, "projections are not available yet");
  const projections::Projections& p = *snapshot;
  if (path == "/v1/signatures") return json_response(200, views::signatures(p, target));
  if (starts_with_segment(path, "/v1/signatures/", rest)) {
    auto s = views::signature(p, rest);
    if (!s) return error_response(404, "no signature with this id", {{"id", std::string(rest.substr(0, 80))}});
    return json_response(200, *s);
  }
  if (path == "/v1/agents") return json_response(200, views::agents(p));
  if (starts_with_segment(path, "/v1/agents/", rest)) {
    const auto id = parse_uint(rest);
    if (!id) return error_response(400, "agent id must be a non-negative integer", {{"id", std::string(rest.substr(0, 40))}});
    auto a = views::agent(p, *id);
    if (!a) return error_response(404, "no agent with this id", {{"id", *id}});
    return json_response(200, *a);
  }
  if (path == "/v1/blacklist") return json_response(200, views::blacklist(p));
  if (starts_with_segment(path, "/v1/export/", rest)) return export_response(p, rest);
  return json_response(200, views::stats(p));  // /v1/stats
}

}  // namespace dais::api

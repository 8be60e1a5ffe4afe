#include "api/taxii_routes.h"

#include <algorithm>
#include <vector>

#include "intel/taxii.h"
#include "projections/projections.h"

namespace dais::api {

namespace {

namespace taxii = intel::taxii;
using nlohmann::json;

HttpResponse taxii_json(int status, const json& body) {
  auto r = json_response(status, body);
  r.content_type = taxii::kMediaType;
  return r;
}

HttpResponse taxii_error(int status, const std::string& title, const std::string& description = {}) {
  return taxii_json(status, taxii::error_message(status, title, description));
}

// The path below "/taxii2/" split at '/', without empty segments (a missing trailing slash is tolerated).
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(std::min(path.size(), std::string_view("/taxii2").size()));
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// The API root's absolute URL from the Host header when it looks like a host (the spec asks for URLs;
// TAXII clients resolve them), else the path alone.
std::string api_root_url(const std::string& host) {
  const bool plain = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']';
  });
  const std::string path = "/taxii2/" + std::string(kTaxiiApiRoot) + "/";
  return plain ? "http://" + host + path : path;
}

HttpResponse page_response(const json& body, const taxii::Page& page) {
  auto r = taxii_json(200, body);
  if (!page.items.empty()) {
    r.headers.emplace_back("X-TAXII-Date-Added-First", page.items.front()->date_added);
    r.headers.emplace_back("X-TAXII-Date-Added-Last", page.items.back()->date_added);
  }
  // The position of the last object served, also when there is no more yet: a client polling a live
  // run resumes from it exactly (added_after cannot tell apart objects that share a date_added).
  if (!page.items.empty()) {
    const auto* last = page.items.back();
    r.headers.emplace_back("X-DAIS-Next", taxii::format_cursor({last->added_seq, last->ordinal}));
  }
  return r;
}

}  // namespace

bool is_taxii_path(std::string_view path) { return path == "/taxii2" || path.starts_with("/taxii2/"); }

std::string_view taxii_route_label(std::string_view path) {
  const auto s = segments(path.substr(0, path.find('?')));
  if (s.empty()) return "/taxii2/";
  if (s.size() == 1) return "/taxii2/{api_root}/";
  if (s[1] != "collections") return "other";
  if (s.size() == 2) return "/taxii2/{api_root}/collections/";
  if (s.size() == 3) return "/taxii2/{api_root}/collections/{id}/";
  if (s.size() == 4 && s[3] == "objects") return "/taxii2/{api_root}/collections/{id}/objects/";
  if (s.size() == 4 && s[3] == "manifest") return "/taxii2/{api_root}/collections/{id}/manifest/";
  if (s.size() == 5 && s[3] == "objects") return "/taxii2/{api_root}/collections/{id}/objects/{object_id}/";
  if (s.size() == 6 && s[3] == "objects" && s[5] == "versions") {
    return "/taxii2/{api_root}/collections/{id}/objects/{object_id}/versions/";
  }
  return "other";
}

HttpResponse taxii_response(const HttpRequest& request, const Target& target, const Backend& backend,
                            const ServerOptions& options) {
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = taxii_error(405, "method not allowed", "the TAXII collections here are read-only: use GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (!taxii::accepts_taxii(request.accept)) {
    return taxii_error(406, "not acceptable",
                       "this server answers with " + std::string(taxii::kMediaType) +
                           "; the Accept header does not allow it: " + request.accept.substr(0, 200));
  }
  const auto s = segments(target.path);
  const auto not_found = [&] {
    return taxii_error(404, "not found", "no TAXII resource at " + target.path.substr(0, 200));
  };
  if (s.empty()) return taxii_json(200, taxii::discovery(api_root_url(request.host)));
  if (s[0] != kTaxiiApiRoot) return not_found();
  if (s.size() == 1) return taxii_json(200, taxii::api_root(options.body_limit));
  if (s[1] != "collections" || s.size() > 6) return not_found();

  const auto snapshot = backend.projections();
  if (!snapshot) return taxii_error(503, "service unavailable", "projections are not available yet");
  const projections::Projections& p = *snapshot;
  // An empty log has no run, hence no collection.
  const bool has_run = p.next_seq() > 0 && !p.run_hash().empty();
  if (s.size() == 2) {
    json body = json::object();
    if (has_run) body["collections"] = json::array({taxii::collection(p.run_hash())});
    return taxii_json(200, body);
  }
  if (!has_run || s[2] != taxii::collection_id(p.run_hash())) {
    return taxii_error(404, "collection not found", "no collection with id " + std::string(s[2].substr(0, 80)));
  }
  if (s.size() == 3) return taxii_json(200, taxii::collection(p.run_hash()));

  taxii::Endpoint endpoint;
  if (s.size() == 4 && s[3] == "objects") {
    endpoint = taxii::Endpoint::objects;
  } else if (s.size() == 4 && s[3] == "manifest") {
    endpoint = taxii::Endpoint::manifest;
  } else if (s.size() == 5 && s[3] == "objects") {
    endpoint = taxii::Endpoint::object;
  } else if (s.size() == 6 && s[3] == "objects" && s[5] == "versions") {
    endpoint = taxii::Endpoint::versions;
  } else {
    return not_found();
  }
  taxii::Query query;
  try {
    query = taxii::parse_query(target.params, endpoint);
  } catch (const taxii::QueryError& e) {
    return taxii_error(400, "bad request", e.what());
  }
  std::vector<taxii::Entry> feed;
  try {
    feed = taxii::feed(intel::threat_list(p));
  } catch (const intel::ExportError& e) {
    return taxii_error(409, "the run cannot be exported", e.what());
  }
  std::optional<std::string_view> object_id;
  if (endpoint == taxii::Endpoint::object || endpoint == taxii::Endpoint::versions) {
    object_id = s[4];
    const bool known = std::any_of(feed.begin(), feed.end(), [&](const taxii::Entry& e) { return e.id == s[4]; });
    if (!known) return taxii_error(404, "object not found", "no object with id " + std::string(s[4].substr(0, 80)));
  }
  const auto page = taxii::select(feed, query, object_id);
  switch (endpoint) {
    case taxii::Endpoint::manifest: return page_response(taxii::manifest(page), page);
    case taxii::Endpoint::versions: return page_response(taxii::versions(page), page);
    default: return page_response(taxii::envelope(page), page);
  }
}

}  // namespace dais::api

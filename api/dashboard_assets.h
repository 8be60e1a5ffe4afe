// The dashboard's files (index.html and its hashed app.*.js / app.*.css), built
// from api/dashboard/ at build time and embedded into the binary, so daisd
// serves the dashboard with no file or network access at run time.
//
// find_dashboard_asset maps a request path to a file: "/" and "/index.html" to
// the page, "/assets/<name>" to a bundle the page references. Anything else,
// including paths with "..", query strings or unknown names, gives nullopt.
// The views point into static storage and live as long as the program.
// Thread safety: pure lookups over immutable data; safe from any thread.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace dais::api {

struct DashboardAsset {
  std::string_view content_type;   // e.g. "text/html; charset=utf-8"
  std::string_view body;
  // The page must be revalidated ("no-cache"); the bundles carry a content hash
  // in their names and may be cached forever ("public, max-age=31536000, immutable").
  std::string_view cache_control;
};

std::optional<DashboardAsset> find_dashboard_asset(std::string_view path);

// Every path find_dashboard_asset answers, sorted ("/" first).
std::vector<std::string_view> dashboard_asset_paths();

}  // namespace dais::api

#include "api/dashboard_assets.h"

#include <algorithm>
#include <string>

#include "api/dashboard/embedded_files.h"

namespace dais::api {

namespace {

constexpr std::string_view assets_prefix = "/assets/";
constexpr std::string_view index_name = "index.html";

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".svg")) return "image/svg+xml";
  if (name.ends_with(".png")) return "image/png";
  return "application/octet-stream";
}

const dashboard::EmbeddedFile* find_file(std::string_view name) {
  const auto* begin = dashboard::embedded_files;
  const auto* end = begin + dashboard::embedded_file_count;
  const auto* it = std::find_if(begin, end, [&](const dashboard::EmbeddedFile& f) { return f.name == name; });
  return it == end ? nullptr : it;
}

}  // namespace

std::optional<DashboardAsset> find_dashboard_asset(std::string_view path) {
  std::string_view name;
  if (path == "/" || path == "/index.html") {
    name = index_name;
  } else if (path.starts_with(assets_prefix)) {
    name = path.substr(assets_prefix.size());
    // The page is served at "/" only; embedded names never contain '/'.
    if (name == index_name || name.find('/') != std::string_view::npos) return std::nullopt;
  } else {
    return std::nullopt;
  }
  const auto* file = find_file(name);
  if (!file) return std::nullopt;
  const bool page = name == index_name;
  return DashboardAsset{content_type_of(name), file->bytes,
                        page ? "no-cache" : "public, max-age=31536000, immutable"};
}

std::vector<std::string_view> dashboard_asset_paths() {
  std::vector<std::string_view> paths;
  static const std::vector<std::string> asset_paths = [] {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < dashboard::embedded_file_count; ++i) {
      const auto name = dashboard::embedded_files[i].name;
      if (name != index_name) out.push_back(std::string(assets_prefix) + std::string(name));
    }
    return out;
  }();
  if (find_file(index_name)) paths.push_back("/");
  paths.insert(paths.end(), asset_paths.begin(), asset_paths.end());
  return paths;
}

}  // namespace dais::api

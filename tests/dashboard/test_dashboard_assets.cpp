// The embedded dashboard: the page and every bundle it references are served
// with the right content type and cache policy, byte for byte as built; any
// other path (unknown names, traversal, the page under /assets/) is not.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "api/dashboard_assets.h"

using dais::api::dashboard_asset_paths;
using dais::api::find_dashboard_asset;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("the page is served at / and names only bundles that are embedded") {
  const auto page = find_dashboard_asset("/");
  REQUIRE(page);
  CHECK(page->content_type == "text/html; charset=utf-8");
  CHECK(page->cache_control == "no-cache");
  const std::string html(page->body);
  CHECK(html.starts_with("<!doctype html>"));
  CHECK(html.find("{{") == std::string::npos);
  CHECK(html.find("/v1/stats") != std::string::npos);  // the no-script fallback links the JSON views
  CHECK(find_dashboard_asset("/index.html")->body == page->body);

  const std::regex reference(R"re((?:src|href)="(/assets/[^"]+)")re");
  int scripts = 0, styles = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), reference), end; it != end; ++it) {
    const std::string path = (*it)[1];
    const auto asset = find_dashboard_asset(path);
    REQUIRE_MESSAGE(asset, path);
    CHECK(asset->cache_control == "public, max-age=31536000, immutable");
    CHECK(asset->body.size() > 100);
    if (path.ends_with(".js")) {
      ++scripts;
      CHECK(asset->content_type == "text/javascript; charset=utf-8");
    } else if (path.ends_with(".css")) {
      ++styles;
      CHECK(asset->content_type == "text/css; charset=utf-8");
    }
  }
  CHECK(scripts == 1);
  CHECK(styles == 1);
}

TEST_CASE("embedded bytes equal the built files, and every path is listed") {
  const std::filesystem::path dist = DAIS_DASHBOARD_DIST_DIR;
  const auto paths = dashboard_asset_paths();
  REQUIRE(paths.size() == 3);
  CHECK(paths.front() == "/");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dist)) {
    const std::string name = entry.path().filename().string();
    const std::string path = name == "index.html" ? "/" : "/assets/" + name;
    const auto asset = find_dashboard_asset(path);
    REQUIRE_MESSAGE(asset, path);
    CHECK_MESSAGE(asset->body == read_file(entry.path()), path);
    CHECK(std::find(paths.begin(), paths.end(), path) != paths.end());
    ++files;
  }
  CHECK(files == paths.size());
}

TEST_CASE("anything else is not a dashboard asset") {
  for (const char* path : {"", "/assets/", "/assets/index.html", "/assets/../index.html", "/assets/app.js",
                           "/assets/nope.css", "/assets/a/b.js", "/index.htm", "/v1/stats", "assets/x", "/?x=1",
                           "//", "/assets//"}) {
    CHECK_MESSAGE(!find_dashboard_asset(path), path);
  }
  // A real asset name with a suffix or a query is not the asset.
  const auto paths = dashboard_asset_paths();
  for (const auto& path : paths) {
    if (path == "/") continue;
    CHECK(!find_dashboard_asset(std::string(path) + "x"));
    CHECK(!find_dashboard_asset(std::string(path) + "?v=1"));
    CHECK(!find_dashboard_asset(std::string(path) + "/"));
  }
}

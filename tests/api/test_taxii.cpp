// The TAXII 2.1 routes over loopback: discovery, API root, collections, objects with paging, manifest,
// one object and its versions; content negotiation (406), media type, the X-TAXII-Date-Added headers,
// errors as TAXII error messages, and the same objects the STIX export holds.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/api/support/fixture.h"

using namespace dais::api;
using namespace dais::api::testing;
using nlohmann::json;

namespace {

constexpr const char* kTaxii = "application/taxii+json;version=2.1";

HttpResult taxii_get(HttpClient& c, const std::string& target, const std::string& accept = kTaxii) {
  return c.request("GET", target, {}, {{"Accept", accept}});
}

std::string collection_path(HttpClient& c) {
  const auto r = taxii_get(c, "/taxii2/dais/collections/");
  REQUIRE(r.status == 200);
  const auto body = r.json();
  REQUIRE(body["collections"].size() == 1);
  return "/taxii2/dais/collections/" + body["collections"][0]["id"].get<std::string>() + "/";
}

}  // namespace

TEST_CASE("TAXII discovery, API root and collections") {
  ApiFixture f;
  HttpClient c(f.port);
  const auto discovery = taxii_get(c, "/taxii2/");
  REQUIRE(discovery.status == 200);
  CHECK(discovery.header("content-type") == kTaxii);
  CHECK(discovery.json()["api_roots"] == json::array({"http://127.0.0.1/taxii2/dais/"}));
  CHECK(discovery.json()["default"] == "http://127.0.0.1/taxii2/dais/");
  const auto root = taxii_get(c, "/taxii2/dais/");
  REQUIRE(root.status == 200);
  CHECK(root.json()["versions"] == json::array({kTaxii}));
  CHECK(root.json()["max_content_length"] == test_options().body_limit);
  // No run yet: no collection.
  CHECK(taxii_get(c, "/taxii2/dais/collections/").json() == json::object());
  f.backend.start_run(4);
  const auto path = collection_path(c);
  const auto collection = taxii_get(c, path);
  REQUIRE(collection.status == 200);
  CHECK(collection.json()["can_read"] == true);
  CHECK(collection.json()["can_write"] == false);
  CHECK(collection.json()["media_types"] == json::array({"application/stix+json;version=2.1"}));
  CHECK(taxii_get(c, "/taxii2/dais").status == 200);  // a missing trailing slash is tolerated
  const auto doc = c.get("/openapi.json").json();
  for (const char* p : {"/taxii2/", "/taxii2/dais/", "/taxii2/dais/collections/", "/taxii2/dais/collections/{id}/",
                        "/taxii2/dais/collections/{id}/objects/", "/taxii2/dais/collections/{id}/manifest/",
                        "/taxii2/dais/collections/{id}/objects/{object_id}/",
                        "/taxii2/dais/collections/{id}/objects/{object_id}/versions/"}) {
    CHECK_MESSAGE(doc["paths"].contains(p), p);
  }
  // Metrics label TAXII requests by route pattern, never by the (unbounded) ids in the path.
  taxii_get(c, path + "objects/");
  const auto metrics = c.get("/metrics").body;
  CHECK(metrics.find("route=\"/taxii2/{api_root}/collections/{id}/objects/\"") != std::string::npos);
  CHECK(metrics.find(path) == std::string::npos);
}

TEST_CASE("TAXII objects page with next and carry the date-added headers; the objects are the STIX export's") {
  ApiFixture f;
  f.backend.start_run(4);
  for (std::uint64_t s = 1; s <= 6; ++s) f.backend.simulate_step(s, s % 3 != 0);  // 4 accepted
  HttpClient c(f.port);
  const auto path = collection_path(c);
  std::vector<json> objects;
  std::string next;
  for (int pages = 0; pages < 20; ++pages) {
    const auto r = taxii_get(c, path + "objects/?limit=2&match[version]=all" + (next.empty() ? "" : "&next=" + next));
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == kTaxii);
    const auto envelope = r.json();
    REQUIRE(envelope["objects"].size() >= 1);
    CHECK_FALSE(r.header("x-taxii-date-added-first").empty());
    CHECK(r.header("x-taxii-date-added-first") <= r.header("x-taxii-date-added-last"));
    for (const auto& o : envelope["objects"]) objects.push_back(o);
    if (!envelope["more"].get<bool>()) {
      CHECK_FALSE(envelope.contains("next"));
      break;
    }
    next = envelope["next"].get<std::string>();
    CHECK(r.header("x-dais-next") == next);
  }
  const auto bundle = json::parse(c.get("/v1/export/stix").body);
  std::multiset<std::string> paged, exported;
  for (const auto& o : objects) paged.insert(o.dump());
  for (const auto& o : bundle["objects"]) exported.insert(o.dump());
  CHECK(paged == exported);
  CHECK(objects.size() == 1 + 4);

  // Manifest, one object, its versions.
  const auto manifest = taxii_get(c, path + "manifest/?match[type]=indicator");
  REQUIRE(manifest.status == 200);
  const auto records = manifest.json()["objects"];
  REQUIRE(records.size() == 4);
  CHECK(records[0]["media_type"] == "application/stix+json;version=2.1");
  const auto id = records[0]["id"].get<std::string>();
  const auto one = taxii_get(c, path + "objects/" + id + "/");
  REQUIRE(one.status == 200);
  CHECK(one.json()["objects"][0]["id"] == id);
  const auto versions = taxii_get(c, path + "objects/" + id + "/versions/");
  REQUIRE(versions.status == 200);
  CHECK(versions.json()["versions"] == json::array({records[0]["version"]}));
  CHECK(taxii_get(c, path + "objects/?match[id]=" + id).json()["objects"].size() == 1);
  // added_after past the last object: an empty envelope, no date headers.
  const auto last = taxii_get(c, path + "objects/").header("x-taxii-date-added-last");
  const auto after = taxii_get(c, path + "objects/?added_after=" + last);
  CHECK(after.json() == json{{"more", false}});
  CHECK(after.header("x-taxii-date-added-first").empty());
}

TEST_CASE("TAXII errors: 406 for another media type, 404, 400, 405, each a TAXII error message") {
  ApiFixture f;
  f.backend.start_run(4);
  f.backend.simulate_step(1, true);
  HttpClient c(f.port);
  const auto path = collection_path(c);
  const auto check_error = [](const HttpResult& r, int status) {
    CHECK(r.status == status);
    CHECK(r.header("content-type") == kTaxii);
    const auto body = r.json();
    CHECK(body["http_status"] == std::to_string(status));
    CHECK(body.contains("title"));
  };
  check_error(taxii_get(c, "/taxii2/", "application/json"), 406);
  check_error(taxii_get(c, path + "objects/", "application/taxii+json;version=2.0"), 406);
  CHECK(taxii_get(c, "/taxii2/", "*/*").status == 200);
  check_error(taxii_get(c, "/taxii2/other/"), 404);
  check_error(taxii_get(c, "/taxii2/dais/collections/00000000-0000-0000-0000-000000000000/"), 404);
  check_error(taxii_get(c, path + "objects/indicator--00000000-0000-0000-0000-000000000000/"), 404);
  check_error(taxii_get(c, path + "objects/indicator--00000000-0000-0000-0000-000000000000/versions/"), 404);
  check_error(taxii_get(c, path + "nothing/"), 404);
  check_error(taxii_get(c, path + "objects/?limit=0"), 400);
  check_error(taxii_get(c, path + "objects/?next=garbage"), 400);
  check_error(taxii_get(c, path + "objects/?added_after=yesterday"), 400);
  const auto post = c.request("POST", path + "objects/", "{}", {{"Accept", kTaxii}});
  check_error(post, 405);
  CHECK(post.header("allow") == "GET, HEAD");
  // Nothing was lost: the collection still serves its objects.
  CHECK(taxii_get(c, path + "objects/").json()["objects"].size() == 2);
}

// TAXII 2.1 resources (OASIS TAXII 2.1, read-only) for the run's STIX objects, free of HTTP so they can be
// tested without a server: the discovery, API root, collection(s), envelope, manifest and versions
// resources, the objects' date_added, and the filter/paging query (added_after, limit, next, match[id],
// match[type], match[version], match[spec_version]).
// The feed is every STIX object version (stix_versions) ordered by the log event that added it, then by
// its place in the STIX export: (added_seq, ordinal). A version with added_seq <= the folded seq never
// changes and later versions always come after it, so `next` (the position of the last object served)
// pages exactly: every version once, none missed, while the run keeps appending.
// date_added is the simulated time of that event's step (ExportClock), so many objects share one; see
// docs/API.md "TAXII 2.1" for how added_after compares.
// Pure functions; thread-safe. Errors: QueryError (message names the parameter) for a malformed query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "intel/threat_list.h"

namespace dais::intel::taxii {

inline constexpr const char* kMediaType = "application/taxii+json;version=2.1";
inline constexpr const char* kStixMediaType = "application/stix+json;version=2.1";
inline constexpr std::size_t kDefaultLimit = 100;
inline constexpr std::size_t kMaxLimit = 1000;  // a larger `limit` is lowered to this (the spec allows fewer)

class QueryError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// True when an Accept header admits application/taxii+json;version=2.1: absent/empty, */*, application/*,
// application/taxii+json without a version or with version=2.1; a range with q=0 admits nothing.
bool accepts_taxii(std::string_view accept);

// The collection id of the run whose seq 0 has stored hash `run_hash`: the plain UUIDv5 (no type
// prefix; TAXII collection ids are bare UUIDs) of "taxii-collection/<run hash>".
std::string collection_id(const std::string& run_hash);

nlohmann::json discovery(const std::string& api_root_url);
nlohmann::json api_root(std::size_t max_content_length);
// The collection resource of the run.
nlohmann::json collection(const std::string& run_hash);

struct Entry {
  nlohmann::json object;
  std::string id, type, version;  // version = the object's `modified`
  std::string date_added;
  std::uint64_t added_seq = 0;
  std::uint32_t ordinal = 0;  // among the versions added by the same seq, in export order
};

// Every object version of `list` in feed order.
std::vector<Entry> feed(const ThreatList& list, const ExportClock& clock = {});

struct Cursor {
  std::uint64_t seq = 0;
  std::uint32_t ordinal = 0;
  auto operator<=>(const Cursor&) const = default;
};
std::string format_cursor(const Cursor& cursor);  // "<seq>-<ordinal>"
std::optional<Cursor> parse_cursor(std::string_view text);

// An RFC 3339 UTC timestamp ("2020-01-01T00:01:00Z", any number of fraction digits) as nanoseconds since
// 1970 (sub-nanosecond digits round up, so "after" stays exact); nullopt when malformed.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

enum class Endpoint { objects, manifest, object, versions };

struct Query {
  std::optional<std::int64_t> added_after;  // ns since 1970
  std::size_t limit = kDefaultLimit;
  std::optional<Cursor> next;
  std::set<std::string> ids, types, spec_versions;  // empty = any (spec_versions: any is the latest, 2.1)
  bool all_versions = false, first = false, last = true;
  std::set<std::int64_t> versions;  // explicit `modified` timestamps, ns
};

// Parses the query parameters an endpoint accepts (decoded; a repeated key's last value): objects and
// manifest take every filter; object/{id} all but match[id] and match[type]; versions takes added_after,
// limit, next and match[spec_version] and always lists all versions. Unknown parameters are ignored, as
// the spec asks. Throws QueryError naming the parameter for a malformed value.
Query parse_query(const std::map<std::string, std::string>& params, Endpoint endpoint);

struct Page {
  std::vector<const Entry*> items;
  bool more = false;
  std::optional<Cursor> next;  // with more: where the next request starts
};

// The page of `entries` (feed order) matching `query`; `object_id` restricts to one object.
Page select(const std::vector<Entry>& entries, const Query& query, std::optional<std::string_view> object_id = {});

nlohmann::json envelope(const Page& page);
nlohmann::json manifest(const Page& page);
nlohmann::json versions(const Page& page);
// The TAXII error message resource: title, description, http_status (a string, as the spec types it).
nlohmann::json error_message(int http_status, const std::string& title, const std::string& description = {});

}  // namespace dais::intel::taxii

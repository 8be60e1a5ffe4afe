#include "intel/taxii.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include "intel/stix.h"
#include "intel/uuid5.h"

namespace dais::intel::taxii {

namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(separator);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// One media range of an Accept header admits TAXII 2.1.
bool range_admits(std::string_view range) {
  auto parts = split(range, ';');
  const auto type = lower(trim(parts[0]));
  std::optional<std::string> version;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto param = trim(parts[i]);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = lower(trim(param.substr(0, eq)));
    auto value = std::string(trim(param.substr(eq + 1)));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (name == "q") {
      // q=0 (0, 0.0, 0.000) refuses the range.
      if (!value.empty() && value.find_first_not_of("0.") == std::string::npos) return false;
    } else if (name == "version") {
      version = value;
    }
  }
  if (type == "*/*" || type == "application/*") return true;
  return type == "application/taxii+json" && (!version || *version == "2.1");
}

std::set<std::string> comma_set(const std::string& value) {
  std::set<std::string> out;
  for (auto item : split(value, ',')) {
    if (!trim(item).empty()) out.insert(std::string(trim(item)));
  }
  return out;
}

const std::string* param(const std::map<std::string, std::string>& params, const char* name) {
  const auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

bool accepts_taxii(std::string_view accept) {
  if (trim(accept).empty()) return true;
  for (auto range : split(accept, ',')) {
    if (range_admits(range)) return true;
  }
  return false;
}

std::string collection_id(const std::string& run_hash) {
  return uuid5(kExportNamespace, "taxii-collection/" + run_hash);
}

json discovery(const std::string& api_root_url) {
  return {{"title", "DAIS TAXII server"},
          {"description", "SIMULATED threat intelligence: the signatures a DAIS simulation run accepted by consensus. "
                          "Read-only; not observed on a real network."},
          {"default", api_root_url},
          {"api_roots", json::array({api_root_url})}};
}

json api_root(std::size_t max_content_length) {
  return {{"title", "DAIS"},
          {"description", "One read-only collection per served run: its accepted signatures as STIX 2.1 indicators "
                          "(labelled simulated)."},
          {"versions", json::array({kMediaType})},
          {"max_content_length", max_content_length}};
}

json collection(const std::string& run_hash) {
  return {{"id", collection_id(run_hash)},
          {"title", "DAIS run " + run_hash.substr(0, 16)},
          {"description", "SIMULATED: the STIX 2.1 objects of the DAIS run whose log starts with the event of "
                          "SHA-256 " + run_hash + ". Do not block real traffic on them."},
          {"can_read", true},
          {"can_write", false},
          {"media_types", json::array({kStixMediaType})}};
}

std::vector<Entry> feed(const ThreatList& list, const ExportClock& clock) {
  auto versions = stix_versions(list, clock);
  // Feed order: by the adding event, then export order (a stable sort keeps it).
  std::stable_sort(versions.begin(), versions.end(),
                   [](const StixVersion& a, const StixVersion& b) { return a.added_seq < b.added_seq; });
  std::vector<Entry> out;
  out.reserve(versions.size());
  for (auto& v : versions) {
    Entry e;
    e.id = v.object.at("id").get<std::string>();
    e.type = v.object.at("type").get<std::string>();
    e.version = v.object.at("modified").get<std::string>();
    e.date_added = step_timestamp(clock, v.added_step);
    e.added_seq = v.added_seq;
    e.ordinal = !out.empty() && out.back().added_seq == v.added_seq ? out.back().ordinal + 1 : 0;
    e.object = std::move(v.object);
    out.push_back(std::move(e));
  }
  return out;
}

std::string format_cursor(const Cursor& cursor) {
  return std::to_string(cursor.seq) + "-" + std::to_string(cursor.ordinal);
}

std::optional<Cursor> parse_cursor(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos || dash > 20 || text.size() - dash - 1 > 10) return std::nullopt;
  const auto seq = text.substr(0, dash), ordinal = text.substr(dash + 1);
  if (!digits(seq) || !digits(ordinal)) return std::nullopt;
  Cursor c;
  if (std::from_chars(seq.data(), seq.data() + seq.size(), c.seq).ec != std::errc{}) return std::nullopt;
  if (std::from_chars(ordinal.data(), ordinal.data() + ordinal.size(), c.ordinal).ec != std::errc{}) {
    return std::nullopt;
  }
  return c;
}

std::optional<std::int64_t> parse_timestamp(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.f+]Z
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  const auto year = t.substr(0, 4), month = t.substr(5, 2), day = t.substr(8, 2), hour = t.substr(11, 2),
             minute = t.substr(14, 2), second = t.substr(17, 2);
  for (auto part : {year, month, day, hour, minute, second}) {
    if (!digits(part)) return std::nullopt;
  }
  auto rest = t.substr(19);
  std::int64_t nanos = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    const auto fraction = rest.substr(0, n);
    for (std::size_t i = 0; i < 9; ++i) nanos = nanos * 10 + (i < n ? fraction[i] - '0' : 0);
    if (n > 9 && fraction.substr(9).find_first_not_of('0') != std::string_view::npos) ++nanos;
    rest.remove_prefix(n);
  }
  if (rest != "Z" && rest != "z") return std::nullopt;
  std::tm tm{};
  tm.tm_year = number(year) - 1900;
  tm.tm_mon = number(month) - 1;
  tm.tm_mday = number(day);
  tm.tm_hour = number(hour);
  tm.tm_min = number(minute);
  tm.tm_sec = number(second);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  const std::int64_t seconds = timegm(&tm);
  return seconds * 1'000'000'000 + nanos;
}

Query parse_query(const std::map<std::string, std::string>& params, Endpoint endpoint) {
  Query q;
  if (const auto* v = param(params, "added_after")) {
    q.added_after = parse_timestamp(*v);
    if (!q.added_after) throw QueryError("query parameter 'added_after': not an RFC 3339 UTC timestamp");
  }
  if (const auto* v = param(params, "limit")) {
    std::size_t limit = 0;
    if (!digits(*v) || v->size() > 12 ||
        std::from_chars(v->data(), v->data() + v->size(), limit).ec != std::errc{} || limit == 0) {
      throw QueryError("query parameter 'limit': must be a positive integer");
    }
    q.limit = std::min(limit, kMaxLimit);
  }
  if (const auto* v = param(params, "next")) {
    q.next = parse_cursor(*v);
    if (!q.next) throw QueryError("query parameter 'next': not a cursor this server returned");
  }
  if (const auto* v = param(params, "match[spec_version]")) q.spec_versions = comma_set(*v);
  if (endpoint == Endpoint::versions) {
    q.last = false;
    q.all_versions = true;
    return q;
  }
  if (endpoint == Endpoint::objects || endpoint == Endpoint::manifest) {
    if (const auto* v = param(params, "match[id]")) q.ids = comma_set(*v);
    if (const auto* v = param(params, "match[type]")) q.types = comma_set(*v);
  }
  if (const auto* v = param(params, "match[version]")) {
    q.last = false;
    for (const auto& item : comma_set(*v)) {
      if (item == "all") {
        q.all_versions = true;
      } else if (item == "first") {
        q.first = true;
      } else if (item == "last") {
        q.last = true;
      } else if (const auto ts = parse_timestamp(item)) {
        q.versions.insert(*ts);
      } else {
        throw QueryError("query parameter 'match[version]': '" + item.substr(0, 40) +
                         "' is not all, first, last or a timestamp");
      }
    }
    if (!q.all_versions && !q.first && !q.last && q.versions.empty()) {
      throw QueryError("query parameter 'match[version]': empty");
    }
  }
  return q;
}

Page select(const std::vector<Entry>& entries, const Query& query, std::optional<std::string_view> object_id) {
  // The first and last version of each object in this feed (objects are versioned in feed order).
  std::map<std::string_view, std::pair<const Entry*, const Entry*>> span;
  if (!query.all_versions && (query.first || query.last)) {
    for (const auto& e : entries) {
      auto [it, inserted] = span.try_emplace(e.id, &e, &e);
      if (!inserted) it->second.second = &e;
    }
  }
  const auto matches = [&](const Entry& e) {
    if (object_id && e.id != *object_id) return false;
    if (!query.ids.empty() && !query.ids.contains(e.id)) return false;
    if (!query.types.empty() && !query.types.contains(e.type)) return false;
    if (!query.spec_versions.empty() && !query.spec_versions.contains("2.1")) return false;
    if (query.added_after && *parse_timestamp(e.date_added) <= *query.added_after) return false;
    if (query.all_versions) return true;
    if (query.first && span.at(e.id).first == &e) return true;
    if (query.last && span.at(e.id).second == &e) return true;
    return !query.versions.empty() && query.versions.contains(*parse_timestamp(e.version));
  };
  Page page;
  for (const auto& e : entries) {
    if (query.next && Cursor{e.added_seq, e.ordinal} <= *query.next) continue;
    if (!matches(e)) continue;
    if (page.items.size() == query.limit) {
      page.more = true;
      const auto* last = page.items.back();
      page.next = Cursor{last->added_seq, last->ordinal};
      break;
    }
    page.items.push_back(&e);
  }
  return page;
}

json envelope(const Page& page) {
  json j = {{"more", page.more}};
  if (page.next) j["next"] = format_cursor(*page.next);
  if (!page.items.empty()) {
    json objects = json::array();
    for (const auto* e : page.items) objects.push_back(e->object);
    j["objects"] = std::move(objects);
  }
  return j;
}

// The manifest and versions resources have no `next` property in TAXII 2.1: their cursor travels in the
// X-DAIS-Next response header (api/taxii_routes.h).
json manifest(const Page& page) {
  json j = {{"more", page.more}};
  if (!page.items.empty()) {
    json objects = json::array();
    for (const auto* e : page.items) {
      objects.push_back({{"id", e->id}, {"date_added", e->date_added}, {"version", e->version},
                         {"media_type", kStixMediaType}});
    }
    j["objects"] = std::move(objects);
  }
  return j;
}

json versions(const Page& page) {
  json j = {{"more", page.more}};
  if (!page.items.empty()) {
    json list = json::array();
    for (const auto* e : page.items) list.push_back(e->version);
    j["versions"] = std::move(list);
  }
  return j;
}

json error_message(int http_status, const std::string& title, const std::string& description) {
  json j = {{"title", title}, {"http_status", std::to_string(http_status)}};
  if (!description.empty()) j["description"] = description;
  return j;
}

}  // namespace dais::intel::taxii

#include "api/views.h"

#include <string>

#include "projections/projections.h"

namespace dais::api::views {

namespace {
constexpr std::uint64_t default_page = 100;
constexpr std::uint64_t max_page = 1000;
}  // namespace

nlohmann::json signatures(const projections::Projections& p, const Target& query) {
  std::optional<projections::SignatureStatus> status;
  if (const auto it = query.params.find("status"); it != query.params.end()) {
    status = projections::parse_signature_status(it->second);
    if (!status) {
      throw BadRequest("query parameter 'status' must be pending, accepted, rejected or revoked, got '" +
                       it->second.substr(0, 40) + "'");
    }
  }
  const std::uint64_t from = uint_param(query, "from", 0, 0, UINT64_MAX - 1);
  const std::uint64_t limit = uint_param(query, "limit", default_page, 1, max_page);
  nlohmann::json page = p.signatures().list_json(status, from, limit);
  const std::uint64_t total = page.at("total").get<std::uint64_t>();
  const std::uint64_t shown = page.at("signatures").size();
  page["next"] = from + shown < total ? nlohmann::json(from + shown) : nlohmann::json(nullptr);
  page["counts"] = p.signatures().counts_json();
  return page;
}

std::optional<nlohmann::json> signature(const projections::Projections& p, std::string_view id) {
  const auto* record = p.signatures().find(id);
  if (!record) return std::nullopt;
  return projections::Signatures::view(*record, true);
}

nlohmann::json agents(const projections::Projections& p) { return p.agents().list_json(); }

std::optional<nlohmann::json> agent(const projections::Projections& p, std::uint64_t id) {
  if (id >= p.agents().agent_count()) return std::nullopt;
  return p.agents().view(static_cast<std::uint32_t>(id));
}

nlohmann::json blacklist(const projections::Projections& p) { return p.blacklists().view(); }

nlohmann::json stats(const projections::Projections& p) {
  nlohmann::json body = p.stats().view();
  body["signatures"] = p.signatures().counts_json();
  body["applied_seq"] = p.next_seq() == 0 ? nlohmann::json(nullptr) : nlohmann::json(p.applied_seq());
  return body;
}

}  // namespace dais::api::views

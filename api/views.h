// The JSON bodies of the projection endpoints (/v1/signatures, /v1/agents,
// /v1/blacklist, /v1/stats): the one place that knows the Projections type,
// so a change there touches this file only.
// Pure functions of an immutable snapshot; thread-safe. Bad query parameters
// throw BadRequest (-> 400); unknown ids return nullopt (-> 404).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/query.h"

namespace dais::projections {
class Projections;
}

namespace dais::api::views {

// ?status=pending|accepted|rejected&from=<cursor>&limit=<1..1000, default 100>
nlohmann::json signatures(const projections::Projections& p, const Target& query);
std::optional<nlohmann::json> signature(const projections::Projections& p, std::string_view id);
nlohmann::json agents(const projections::Projections& p);
std::optional<nlohmann::json> agent(const projections::Projections& p, std::uint64_t id);
nlohmann::json blacklist(const projections::Projections& p);
nlohmann::json stats(const projections::Projections& p);

}  // namespace dais::api::views

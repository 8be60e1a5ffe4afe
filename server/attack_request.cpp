#include "server/attack_request.h"

#include <stdexcept>
#include <string>

#include "agents/campaigns.h"
#include "agents/features.h"

namespace dais::server {

events::AttackInjected attack_from_request(const nlohmann::json& request, const AttackRequestContext& context) {
  if (!request.is_object()) throw std::invalid_argument("body must be a JSON object");
  events::AttackInjected attack;
  const auto kind_text = request.value("kind", std::string{});
  if (!agents::parse_campaign_kind(kind_text)) {
    throw std::invalid_argument("unknown attack kind '" + kind_text +
                                "'; allowed: port_scan, flood, brute_force, exfiltration, low_and_slow");
  }
  attack.kind = kind_text;
  if (!request.contains("sources") || !request["sources"].is_array() || request["sources"].empty()) {
    throw std::invalid_argument("'sources' must be a non-empty array of IPv4 addresses");
  }
  for (const auto& s : request["sources"]) {
    if (!s.is_string() || !agents::parse_ipv4(s.get<std::string>())) {
      throw std::invalid_argument("'sources' holds something that is not an IPv4 address: " + s.dump());
    }
    attack.sources.push_back(s.get<std::string>());
  }
  if (request.contains("targets")) {
    if (!request["targets"].is_array() || request["targets"].empty()) {
      throw std::invalid_argument("'targets' must be a non-empty array of agent ids");
    }
    for (const auto& t : request["targets"]) {
      if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() >= context.agents) {
        throw std::invalid_argument("'targets' holds an unknown agent id: " + t.dump() + " (agents are 0.." +
                                    std::to_string(context.agents - 1) + ")");
      }
      attack.targets.push_back(t.get<std::uint32_t>());
    }
  } else {
    for (std::uint32_t a = 0; a < context.agents; ++a) attack.targets.push_back(a);
  }
  const auto delay = request.value("delay_steps", static_cast<std::int64_t>(context.default_delay_steps));
  const auto duration = request.value("duration_steps", std::int64_t{0});
  if (delay < 0 || delay > 1000) throw std::invalid_argument("'delay_steps' must be in 0..1000");
  if (duration < 0 || duration > 100000) throw std::invalid_argument("'duration_steps' must be in 0..100000");
  attack.delay_steps = static_cast<std::uint32_t>(delay);
  attack.duration_steps = static_cast<std::uint32_t>(duration);
  attack.start_step = context.start_step;
  attack.campaign_id = "op-" + std::to_string(context.campaign_number);
  return attack;
}

}  // namespace dais::server

#include "config/scenario.h"

#include <cstdint>

#include "config/schema.h"

namespace dais::config {

std::vector<std::pair<std::string, Value>> scenario_defaults(std::string_view scenario) {
  // Classroom: messages arrive in the step they are sent and votes close after 3 steps, as before
  // scenarios existed. Realistic (schema defaults): one step of delay plus up to one of jitter; a
  // vote needs a round trip (up to 4 steps), so the window is 6 and the quorum can bind. Window
  // features spread benign scores wider than the classroom's drawn ones: at 0.62 a fifth of benign
  // flows end up blocked (shared servers get blacklisted), at 0.68 about 1 % (20 agents, seed 5).
  // Attackers: realistic campaigns draw from a 256-address pool that churns (docs/SIMULATION.md
  // "Attackers and their infrastructure"); the classroom keeps 1-4 fixed external addresses.
  static const std::vector<std::pair<std::string, Value>> classroom = {
      {"attack.churn", Value{0.0}},
      {"attack.pool_benign_share", Value{0.0}},
      {"attack.pool_size", Value{std::int64_t{0}}},
      {"attack.sources_per_target", Value{std::int64_t{0}}},
      {"consensus.window", Value{std::int64_t{3}}},
      {"detector.threshold", Value{0.62}},
      {"network.delay_steps", Value{std::int64_t{0}}},
      {"network.jitter_steps", Value{std::int64_t{0}}},
  };
  std::vector<std::pair<std::string, Value>> out;
  for (const auto& [key, value] : classroom)
    out.emplace_back(key, scenario == "classroom" ? value : find_key(key)->default_value);
  return out;
}

std::string scenario_source(std::string_view scenario) { return "scenario " + std::string(scenario); }

}  // namespace dais::config

// Scenario presets: simulation.scenario (realistic, the default, or classroom)
// sets the defaults of a few keys that the two scenarios need differently
// (network delay and the voting window that fits it). The schema defaults are
// the realistic values; the classroom preset restores the original ones.
// A preset only fills keys no source set: a key from the file, environment,
// --set, a flag or a log keeps its value whatever the scenario. Pure data and
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/value.h"

namespace dais::config {

inline constexpr std::string_view kScenarioKey = "simulation.scenario";

// Keys whose default depends on the scenario, with their value under `scenario`
// (the schema default when the scenario has no value of its own).
std::vector<std::pair<std::string, Value>> scenario_defaults(std::string_view scenario);

// The source recorded for a value a preset filled in: "scenario classroom".
std::string scenario_source(std::string_view scenario);

}  // namespace dais::config

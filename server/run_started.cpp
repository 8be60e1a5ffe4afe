#include "server/run_started.h"

#include "config/schema.h"
#include "server/engine.h"
#include "server/recorded_input.h"
#include "server/run_errors.h"

namespace dais::server {

namespace {

// The keys of recorded traffic mean nothing to a synthetic run, which leaves them out, so its
// RunStarted is byte for byte that of versions without them (a log without them reads as synthetic).
bool is_recorded_traffic_key(std::string_view key) {
  return key == "traffic.source" || key == "traffic.path" || key == "traffic.step_seconds" ||
         key == "traffic.segments" || key == "traffic.training_steps" || key == "traffic.labels" ||
         key == "traffic.mix";
}

// traffic.mix at its default is left out too, so a recorded run without mixing logs the
// RunStarted it logged before the key existed (a log without it reads as "none").
bool is_unmixed(std::string_view key, const nlohmann::json& value) {
  return key == "traffic.mix" && value == "none";
}

}  // namespace

events::RunStarted make_run_started(const config::Config& config, const Engine& engine, const std::string& version) {
  events::RunStarted started;
  started.config = nlohmann::json::object();
  const auto effective = config.to_json();
  const auto& settings = engine.settings();
  for (const auto& [key, value] : effective.items()) {
    if (config::is_runtime_key(key) || (!settings.recorded && is_recorded_traffic_key(key)) ||
        is_unmixed(key, value)) {
      continue;
    }
    started.config[key] = value;
  }
  started.seed = settings.seed;
  started.version = version;
  started.format = "dais-log/1";
  started.agents = settings.agents;
  started.steps = static_cast<std::uint64_t>(config.get_int("simulation.steps"));
  if (settings.recorded) {
    started.steps = settings.steps;  // the data's length, or simulation.steps when shorter
    started.traffic_files = settings.recorded->files;
  }
  for (std::uint32_t a = 0; a < started.agents; ++a) {
    if (engine.is_byzantine(a)) started.byzantine.push_back(a);
  }
  return started;
}

LoggedRun read_run_started(const eventstore::Store& store, const std::string& our_version) {
  const std::string where = store.directory().string();
  const auto first = store.get(0);
  if (!first) throw RunError("the log in " + where + " is empty");
  LoggedRun run;
  try {
    run.event = events::parse_event(first->bytes);
  } catch (const std::exception&) {
    throw RunError("the log in " + where + " does not start with a readable RunStarted event");
  }
  if (run.event.type != events::type::run_started) {
    throw RunError("the log in " + where + " starts with " + run.event.type + ", not RunStarted: it is not a DAIS run");
  }
  try {
    run.started = run.event.data.get<events::RunStarted>();
  } catch (const std::exception& e) {
    throw RunError("the RunStarted event of " + where + " is malformed: " + e.what());
  }
  if (run.started.version != our_version) throw VersionMismatchError(run.started.version, our_version);
  // Logs written before runtime keys were left out still carry them; they never
  // decide what is simulated, so the logged values are dropped here too.
  nlohmann::json simulated = nlohmann::json::object();
  if (run.started.config.is_object()) {
    for (const auto& [key, value] : run.started.config.items()) {
      if (!config::is_runtime_key(key)) simulated[key] = value;
    }
  }
  try {
    run.config = config::Config::from_json(run.started.config.is_object() ? simulated : run.started.config);
  } catch (const config::ConfigError& e) {
    throw RunError("the configuration in the RunStarted event of " + where + " is invalid: " + e.what());
  }
  run.hash = first->hash;
  return run;
}

}  // namespace dais::server

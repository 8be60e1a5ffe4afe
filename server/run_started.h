// The run's first event, RunStarted, written and read in one place.
// make_run_started() records only what determines the simulation: the
// configuration without its runtime keys (config::is_runtime_key: threads,
// pacing, API, store and logging settings), the seed, the version, the format
// and the seeded fault roles. So the same configuration and seed give the same
// seq 0 bytes, and the same log, however a run is executed or served.
// read_run_started() reads seq 0 of a log back for resume and replay.
// Pure functions apart from the store read; thread-safe.
// Errors: read_run_started throws RunError when seq 0 is missing, unreadable,
// not a RunStarted or carries an invalid configuration, and
// VersionMismatchError when another program version wrote it.
#pragma once

#include <string>

#include "config/config.h"
#include "eventstore/store.h"
#include "events/events.h"

namespace dais::server {

class Engine;

events::RunStarted make_run_started(const config::Config& config, const Engine& engine, const std::string& version);

struct LoggedRun {
  events::Event event;         // seq 0 as parsed (its data is the RunStarted)
  events::RunStarted started;
  config::Config config;       // the logged configuration, runtime keys at their defaults
  eventstore::Hash hash{};     // the stored hash of seq 0
};

LoggedRun read_run_started(const eventstore::Store& store, const std::string& our_version);

}  // namespace dais::server

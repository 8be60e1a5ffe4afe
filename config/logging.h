// Logging for every DAIS component, on spdlog. One logger per component,
// created on first use: "daisd" (the program), "engine" (the simulation loop),
// "api" (the HTTP/WebSocket server), "store" (the event store, which does not
// log itself: daisd routes eventstore::StoreOptions::report_failure here). All
// share one set of sinks that setup_logging() configures from the log.* keys:
//   log.level   least severe level written (trace ... error, off)
//   log.format  text (for people) or json (one object per line:
//               {"time","level","logger","msg"}, message properly escaped)
//   log.file    optional rotating file (log.file_max_mb, log.file_count)
// Console output goes to stderr, so stdout stays free for program output.
// Thread-safe: logger() and logging may run on any thread, also while
// setup_logging() swaps the sinks. Before setup_logging(), loggers write text
// at level info to stderr. Loggers live for the whole program (never freed).
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include "config/config.h"

namespace dais::config {

// Applies log.* to every logger, existing and future, and makes logger("dais")
// spdlog's default logger. console replaces stderr (tests pass a stream sink).
// An unopenable log.file throws ConfigError naming log.file.
void setup_logging(const Config& config, spdlog::sink_ptr console = nullptr);

// The logger for one component; the same object on every call with that name.
std::shared_ptr<spdlog::logger> logger(std::string_view component);

// The JSON-lines formatter setup_logging uses for log.format=json.
std::unique_ptr<spdlog::formatter> make_json_formatter();

}  // namespace dais::config

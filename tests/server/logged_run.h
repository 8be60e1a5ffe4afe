// A run taken to its end on a fresh log and read back: the events as logged, the summary
// the run printed and the head hash, so server tests can check the one against the other.
// Test-only; not thread-safe; store errors propagate as exceptions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "config/config.h"
#include "events/events.h"
#include "eventstore/store.h"
#include "server/run.h"
#include "server/run_summary.h"
#include "tests/server/test_support.h"

namespace dais::test {

inline server::Run::Options run_options(unsigned threads = 2) {
  server::Run::Options o;
  o.version = DAIS_VERSION;
  o.threads = threads;
  return o;
}

struct LoggedRun {
  std::vector<events::Event> events;
  server::RunSummary summary;
  server::EngineSettings settings;
  std::string head;  // hex
};

// Runs `cfg` to its last step on a new log in `dir` (which must not hold one) and reads it back.
inline LoggedRun run_and_read(const std::filesystem::path& dir, const config::Config& cfg, unsigned threads = 2) {
  auto store = open_store(dir);
  auto run = server::Run::open(*store, cfg, run_options(threads));
  while (!run->finished()) run->step();
  LoggedRun logged;
  logged.summary = run->summary();
  logged.settings = run->settings();
  logged.head = to_hex(store->head().hash);
  store->scan(0, [&](const eventstore::StoredEvent& e) {
    logged.events.push_back(events::parse_event(e.bytes));
    return true;
  });
  return logged;
}

}  // namespace dais::test

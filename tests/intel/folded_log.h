// The intel tests' view of a log: an EventLog folded into projections with a stored hash per
// event, as the store would give it (SHA-256 of a stand-in for its bytes), and an empty step.
// Test-only helpers; pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "common/sha256.h"
#include "events/events.h"
#include "projections/projections.h"
#include "tests/projections/event_log.h"

namespace dais::test {

inline projections::Projections fold(const EventLog& log, std::uint64_t last_seq = ~0ULL) {
  projections::Projections p;
  for (auto e : log.events()) {
    if (e.seq > last_seq) break;
    e.hash = to_hex(sha256(std::to_string(e.seq) + e.type + e.data.dump()));
    p.apply(e);
  }
  return p;
}

inline events::StepCompleted step_done(std::map<std::string, std::uint64_t> hits = {}) {
  events::StepCompleted s;
  s.blacklist_hits = std::move(hits);
  return s;
}

}  // namespace dais::test

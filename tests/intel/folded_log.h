// The intel tests' view of a log: an EventLog folded into projections with a stored hash per
// event, as the store would give it (SHA-256 of a stand-in for its bytes), an empty step, an
// accepted decision, and the exports' sample run.
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

inline events::ConsensusReached accepted(const std::string& id, const std::string& indicator, std::uint64_t expires,
                                        double yes_weight = 3, double no_weight = 1) {
  auto d = decision(id, true, "majority", indicator, expires);
  d.yes = 3;
  d.no = 1;
  d.voters = 4;
  d.yes_weight = yes_weight;
  d.no_weight = no_weight;
  return d;
}

// Step 0: two proposals; step 1: votes and both accepted (sig-a at seq 6 expires at 5, sig-b at
// seq 7 at 4); step 2: a hit on sig-a moves its expiry to 2 + 4 = 6; steps 3 and 4 pass: sig-b
// ends with the StepCompleted of step 3 (seq 10); sig-a outlives its announced end (5), so it is
// renewed until 6 (the StepCompleted of step 4, seq 11).
inline EventLog sample_log() {
  EventLog log;
  log.add(0, run_started(4, false));
  log.add(0, proposal("sig-a", 0, "192.0.2.7", 1));
  log.add(0, proposal("sig-b", 1, "2001:db8::/32", 1));
  log.add(0, step_done());
  log.add(1, vote("sig-a", 1, true));
  log.add(1, vote("sig-b", 0, true));
  log.add(1, accepted("sig-a", "192.0.2.7", 5, 3.0, 1.0));
  log.add(1, accepted("sig-b", "2001:db8::/32", 4, 2.0, 0.0));
  log.add(1, step_done());
  log.add(2, step_done({{"192.0.2.7", 3}}));
  log.add(3, step_done());
  log.add(4, step_done());
  return log;
}

}  // namespace dais::test

// What a crashed agent rebuilds when it recovers, from the log alone: a crash
// drops everything the agent held in memory, so its blacklist comes from the
// blacklists projection folded from the log (accepted signatures and its own
// local entries, with the expiries and renewals the log records), and its
// training window from its pre-run history (deterministic traffic) without the
// sources that blacklist blocks. Its model is then fitted on that window with
// forest_params(agent, next version), so the ModelRetrained it logs can be
// checked by refitting from a fold of the log (tests/server/test_crash_recovery.cpp).
// Pure functions; thread-compatible; no I/O. Nothing throws on valid settings.
#pragma once

#include <cstdint>

#include "agents/blacklist.h"
#include "projections/blacklists.h"
#include "server/settings.h"
#include "server/training_window.h"

namespace dais::server {

// The blacklist `agent` recovers with at `step`: every network entry of `log` and every entry
// of its own local list that still blocks at `step`, with the log's signature, added step,
// expiry, renewal length and hits (the last renewal is taken as expires_step - ttl).
agents::Blacklist recovered_blacklist(const projections::Blacklists& log, std::uint32_t agent, std::uint64_t step,
                                      std::size_t capacity, unsigned prefix_len = 32);

// The training window a recovering agent refits on: its pre-run history (warmup_flows), newest
// detector.window flows, without flows from sources `blacklist` blocks at `step`.
TrainingWindow recovery_training(const EngineSettings& settings, std::uint32_t agent,
                                 const agents::Blacklist& blacklist, std::uint64_t step);

}  // namespace dais::server

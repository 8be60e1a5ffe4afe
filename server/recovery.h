// What a crashed agent rebuilds its blacklist from when it recovers: a crash drops
// everything the agent held in memory, so its blacklist comes from the blacklists
// projection folded from the log (accepted signatures and its own local entries, with
// the expiries and renewals the log records). Its model and training window are those of
// its last ModelRetrained, replayed from the log and its traffic (server/agent_replay.h).
// Pure functions; thread-compatible; no I/O. Nothing throws on valid settings.
#pragma once

#include <cstdint>

#include "agents/blacklist.h"
#include "projections/blacklists.h"

namespace dais::server {

// The blacklist `agent` recovers with at `step`: every network entry of `log` and every entry
// of its own local list that still blocks at `step`, with the log's signature, added step,
// expiry, renewal length and hits (the last renewal is taken as expires_step - ttl).
agents::Blacklist recovered_blacklist(const projections::Blacklists& log, std::uint32_t agent, std::uint64_t step,
                                      std::size_t capacity, unsigned prefix_len = 32);

}  // namespace dais::server

// All projections of one run, folded together: signatures, blacklists, agent
// state and run statistics (each documented in its own header).
// apply() takes the log's events in order (seq 0, 1, 2, ... without gaps) and
// hands each to every projection in a fixed order (signatures, blacklists,
// agents, stats). snapshot() is a full state dump as JSON; restore() rebuilds
// an equal object, so restore(snapshot()) followed by the remaining events
// equals folding the whole log.
// Errors: apply() throws ProjectionError for an out-of-order seq or an event a
// projection cannot fold (the message names the seq); after such an error the
// object may be partly updated and must be discarded (rebuild from the log or
// a snapshot). restore() throws ProjectionError for a malformed snapshot.
// Not internally synchronised: the engine owns one and copies views (or the
// whole object) for API readers.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "projections/agent_state.h"
#include "projections/blacklists.h"
#include "events/events.h"
#include "projections/fold.h"
#include "projections/run_stats.h"
#include "projections/signatures.h"

namespace dais::projections {

// 3: signatures carry the revoked status and their later evidence. An engine snapshot whose
// projections have another format is skipped (server/run.cpp) and the log re-executed, so an
// older snapshot never restores a revoked signature as accepted.
inline constexpr const char* kSnapshotFormat = "dais-projections/3";

class Projections {
 public:
  Projections() : Projections(HistoryLimits{}) {}
  explicit Projections(HistoryLimits stats_history) : stats_(stats_history) {}

  void apply(const events::Event& event);

  // Number of events folded, which is the seq the next apply() expects.
  std::uint64_t next_seq() const { return next_seq_; }
  // Seq of the last event folded; 0 before any (check next_seq() to tell apart).
  std::uint64_t applied_seq() const { return next_seq_ == 0 ? 0 : next_seq_ - 1; }

  // The stored hash of seq 0 (RunStarted), which names the run; empty before it or when folded without hashes.
  const std::string& run_hash() const { return run_hash_; }
  const Signatures& signatures() const { return signatures_; }
  const Blacklists& blacklists() const { return blacklists_; }
  const AgentState& agents() const { return agents_; }
  const RunStats& stats() const { return stats_; }

  // {"format", "next_seq", "run_hash", "signatures", "blacklists", "agents", "stats"}.
  nlohmann::json snapshot() const;
  static Projections restore(const nlohmann::json& snapshot);

 private:
  std::uint64_t next_seq_ = 0;
  std::string run_hash_;
  Signatures signatures_;
  Blacklists blacklists_;
  AgentState agents_;
  RunStats stats_;
};

}  // namespace dais::projections

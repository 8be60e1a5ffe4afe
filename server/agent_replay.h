// One agent's detector replayed from the log and its segment's deterministic traffic, so that a
// crashed agent recovers the model of its last ModelRetrained without reading the engine's
// memory (issue 15, "crashes and recovery, event-sourced for real"). From a state the log fixes
// (the run's start: pre-run history and model 1; or its last recovery) it re-runs, step by step,
// what the engine does to that agent while it is up: operator removals, detection with the
// blacklist and model of the time (server/detection.h), the blacklist entries that reached it
// (accepted signatures sent by their proposer over server/network.h, its own local entries, the
// partition's heal), retrains and expiry. Every retrain refits with forest_params(agent, version)
// and must give the digest the log's ModelRetrained holds, at the step it holds it.
// Not thread-safe; the engine owns one per agent that has recovered. A replay that disagrees with
// the log is an engine bug: advance() throws ReplayMismatch naming the agent, step and version.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>

#include "agents/campaigns.h"
#include "agents/isolation_forest.h"
#include "server/agent_runtime.h"
#include "server/network.h"
#include "server/recovery_journal.h"
#include "server/settings.h"
#include "server/training_window.h"

namespace dais::server {

struct ReplayMismatch : std::logic_error {
  using std::logic_error::logic_error;
};

// The detector an agent had right after a retrain: what it recovers with after a crash.
struct RetrainedModel {
  std::uint64_t step = 0;
  std::uint64_t version = 0;  // 0: it never had two flows to learn from, so no model
  TrainingWindow training{0};
  std::optional<agents::IsolationForest> model;
  double threshold = 0.5;
};

class AgentReplay {
 public:
  // The agent as the run starts it: its pre-run history and model version 1 (checked against
  // `journal`). `settings` must outlive the replay.
  AgentReplay(const EngineSettings& settings, std::uint32_t agent, const RecoveryJournal& journal);

  // Replays steps [next_step(), until) with the agent up throughout; `campaigns` is the run's
  // list (planned and injected), `network` the run's network.
  void advance(std::uint64_t until, std::span<const agents::Campaign> campaigns, const Network& network,
               const RecoveryJournal& journal);
  std::uint64_t next_step() const { return next_step_; }
  // The detector of its last retrain replayed so far.
  const RetrainedModel& last_retrain() const { return last_; }
  // The agent recovered at `step` with this state (before that step's detection): the replay
  // continues from it.
  void restart(const AgentRuntime& recovered, std::uint64_t step);
  // Its blacklist and training window as replayed (for tests).
  const AgentRuntime& state() const { return agent_; }

 private:
  friend class EngineSnapshot;  // server/engine_snapshot.h: saves a replay and restores it in place of a new one
  // An agent of `settings` with nothing replayed yet, for a snapshot to fill.
  AgentReplay(const EngineSettings& settings, std::uint32_t agent);
  void replay_step(std::uint64_t step, std::span<const agents::Campaign> campaigns, const Network& network,
                   const RecoveryJournal& journal);
  void block(const std::string& signature_id, std::uint32_t indicator, std::uint64_t step, std::uint64_t expiry);
  void retrain(std::uint64_t step, const RecoveryJournal& journal);
  void check_models_until(std::uint64_t step, const RecoveryJournal& journal) const;

  const EngineSettings& settings_;
  AgentRuntime agent_;
  RetrainedModel last_;
  std::uint64_t next_step_ = 0;
};

}  // namespace dais::server

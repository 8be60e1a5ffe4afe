// The step engine: runs one simulation step at a time and returns the step's
// events in canonical order (DESIGN.md "Determinism"). A step runs in phases:
//   faults (crash/recover) -> observe and detect -> propose -> vote -> decide -> apply
// Observe, vote and retrain run on the thread pool, each agent writing only its
// own slot; events are then emitted by agent, then signature, never in
// completion order, so the output is identical for any thread count.
// The engine does no I/O: the RunDriver appends its output to the store, or
// compares it with an existing log (resume, replay).
// Not thread-safe: one thread drives it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/blacklist.h"
#include "agents/campaigns.h"
#include "agents/isolation_forest.h"
#include "agents/validation.h"
#include "projections/consensus.h"
#include "projections/events.h"
#include "server/protection_tracker.h"
#include "server/settings.h"
#include "server/thread_pool.h"
#include "server/training_window.h"

namespace dais::server {

// One event the engine produced: type, step and its data object.
struct Produced {
  std::string type;
  std::uint64_t step = 0;
  nlohmann::json data;
};

// Ground-truth tallies that only the simulator knows (labels never reach detection).
struct GroundTruth {
  std::uint64_t poisoned_proposed = 0;  // by Byzantine agents
  std::uint64_t poisoned_accepted = 0;
  std::uint64_t benign_signatures_proposed = 0;  // any proposer; the indicator is not an attacker
  std::uint64_t benign_signatures_accepted = 0;
  std::uint64_t protected_rejections = 0;
};

// The forest parameters of `agent`'s model number `version` (1 = the initial model):
// a pure function, so a model can be rebuilt from the log and the traffic.
agents::ForestParams forest_params(const EngineSettings& settings, std::uint32_t agent, std::uint64_t version);
// The pre-run benign history every agent's first model is trained on, oldest first.
std::vector<agents::Flow> warmup_flows(const EngineSettings& settings, std::uint32_t agent);

class Engine {
 public:
  Engine(EngineSettings settings, ThreadPool& pool);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineSettings& settings() const { return settings_; }
  // The next step to run (0 for a fresh engine).
  std::uint64_t next_step() const { return next_step_; }

  // Operator inputs are applied before the step they precede (AttackInjected
  // adds its campaign; pause/resume change nothing in the simulation).
  // Throws std::invalid_argument for an input it cannot apply.
  void apply_operator_input(const events::Event& input);

  // Validates an attack request from the API and turns it into an event for the next step.
  // Throws std::invalid_argument with a message for the client.
  events::AttackInjected make_attack(const nlohmann::json& request) const;

  // Runs step next_step() and returns its events in canonical order.
  std::vector<Produced> run_step();

  const GroundTruth& ground_truth() const { return truth_; }
  const ProtectionTracker& protection() const { return protection_; }
  bool is_byzantine(std::uint32_t agent) const;

  // Per-phase wall time of the last step, in seconds (for dais-bench engine).
  struct PhaseTimes {
    double faults = 0, observe = 0, propose = 0, vote = 0, decide = 0, apply = 0;
  };
  const PhaseTimes& last_phase_times() const { return phase_times_; }

 private:
  struct AgentRuntime;
  struct PendingSignature;
  struct Observation;

  void phase_faults(std::uint64_t step, std::vector<Produced>& out);
  void phase_initial_models(std::uint64_t step, std::vector<Produced>& out);
  void phase_observe(std::uint64_t step, std::vector<Observation>& obs);
  void phase_propose(std::uint64_t step, std::vector<Observation>& obs, std::vector<Produced>& out,
                     events::StepCompleted& stats);
  void phase_vote(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);
  void phase_decide(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);
  void phase_retrain(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);

  void block_everywhere(const std::string& signature_id, std::uint32_t indicator, std::uint64_t step);
  void block_locally(AgentRuntime& agent, const std::string& signature_id, std::uint32_t indicator,
                     std::uint64_t step);
  std::vector<std::uint32_t> active_agents() const;
  bool is_campaign_source(std::uint32_t address) const;
  double weight_of(std::uint32_t agent) const;

  EngineSettings settings_;
  ThreadPool& pool_;
  std::vector<std::unique_ptr<AgentRuntime>> agents_;
  std::vector<agents::Campaign> campaigns_;
  std::set<std::uint32_t> campaign_sources_;
  std::map<std::string, PendingSignature> pending_;       // by signature id
  std::vector<std::string> pending_order_;                // proposal order
  std::map<std::string, std::uint64_t> rejected_until_;   // id -> first step it may be proposed again
  std::map<std::uint32_t, std::pair<std::string, std::uint64_t>> network_blacklist_;  // indicator -> (id, expires)
  projections::Reputation reputation_;
  ProtectionTracker protection_;
  GroundTruth truth_;
  PhaseTimes phase_times_;
  std::uint64_t next_step_ = 0;
  std::uint32_t next_campaign_id_ = 0;
};

}  // namespace dais::server

// The step engine: runs one simulation step at a time and returns the step's
// events in canonical order (DESIGN.md "Determinism"). A step runs in phases:
//   faults (crash/recover) -> observe and detect -> propose -> vote -> decide
//   -> evidence (validation.defence evidence only) -> apply (retrain, expire)
// run_step() reads as that list. Observe, vote and retrain run on the thread pool,
// each agent writing only its own slot; events are then emitted by agent, then
// signature, never in completion order, so the output is identical for any thread
// count. The parts live beside it: agents/adversary.h (what Byzantine agents do),
// server/consensus_round.h (pending signatures, votes, decisions, the network
// blacklist), server/agent_runtime.h (one agent's state), and
// server/attack_request.h (the API's attack requests, validated at the edge) and
// server/network.h (when proposals, ballots and accepted blacklist entries reach
// each agent; the engine holds the entries still in flight).
// The engine does no I/O: the Run (server/run.h) commits its output to the store, or
// compares it with an existing log (resume, replay).
// Under MPI (server/rank_exchange.h) each rank's engine runs the parallel phases for the
// agents it owns and swaps their results with the other ranks (server/phase_results.h);
// rank 0 broadcasts the operator inputs before each step. docs/SCALING.md has the design.
// Not thread-safe: one thread drives it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agents/adversary.h"
#include "agents/blacklist.h"
#include "agents/campaigns.h"
#include "agents/isolation_forest.h"
#include "events/events.h"
#include "projections/blacklists.h"
#include "server/consensus_round.h"
#include "server/protection_tracker.h"
#include "server/recovery_journal.h"
#include "server/settings.h"
#include "server/step_output.h"
#include "server/thread_pool.h"

namespace dais::server {

struct AgentRuntime;
class AgentReplay;
struct AgentObservation;
class RankExchange;

// The forest parameters of `agent`'s model number `version` (1 = the initial model):
// a pure function, so a model can be rebuilt from the log and the traffic.
agents::ForestParams forest_params(const EngineSettings& settings, std::uint32_t agent, std::uint64_t version);
// The pre-run benign history every agent's first model is trained on, oldest first: in the
// realistic scenario the segment's traffic in the steps just before step 0 (no campaigns).
std::vector<agents::Flow> warmup_flows(const EngineSettings& settings, std::uint32_t agent);

// Recovery time: steps from an agent's recovery until it casts a ballot again and until its
// blacklist blocks a flow again (each measured at its first occurrence; a recovery followed
// by neither before the run ends or the agent crashes again is counted only in recoveries).
struct RecoveryTimes {
  std::uint64_t recoveries = 0;
  std::uint64_t voted = 0, to_vote_sum = 0;
  std::uint64_t blocked = 0, to_block_sum = 0;
  void add_vote(std::uint64_t steps) { ++voted, to_vote_sum += steps; }
  void add_block(std::uint64_t steps) { ++blocked, to_block_sum += steps; }
};

class Engine {
 public:
  // `ranks` (optional, outliving the engine) makes this engine one rank of a multi-rank run;
  // without it, or with one rank, the engine owns every agent.
  Engine(EngineSettings settings, ThreadPool& pool, RankExchange* ranks = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const EngineSettings& settings() const { return settings_; }
  // The next step to run (0 for a fresh engine).
  std::uint64_t next_step() const { return next_step_; }
  // The number the next operator campaign gets (its id is "op-<number>").
  std::uint32_t next_campaign_id() const { return next_campaign_id_; }

  // Operator inputs are applied before the step they precede (AttackInjected
  // adds its campaign; BlacklistRemoved drops the indicator from the network
  // blacklist and every agent's list, crashed or not; pause/resume change
  // nothing in the simulation). Throws std::invalid_argument for an input it
  // cannot apply (an unknown kind, a bad address, an indicator no list blocks
  // at the next step); the engine is then unchanged.
  void apply_operator_input(const events::Event& input);

  // Runs step next_step() and returns its events in canonical order. Under MPI it is
  // collective: every rank runs it for the same step (rank 0 first broadcasts the operator
  // inputs applied since the last step), and an exception in it aborts the whole job.
  std::vector<Produced> run_step();

  const GroundTruth& ground_truth() const { return consensus_.ground_truth(); }
  // The network blacklist as the engine holds it (accepted indicators, renewed by hits).
  const std::map<std::uint32_t, NetworkBlock>& network_blacklist() const { return consensus_.network_blacklist(); }
  // One agent's own blacklist and whether it is down (agent < settings().agents).
  const agents::Blacklist& agent_blacklist(std::uint32_t agent) const;
  bool is_crashed(std::uint32_t agent) const;
  // The digest (hex) of the agent's model now, "" when it has none (down, or never had two flows).
  // Under MPI only the owner rank holds models: "" on the other ranks.
  std::string model_digest(std::uint32_t agent) const;
  const ProtectionTracker& protection() const { return protection_; }
  // Steps from each recovery to the agent's first cast ballot and first blocked flow after it.
  const RecoveryTimes& recovery_times() const { return recovery_times_; }
  // Attack flows of each campaign kind (indexed by CampaignKind) and how many of them were
  // detected (flagged or blocked): ground truth for per-kind recall.
  const std::array<KindDetection, agents::kCampaignKindCount>& detection_by_kind() const { return by_kind_; }
  // Recorded traffic: the same per label id (1 + index in RecordedTraffic::kinds()).
  const std::map<std::uint32_t, KindDetection>& detection_by_label() const { return by_label_; }
  bool is_byzantine(std::uint32_t agent) const;
  // True when `agent`'s blacklist holds `address` now (between steps).
  bool blocks(std::uint32_t agent, std::uint32_t address) const;
  const Network& network() const { return consensus_.network(); }
  // The recovery journal crashed agents replay from (empty when faults.crash_rate is 0, since no
  // agent can then crash): its size stays bounded by the steps since the oldest replay point.
  const RecoveryJournal& recovery_journal() const { return journal_; }

  // Per-phase wall time of the last step, in seconds (for dais-bench engine).
  struct PhaseTimes {
    double faults = 0, observe = 0, propose = 0, vote = 0, decide = 0, evidence = 0, apply = 0;
  };
  const PhaseTimes& last_phase_times() const { return phase_times_; }
  // The same phases' CPU time of the whole process (every thread), in seconds: CPU / wall
  // shows how well a phase keeps the pool's threads busy.
  const PhaseTimes& last_phase_cpu() const { return phase_cpu_; }

 private:
  using Observation = AgentObservation;

  void phase_initial_models(std::uint64_t step, std::vector<Produced>& out);
  void phase_faults(std::uint64_t step, std::vector<Produced>& out);
  void crash(AgentRuntime& agent, std::uint64_t step);
  void recover(AgentRuntime& agent, std::uint64_t step, std::vector<Produced>& out);
  void replay_recovered(AgentRuntime& agent, AgentReplay& replay, std::uint64_t step,
                        events::AgentRecovered& recovered);
  void replay_recovered_agents(std::uint64_t step, const std::vector<std::size_t>& recovered_at,
                               std::vector<Produced>& out);
  void seed_view(AgentRuntime& agent) const;
  // Rebuilds campaign_sources_ from campaigns_, whose first `planned` are the run's planned ones.
  void index_campaign_sources(std::size_t planned);
  // Drops from the journal what none of this rank's replays will read again.
  void forget_replayed_journal();
  void fold_into_log_view(const std::string& type, std::uint64_t step, const nlohmann::json& data);
  std::vector<Observation> phase_observe(std::uint64_t step, events::StepCompleted& stats);
  void phase_propose(std::uint64_t step, std::vector<Observation>& observations, std::vector<Produced>& out,
                     events::StepCompleted& stats);
  void phase_vote(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);
  void phase_decide(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);
  void phase_evidence(std::uint64_t step, std::vector<Produced>& out);
  void phase_apply(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);
  void retrain_due(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats);

  void remove_block(const events::BlacklistRemoved& removed);
  void block_locally(AgentRuntime& agent, const std::string& signature_id, std::uint32_t indicator,
                     std::uint64_t step);
  std::vector<std::uint32_t> active_agents() const;
  // Who takes part in consensus: the agents up, then the Sybil identities (never down).
  std::vector<std::uint32_t> electorate() const;
  void sybil_ballots(std::uint64_t step, std::vector<Ballot>& ballots) const;
  bool is_campaign_source(std::uint32_t address) const;
  static void remember(AgentRuntime& agent, const std::vector<agents::Signature>& signatures);
  std::vector<Produced> step_phases();
  bool multi_rank() const;
  void announce_step();
  void share_observations(std::uint64_t step, std::vector<Observation>& observations);

  friend class EngineSnapshot;  // server/engine_snapshot.h: saves and restores the members below

  EngineSettings settings_;
  ThreadPool& pool_;
  RankExchange* ranks_ = nullptr;
  std::vector<std::uint32_t> owned_;  // the agents this rank steps, ascending (all of them on one rank)
  std::vector<bool> owns_;            // by agent id
  std::vector<events::Event> inputs_to_announce_;  // rank 0: operator inputs applied since the last step
  agents::Adversary adversary_;
  std::vector<std::unique_ptr<AgentRuntime>> agents_;
  std::vector<agents::Campaign> campaigns_;
  std::set<std::uint32_t> campaign_sources_;
  ConsensusRound consensus_;
  // Accepted blacklist entries in flight, by the step they reach their agent (send order within a step).
  struct Delivery {
    std::uint32_t agent = 0;
    std::string signature_id;
    std::uint32_t indicator = 0;
  };
  std::multimap<std::uint64_t, Delivery> deliveries_;
  // The blacklists as the log has them, folded from every event this engine produced or applied
  // (the same events the log holds): what a recovering agent rebuilds from.
  projections::Blacklists log_blacklists_;
  // What else recovery reads from the log, and each recovered agent's replay from it (lazily made).
  RecoveryJournal journal_;
  std::map<std::uint32_t, std::unique_ptr<AgentReplay>> replays_;
  ProtectionTracker protection_;
  RecoveryTimes recovery_times_;
  std::array<KindDetection, agents::kCampaignKindCount> by_kind_{};
  std::map<std::uint32_t, KindDetection> by_label_;
  PhaseTimes phase_times_;
  PhaseTimes phase_cpu_;
  std::uint64_t next_step_ = 0;
  std::uint32_t next_campaign_id_ = 0;
};

}  // namespace dais::server

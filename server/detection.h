// The "observe and detect" phase for one agent: its blacklist stops known
// sources, its model scores the rest, clean flows feed its training window and
// validator view, and an honest agent turns what it flagged over the last few
// steps into signatures. Ground-truth labels are only counted, never used to decide.
// Functions of one agent's runtime, which they modify; the engine calls them for
// different agents in parallel, never twice for one agent at once. No I/O.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "agents/features.h"
#include "agents/signature.h"
#include "events/events.h"
#include "server/agent_runtime.h"
#include "server/settings.h"

namespace dais::server {

// An agent's flows of one step that its blacklist let through, with their anomaly scores.
struct ScoredFlows {
  std::vector<agents::Flow> flows;
  std::vector<double> scores;
};

// Blocked flows never reach the detector; the rest are scored in one batch. Tallies every flow
// into `counts` and the blocked ones by source into `hits`; clean flows join the training window.
// With `score_blocked` (validation.defence evidence) the blocked flows are scored too, after the
// rest and only for the agent's evidence (AgentRuntime::evidence, by the indicator that blocked
// them): they stay blocked, out of training and out of the validator view.
ScoredFlows detect(AgentRuntime& agent, std::uint64_t step, std::span<const agents::Flow> flows,
                   events::StepCompleted& counts, std::map<std::uint32_t, std::uint64_t>& hits,
                   bool score_blocked = false);

// A crashed agent's flows: nobody looks at them, so they are counted (flows, attack_flows,
// flows_while_down) and every attack among them is a miss (false_negatives, missed_while_down).
void count_unmonitored(std::span<const agents::Flow> flows, events::StepCompleted& counts);

// What an honest agent reports: signatures of the sources it flagged over the last few steps
// and does not block yet.
std::vector<agents::Signature> honest_findings(AgentRuntime& agent, const ScoredFlows& passed,
                                               const EngineSettings& settings);

}  // namespace dais::server

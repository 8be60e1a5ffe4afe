// Mixing recorded with synthetic traffic (traffic.mix; docs/SIMULATION.md "Mixing"): what an
// agent's segment shows at a step, and the checks that make a mix mean what it says.
//   recorded_attacks: the synthetic benign background (its own seeds and daily rhythm) plus the
//     recording's attack-labelled flows; no synthetic campaigns.
//   recorded_benign: the recording's benign flows plus the attack flows of synthetic campaigns.
// Window features count a source's own connections only, so the two sides, featurised apart,
// equal the merged stream featurised at once as long as no source is on both sides: the checks
// refuse any overlap instead of letting it pass silently.
// segment_flows is called by the engine's observe phase and by a recovering agent's replay
// (server/agent_replay.h), so both see the same flows. Thread-safe per agent (it advances that
// agent's SegmentTraffic). Errors: RunError (server/run_errors.h) with a message naming the key.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "agents/campaigns.h"
#include "agents/features.h"
#include "agents/segment_traffic.h"
#include "events/events.h"
#include "server/settings.h"

namespace dais::server {

// The flows `agent` observes at `step`: synthetic, recorded, or mixed (synthetic first, then the
// recording's, each side in its own order). The result views `buffer` or the recorded data.
std::span<const agents::Flow> segment_flows(const EngineSettings& settings, agents::SegmentTraffic& traffic,
                                            std::uint32_t agent, std::uint64_t step,
                                            std::span<const agents::Campaign> campaigns,
                                            std::vector<agents::Flow>& buffer);

// Before the files are read: a mix needs recorded traffic, the realistic scenario and one step
// length on both sides (traffic.step_seconds = 86400 / traffic.steps_per_day).
void check_mix_settings(const EngineSettings& settings);

// After they are read (settings.recorded set): labels to tell the sides apart, something to mix
// in, and address spaces that do not overlap.
void check_mix_input(const EngineSettings& settings);

// recorded_benign: an operator's attack may not use an address of the recording's traffic
// (std::invalid_argument, shown to the API client as is).
void check_injected_sources(const EngineSettings& settings, const events::AttackInjected& attack);

}  // namespace dais::server

#include "server/agent_replay.h"

#include <algorithm>
#include <map>
#include <string>

#include "agents/features.h"
#include "common/sha256.h"
#include "events/events.h"
#include "projections/committee.h"
#include "server/detection.h"
#include "server/engine.h"
#include "server/recorded_input.h"
#include "server/traffic_mix.h"

namespace dais::server {

namespace {

std::string where(std::uint32_t agent, std::uint64_t step, std::uint64_t version) {
  return "replaying agent " + std::to_string(agent) + " from the log for its recovery: model version " +
         std::to_string(version) + " at step " + std::to_string(step);
}

}  // namespace

AgentReplay::AgentReplay(const EngineSettings& settings, std::uint32_t agent, const RecoveryJournal& journal)
    : settings_(settings),
      agent_(agent, settings.detector.window, settings.blacklist_capacity, settings.signature.prefix_len, settings.seed,
             settings.traffic) {
  // As Engine::phase_initial_models: the pre-run history, then the first model at step 0.
  for (const auto& f : warmup_flows(settings_, agent)) agent_.training.add(f.features, f.source);
  agent_.needs_retrain = true;
  retrain(0, journal);
}

AgentReplay::AgentReplay(const EngineSettings& settings, std::uint32_t agent)
    : settings_(settings),
      agent_(agent, settings.detector.window, settings.blacklist_capacity, settings.signature.prefix_len, settings.seed,
             settings.traffic) {}

void AgentReplay::advance(std::uint64_t until, std::span<const agents::Campaign> campaigns, const Network& network,
                          const RecoveryJournal& journal) {
  for (; next_step_ < until; ++next_step_) replay_step(next_step_, campaigns, network, journal);
}

void AgentReplay::restart(const AgentRuntime& recovered, std::uint64_t step) {
  agent_.blacklist = recovered.blacklist;
  agent_.training = recovered.training;
  agent_.model = recovered.model;
  agent_.threshold = recovered.threshold;
  agent_.model_version = recovered.model_version;
  agent_.needs_retrain = recovered.needs_retrain;
  next_step_ = step;
}

void AgentReplay::block(const std::string& signature_id, std::uint32_t indicator, std::uint64_t step,
                        std::uint64_t expiry) {
  agent_.blacklist.add(indicator, step, expiry, signature_id);
  if (agent_.training.purge(indicator, settings_.signature.prefix_len) > 0) agent_.needs_retrain = true;
}

// The engine's phases for one agent that is up, in their order (server/engine.h).
void AgentReplay::replay_step(std::uint64_t step, std::span<const agents::Campaign> campaigns, const Network& network,
                              const RecoveryJournal& journal) {
  // Operator inputs come before the step.
  for (const auto& r : journal.removals()) {
    if (r.step == step) agent_.blacklist.remove(r.indicator);
  }
  // Observe and detect: what passes its blacklist and its model unflagged joins its window.
  // The same flows the engine's observe phase saw: generated, recorded or mixed.
  std::vector<agents::Flow> generated;
  const auto flows = segment_flows(settings_, agent_.traffic, agent_.id, step, campaigns, generated);
  if (agent_.model) {
    events::StepCompleted counts;
    std::map<std::uint32_t, std::uint64_t> hits;
    detect(agent_, step, flows, counts, hits);
  }
  // Propose: without consensus it blocks its own findings, which the log holds.
  for (const auto& l : journal.local_adds(agent_.id)) {
    if (l.step == step) block(l.signature_id, l.indicator, step, l.expires_step - step);
  }
  // Decide: accepted entries reach it in the order they were decided (earlier steps first).
  if (settings_.consensus_enabled) {
    const auto& decisions = journal.decisions();
    const std::uint64_t reach = std::uint64_t{network.settings().delay_steps} + network.settings().jitter_steps;
    const std::uint64_t from = step > reach ? step - reach : 0;
    auto it = std::lower_bound(decisions.begin(), decisions.end(), from,
                               [](const RecoveryJournal::Decision& d, std::uint64_t s) { return d.step < s; });
    for (; it != decisions.end() && it->step <= step; ++it) {
      const auto key = network.instant() ? 0 : projections::fnv1a64(it->signature_id);
      const auto at = network.arrival(Message::blacklist, key, it->decider, agent_.id, it->step);
      if (!at || *at != step) continue;
      // An entry revoked before it arrived never reaches the agent (the engine drops it in flight).
      if (const auto revoked = journal.revoked_by(it->signature_id, step); revoked && *revoked >= it->step &&
                                                                          *revoked < step) {
        continue;
      }
      block(it->signature_id, it->indicator, step, settings_.blacklist_expiry);
    }
    if (network.heal_step() == step) {
      for (const auto& b : journal.healed()) {
        if (b.expires_step <= step || agent_.blacklist.contains(b.indicator)) continue;
        block(b.signature_id, b.indicator, step, b.expires_step - step);
      }
    }
  }
  // Evidence: entries revoked this step leave its list.
  for (const auto& r : journal.revocations()) {
    if (r.step == step) agent_.blacklist.remove(r.indicator);
  }
  // Apply: retrain when due, then expiry.
  const auto interval = settings_.detector.retrain_interval;
  const bool periodic = interval != 0 && step != 0 && (step + agent_.id) % interval == 0;
  if (agent_.needs_retrain || periodic) retrain(step, journal);
  check_models_until(step, journal);
  agent_.blacklist.expire(step);
}

void AgentReplay::retrain(std::uint64_t step, const RecoveryJournal& journal) {
  const auto rows = agent_.training.rows();
  const std::size_t samples = rows.size() / agents::kFeatureCount;
  if (samples < 2) return;
  const auto version = agent_.model_version + 1;
  agent_.model = agents::IsolationForest::fit(rows, agents::kFeatureCount, forest_params(settings_, agent_.id, version));
  agent_.threshold = settings_.detector.contamination > 0 ? agent_.model->threshold() : settings_.detector.threshold;
  agent_.model_version = version;
  agent_.needs_retrain = false;
  const auto digest = to_hex(agent_.model->digest());
  const auto* m = journal.model(agent_.id, version);
  if (m == nullptr) {
    throw ReplayMismatch(where(agent_.id, step, version) + " is refitted, but the log has no such ModelRetrained");
  }
  if (m->step != step || m->samples != samples || m->digest != digest) {
    throw ReplayMismatch(where(agent_.id, step, version) + " refits to " + std::to_string(samples) +
                         " samples, digest " + digest + "; the log's ModelRetrained has step " +
                         std::to_string(m->step) + ", " + std::to_string(m->samples) + " samples, digest " + m->digest);
  }
  last_.step = step;
  last_.version = version;
  last_.training = agent_.training;
  last_.model = agent_.model;
  last_.threshold = agent_.threshold;
}

// A retrain the log holds by this step that the replay did not make is a disagreement too.
void AgentReplay::check_models_until(std::uint64_t step, const RecoveryJournal& journal) const {
  const auto* next = journal.model(agent_.id, agent_.model_version + 1);
  if (next != nullptr && next->step <= step) {
    throw ReplayMismatch(where(agent_.id, next->step, agent_.model_version + 1) +
                         " is in the log, but its replay did not retrain then");
  }
}

}  // namespace dais::server

// What the engine keeps for one agent between steps: its fault state, its detector
// (model, threshold, training window), its local blacklist, its validator's view
// and the flagged flows its next signatures are built from.
// Plain data; the engine owns one per agent. During the parallel phases only the
// thread working for an agent touches its runtime.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "agents/blacklist.h"
#include "agents/evidence.h"
#include "agents/signature.h"
#include "agents/features.h"
#include "agents/isolation_forest.h"
#include "agents/segment_traffic.h"
#include "agents/validation.h"
#include "server/training_window.h"

namespace dais::server {

struct AgentRuntime {
  AgentRuntime(std::uint32_t agent_id, std::size_t window, std::size_t blacklist_capacity, unsigned prefix_len,
               std::uint64_t seed, const agents::TrafficParams& traffic_params)
      : id(agent_id),
        training(window),
        blacklist(blacklist_capacity, prefix_len),
        traffic(seed, agent_id, traffic_params) {}

  std::uint32_t id;
  bool byzantine = false;
  bool crashed = false;
  std::uint64_t crashed_at = 0;
  std::uint64_t recover_step = 0;
  // The step of its last recovery until it first votes / blocks a flow after it (recovery time).
  std::optional<std::uint64_t> awaiting_vote, awaiting_block;
  std::optional<agents::IsolationForest> model;
  double threshold = 0.5;
  std::uint64_t model_version = 0;
  bool needs_retrain = false;
  TrainingWindow training;
  agents::Blacklist blacklist;
  agents::ValidatorView view;
  // The segment's traffic (its flow collector's window), not the agent's memory: a crash keeps it.
  agents::SegmentTraffic traffic;
  // Flagged flows of the last few steps (with their scores): slow attacks need several steps
  // to reach a signature's minimum number of observations.
  std::deque<std::vector<std::pair<agents::Flow, double>>> recent_flagged;
  // validation.defence evidence: the blocked flows of each listed indicator its model scored
  // clean or flagged (agents/evidence.h), by indicator; dropped when the entry leaves its list.
  std::map<std::uint32_t, agents::EvidenceCount> evidence;
  // A Byzantine agent's memory of real signatures it saw lately (engine.cpp, remember).
  std::deque<agents::Signature> seen_signatures;
};

}  // namespace dais::server

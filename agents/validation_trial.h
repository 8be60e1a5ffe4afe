// A measured validation trial: the realistic setting behind the claim that
// honest validators approve true campaign signatures and reject poisoned ones
// (used by tests/agents/test_validation.cpp and `dais-bench validate`).
//
// Setting, per seed: `agents` agents, each with an Isolation Forest trained on
// its own benign traffic of the first warmup_steps steps (never retrained) and
// a ValidatorView fed every step with what it observed. Five campaigns (one of
// each kind) reach every agent in a seeded order. Every step each agent
// extracts signatures from its flagged flows of the last window_steps steps;
// the first time an agent extracts a given signature id it proposes it, and
// every other agent votes (validate). In the same step, one seeded Byzantine
// proposer forges a signature for a benign address it really observed (its
// own clients or a shared server) from that address's benign flows, with a
// centroid perturbation drawn from `poison_perturbations`, and every other
// agent votes on it too; and when some true signature was proposed that step,
// it also relabels one of them with a benign address (the "mimic" disguise,
// reported apart: content alone cannot expose it, only history can). Ground truth (labels, campaign sources) is used only
// here, to classify signatures after the fact; detection never sees it.
// Pure function of its inputs; no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agents/campaigns.h"
#include "agents/validation.h"

namespace dais::agents {

struct ValidationTrialParams {
  std::uint32_t agents = 6;
  std::uint32_t flows_per_step = 40;
  std::uint64_t warmup_steps = 12;       // benign-only training traffic
  std::uint64_t campaign_interval = 12;  // steps between campaign starts
  std::uint32_t propagation_delay = 2;
  std::uint64_t window_steps = 3;        // flows behind each signature
  double contamination = 0.05;           // detection threshold: this training-score quantile
  std::size_t trees = 100;
  std::size_t max_samples = 256;
  // Forged centroids: the benign centroid moved by perturbation * N(0, 1) in
  // units of each feature's spread in the forger's own clean traffic.
  std::vector<double> poison_perturbations = {0.0, 0.25, 0.5};
  ValidationParams validation{};
  bool keep_records = false;  // fill ValidationTrialResult::records
};

// One vote, for analysis (kept when keep_records).
struct VoteRecord {
  std::uint64_t seed = 0, step = 0;
  std::uint32_t proposer = 0, voter = 0;
  std::string category;  // "true", "poison", "false"
  std::string detail;    // campaign kind, or perturbation
  bool seen = false;     // true signatures: the voter had been hit by the campaign
  VoteDecision decision;
  std::uint64_t history_clean = 0, history_flagged = 0;
  std::uint64_t match_clean = 0, match_flagged = 0;  // voter's history of decision.matched_source
  bool match_is_attacker = false;
};

struct VoteTally {
  std::uint64_t votes = 0;
  std::uint64_t approved = 0;
  double rate() const { return votes == 0 ? 0.0 : static_cast<double>(approved) / static_cast<double>(votes); }
  void add(bool approve) {
    ++votes;
    approved += approve ? 1 : 0;
  }
  void merge(const VoteTally& o) {
    votes += o.votes;
    approved += o.approved;
  }
};

struct ValidationTrialResult {
  std::uint64_t true_signatures = 0;    // proposals whose indicator is a campaign source
  std::uint64_t poison_signatures = 0;  // forged by the Byzantine proposer
  std::uint64_t false_signatures = 0;   // honest proposals for benign addresses (false positives)
  std::uint64_t mimic_signatures = 0;   // a real attack signature relabelled with a benign address
  VoteTally true_votes, poison_votes, false_votes, mimic_votes;
  VoteTally true_votes_seen;    // validators that had already been hit by that campaign
  VoteTally true_votes_unseen;  // validators not hit yet
  std::map<std::string, VoteTally> true_by_kind;           // campaign kind name
  std::map<std::string, VoteTally> poison_by_perturbation;  // "0.25" etc.
  std::map<std::string, std::uint64_t> true_reasons, poison_reasons;  // VoteReason name -> votes
  std::vector<VoteRecord> records;
  void merge(const ValidationTrialResult& other);
};

ValidationTrialResult run_validation_trial(std::uint64_t seed, const ValidationTrialParams& params);

}  // namespace dais::agents

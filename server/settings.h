// Everything the step engine needs from the configuration, as plain typed
// values, read once from a validated config::Config. The engine never reads
// configuration keys itself, so the key names live in one place (settings.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agents/adversary.h"
#include "agents/campaigns.h"
#include "agents/signature.h"
#include "agents/traffic.h"
#include "agents/validation.h"
#include "projections/consensus.h"
#include "server/network.h"

namespace dais::config {
class Config;
}

namespace dais::server {

struct DetectorSettings {
  std::uint32_t trees = 100;
  std::uint32_t samples = 256;
  double contamination = 0;  // 0 = fixed threshold below
  double threshold = 0.62;
  std::uint32_t retrain_interval = 50;
  std::uint32_t window = 2000;
};

struct FaultSettings {
  double crash_rate = 0;
  std::uint32_t recovery_steps = 5;
  double byzantine_fraction = 0;
  double poison_rate = 0.25;  // chance per step that a Byzantine agent proposes a poisoned signature
  agents::AdversaryStrategy adversary = agents::AdversaryStrategy::forge;
  std::uint64_t sleeper_steps = 50;
  double low_rate = 0.02;
  bool collude = true;
  std::uint32_t sybils = 0;  // Sybil identities, ids agents .. agents + sybils - 1: they only vote
};

struct EngineSettings {
  std::uint32_t agents = 10;
  std::uint64_t steps = 100;  // 0 = until stopped
  std::uint64_t seed = 1;
  unsigned threads = 0;
  agents::TrafficParams traffic;
  agents::CampaignPlan campaigns;
  DetectorSettings detector;
  agents::SignatureParams signature;
  std::uint32_t signature_window = 3;  // steps of flagged flows behind a signature
  agents::ValidationParams validation;
  bool consensus_enabled = true;
  projections::ConsensusParams consensus;
  std::vector<std::string> protected_addresses;
  std::uint64_t blacklist_expiry = 200;
  std::uint32_t blacklist_capacity = 4096;
  FaultSettings faults;
  NetworkSettings network;
};

EngineSettings settings_from_config(const config::Config& config);

}  // namespace dais::server

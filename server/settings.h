// Everything the step engine needs from the configuration, as plain typed
// values, read once from a validated config::Config. The engine never reads
// configuration keys itself, so the key names live in one place (settings.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agents/adversary.h"
#include "agents/campaigns.h"
#include "agents/signature.h"
#include "agents/traffic.h"
#include "agents/validation.h"
#include "projections/consensus.h"
#include "server/network.h"
#include "server/partition.h"

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

// traffic.* keys of recorded traffic (docs/SIMULATION.md "Recorded traffic"); source "synthetic" ignores the rest.
struct RecordedSettings {
  std::string source = "synthetic";  // synthetic | flows | pcap
  std::string path;                  // a file, or a folder whose files are read in name order
  double step_seconds = 60;          // capture time in one step
  std::vector<std::string> segments; // empty or {"hash"}: destination hash; else one CIDR list per agent
  std::uint32_t training_steps = 10; // capture steps of pre-run history
  std::string labels;                // label file ("" = labels from the data, if any)
  std::string mix = "none";          // none | recorded_attacks | recorded_benign (docs/SIMULATION.md "Mixing")
  bool recorded() const { return source != "synthetic"; }
  // Synthetic benign traffic with the recording's attacks in it.
  bool mix_attacks() const { return mix == "recorded_attacks"; }
  // The recording's benign traffic with synthetic campaigns in it.
  bool mix_benign() const { return mix == "recorded_benign"; }
};
struct RecordedInput;  // server/recorded_input.h

struct EngineSettings {
  std::uint32_t agents = 10;
  std::uint64_t steps = 100;  // 0 = until stopped
  std::uint64_t seed = 1;
  unsigned threads = 0;
  Partition partition = Partition::block;  // which MPI rank owns which agent (runtime: never changes results)
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
  RecordedSettings recorded_traffic;
  // The recorded traffic read from recorded_traffic's files (Run loads it); null for synthetic traffic.
  std::shared_ptr<const RecordedInput> recorded;
};

EngineSettings settings_from_config(const config::Config& config);

}  // namespace dais::server

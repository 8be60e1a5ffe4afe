#include "server/settings.h"

#include <algorithm>
#include <string>
#include <utility>
#include <thread>

#include "config/config.h"
#include "config/error.h"
#include "config/value.h"

namespace dais::server {

namespace {
std::uint32_t u32(const config::Config& c, std::string_view key) {
  return static_cast<std::uint32_t>(c.get_int(key));
}
}  // namespace

EngineSettings settings_from_config(const config::Config& c) {
  EngineSettings s;
  s.agents = u32(c, "simulation.agents");
  s.steps = static_cast<std::uint64_t>(c.get_int("simulation.steps"));
  s.seed = static_cast<std::uint64_t>(c.get_int("simulation.seed"));
  s.threads = u32(c, "simulation.threads");
  if (s.threads == 0) s.threads = std::max(1u, std::thread::hardware_concurrency());
  s.partition = parse_partition(c.get_string("simulation.partition"));

  s.traffic.flows_per_step = u32(c, "traffic.flows_per_step");
  const bool realistic = c.get_string("simulation.scenario") == "realistic";
  s.traffic.scenario = realistic ? agents::Scenario::realistic : agents::Scenario::classroom;
  s.traffic.window_steps = u32(c, "traffic.window_steps");
  s.traffic.steps_per_day = u32(c, "traffic.steps_per_day");
  s.traffic.attack_distance = c.get_double("traffic.attack_distance");
  s.campaigns.kinds = realistic ? static_cast<std::uint32_t>(agents::kCampaignKindCount) : agents::kClassroomKindCount;
  s.campaigns.count = u32(c, "traffic.campaigns");
  s.campaigns.first_step = static_cast<std::uint64_t>(c.get_int("traffic.first_campaign_step"));
  s.campaigns.interval = static_cast<std::uint64_t>(c.get_int("traffic.campaign_interval"));
  s.campaigns.propagation_delay = u32(c, "traffic.propagation_delay");
  s.campaigns.infrastructure.pool_size = u32(c, "attack.pool_size");
  s.campaigns.infrastructure.benign_share = c.get_double("attack.pool_benign_share");
  s.campaigns.infrastructure.sources_per_target = u32(c, "attack.sources_per_target");
  s.campaigns.infrastructure.churn = c.get_double("attack.churn");
  s.campaigns.infrastructure.fresh_per_target = c.get_bool("attack.fresh_address_per_target");
  const auto& infra = s.campaigns.infrastructure;
  if (infra.pool_size == 0) {
    // Fixed addresses: these keys would be silently ignored. Only a value someone set is an error;
    // the defaults (schema or scenario) are what the model would use with a pool.
    const std::pair<const char*, bool> ignored[] = {{"attack.pool_benign_share", infra.benign_share > 0},
                                                    {"attack.sources_per_target", infra.sources_per_target > 0},
                                                    {"attack.churn", infra.churn > 0},
                                                    {"attack.fresh_address_per_target", infra.fresh_per_target}};
    for (const auto& [key, set] : ignored) {
      if (!set || c.source(key) == "default" || c.source(key).rfind("scenario ", 0) == 0) continue;
      const auto value = config::format_value(c.get(key));
      throw config::ConfigError(std::string(key) + " = " + value +
                                    " needs attacker infrastructure: set attack.pool_size > 0 (0 is the classroom "
                                    "model, 1-4 fixed addresses per campaign)",
                                key, value);
    }
  }

  s.detector.trees = u32(c, "detector.trees");
  s.detector.samples = u32(c, "detector.samples");
  s.detector.contamination = c.get_double("detector.contamination");
  s.detector.threshold = c.get_double("detector.threshold");
  s.detector.retrain_interval = u32(c, "detector.retrain_interval");
  s.detector.window = u32(c, "detector.window");

  s.signature.min_observations = u32(c, "signature.min_observations");
  s.signature_window = u32(c, "signature.window");
  s.signature.prefix_len = static_cast<unsigned>(c.get_int("consensus.signature_prefix"));
  s.validation.similarity_threshold = c.get_double("validation.similarity_threshold");
  const auto defence = c.get_string("validation.defence");
  s.validation.content_check = defence == "content_check" || defence == "both";
  s.validation.abstain_unseen = defence == "abstain_unseen" || defence == "both" || defence == "evidence_abstain";
  s.validation.evidence = defence == "evidence" || defence == "evidence_abstain";

  s.consensus_enabled = c.get_bool("consensus.enabled");
  s.consensus.majority = c.get_double("consensus.majority");
  s.consensus.quorum = c.get_double("consensus.quorum");
  s.consensus.window = u32(c, "consensus.window");
  s.consensus.committee = u32(c, "consensus.committee");
  s.consensus.reputation = c.get_bool("consensus.reputation");
  s.consensus.tie = c.get_string("consensus.tie") == "accept" ? projections::ConsensusParams::Tie::accept
                                                               : projections::ConsensusParams::Tie::reject;
  s.protected_addresses = c.get_list("consensus.protected");

  s.blacklist_expiry = static_cast<std::uint64_t>(c.get_int("blacklist.expiry"));
  s.blacklist_capacity = u32(c, "blacklist.capacity");

  s.faults.crash_rate = c.get_double("faults.crash_rate");
  s.faults.recovery_steps = u32(c, "faults.recovery_steps");
  s.faults.byzantine_fraction = c.get_double("faults.byzantine_fraction");
  s.faults.poison_rate = c.get_double("faults.poison_rate");
  s.faults.adversary = *agents::parse_adversary_strategy(c.get_string("faults.adversary"));  // a schema choice
  s.faults.sleeper_steps = static_cast<std::uint64_t>(c.get_int("faults.sleeper_steps"));
  s.faults.low_rate = c.get_double("faults.low_rate");
  s.faults.collude = c.get_bool("faults.collude");
  s.faults.sybils = u32(c, "faults.sybils");

  s.network.delay_steps = u32(c, "network.delay_steps");
  s.network.jitter_steps = u32(c, "network.jitter_steps");
  s.network.loss = c.get_double("network.loss");
  s.network.partition_fraction = c.get_double("network.partition_fraction");
  s.network.partition_start_step = static_cast<std::uint64_t>(c.get_int("network.partition_start_step"));
  s.network.partition_steps = static_cast<std::uint64_t>(c.get_int("network.partition_steps"));

  s.recorded_traffic.source = c.get_string("traffic.source");
  s.recorded_traffic.path = c.get_string("traffic.path");
  s.recorded_traffic.step_seconds = c.get_double("traffic.step_seconds");
  s.recorded_traffic.segments = c.get_list("traffic.segments");
  s.recorded_traffic.training_steps = u32(c, "traffic.training_steps");
  s.recorded_traffic.labels = c.get_string("traffic.labels");
  s.recorded_traffic.mix = c.get_string("traffic.mix");
  // Recorded traffic brings its own attacks: no synthetic campaigns are planned, unless its benign
  // flows are the background of synthetic ones. There the synthetic network whose hosts a pool
  // would borrow is not simulated, so every attacker address is public (docs/SIMULATION.md "Mixing").
  if (s.recorded_traffic.recorded() && !s.recorded_traffic.mix_benign()) s.campaigns.count = 0;
  if (s.recorded_traffic.mix_benign()) s.campaigns.infrastructure.benign_share = 0;
  return s;
}

}  // namespace dais::server

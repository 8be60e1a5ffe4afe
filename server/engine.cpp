#include "server/engine.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>

#include "agents/connection.h"
#include "agents/features.h"
#include "agents/flow_window.h"
#include "agents/indicator.h"
#include "agents/signature.h"
#include "agents/traffic.h"
#include "common/random.h"
#include "events/evidence.h"
#include "server/agent_replay.h"
#include "server/agent_runtime.h"
#include "server/detection.h"
#include "server/partition.h"
#include "server/phase_results.h"
#include "server/rank_commands.h"
#include "server/rank_exchange.h"
#include "server/recorded_input.h"
#include "server/traffic_mix.h"
#include "server/recovery.h"

namespace dais::server {

namespace {

using Clock = std::chrono::steady_clock;

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <typename Phase> void timed(double& seconds, double& cpu_seconds, Phase&& phase) {
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  phase();
  cpu_seconds = process_cpu_seconds() - cpu_start;
  seconds = std::chrono::duration<double>(Clock::now() - start).count();
}

// The classroom warm-up history lives far above any run step, so it never collides with run
// traffic (its features are drawn per flow, with no times); the realistic one is the traffic of
// the steps before 0 (warmup_flows).
constexpr std::uint64_t kWarmupStepBase = std::uint64_t{1} << 62;

void add_counts(events::StepCompleted& stats, const events::StepCompleted& c) {
  stats.flows += c.flows;
  stats.attack_flows += c.attack_flows;
  stats.flagged += c.flagged;
  stats.true_positives += c.true_positives;
  stats.false_positives += c.false_positives;
  stats.false_negatives += c.false_negatives;
  stats.blocked += c.blocked;
  stats.blocked_attack += c.blocked_attack;
  stats.blocked_benign += c.blocked_benign;
  stats.flows_while_down += c.flows_while_down;
  stats.missed_while_down += c.missed_while_down;
}

agents::AdversaryParams adversary_params(const EngineSettings& settings) {
  agents::AdversaryParams params;
  params.fraction = settings.faults.byzantine_fraction;
  params.poison_rate = settings.faults.poison_rate;
  params.min_observations = settings.signature.min_observations;
  params.strategy = settings.faults.adversary;
  params.sleeper_steps = settings.faults.sleeper_steps;
  params.low_rate = settings.faults.low_rate;
  params.collude = settings.faults.collude;
  params.target_score = settings.validation.solo_score_threshold;
  return params;
}

}  // namespace

agents::ForestParams forest_params(const EngineSettings& settings, std::uint32_t agent, std::uint64_t version) {
  agents::ForestParams params;
  params.n_estimators = settings.detector.trees;
  params.max_samples = settings.detector.samples;
  params.seed = mix64(settings.seed ^ mix64(static_cast<std::uint64_t>(Purpose::forest) + agent)) ^ mix64(version);
  if (settings.detector.contamination > 0) params.contamination = settings.detector.contamination;
  return params;
}

namespace {

std::vector<agents::Flow> synthetic_warmup_flows(const EngineSettings& settings, std::uint32_t agent) {
  const auto per_step = std::max<std::uint32_t>(1, settings.traffic.flows_per_step);
  const std::uint64_t warmup_steps = (settings.detector.window + per_step - 1) / per_step;
  std::vector<agents::Flow> out;
  const auto& params = settings.traffic;
  if (params.scenario == agents::Scenario::realistic) {
    // The steps just before the run (what the window of step 0 also replays), not steps near
    // kWarmupStepBase: there step x step length leaves a double no sub-step resolution, every
    // connection of a step would start at the same instant and the history's inter-arrival
    // features would all read 0, unlike any traffic the model then scores.
    if (params.window_steps == 0) throw std::invalid_argument("traffic.window_steps must be >= 1");
    const double step_s = agents::step_seconds(params);
    const auto first = -static_cast<std::int64_t>(warmup_steps);
    agents::FlowWindow window(params.window_steps);
    for (std::int64_t s = first - static_cast<std::int64_t>(params.window_steps) + 1; s < 0; ++s) {
      const auto flows = window.advance(s, agents::generate_connections(settings.seed, agent, s, params, {}), step_s);
      if (s >= first) out.insert(out.end(), flows.begin(), flows.end());
    }
    return out;
  }
  agents::SegmentTraffic traffic(settings.seed, agent, settings.traffic);
  for (std::uint64_t w = 0; w < warmup_steps; ++w) {
    const auto flows = traffic.flows(kWarmupStepBase + w, {});
    out.insert(out.end(), flows.begin(), flows.end());
  }
  return out;
}

}  // namespace

std::vector<agents::Flow> warmup_flows(const EngineSettings& settings, std::uint32_t agent) {
  if (!settings.recorded) return synthetic_warmup_flows(settings, agent);
  const auto& recorded = settings.recorded->traffic.warmup(agent);  // the capture's first steps
  if (!settings.recorded_traffic.mix_attacks()) return recorded;
  // The synthetic benign history, then the recording's attacks of its warm-up steps (learnt as
  // normal, as attacks inside any warm-up are).
  auto out = synthetic_warmup_flows(settings, agent);
  out.insert(out.end(), recorded.begin(), recorded.end());
  return out;
}

Engine::Engine(EngineSettings settings, ThreadPool& pool, RankExchange* ranks)
    : settings_(std::move(settings)),
      pool_(pool),
      ranks_(ranks),
      adversary_(settings_.seed, adversary_params(settings_)),
      consensus_(settings_) {
  if (settings_.validation.evidence && multi_rank()) {
    throw std::invalid_argument(
        "validation.defence evidence/evidence_abstain runs on one rank only: each agent's evidence lives on its "
        "owner rank (run without mpirun, or choose another defence)");
  }
  const auto n = settings_.agents;
  owned_ = ranks_ ? owned_agents(settings_.partition, n, ranks_->rank(), ranks_->size())
                  : owned_agents(settings_.partition, n, 0, 1);
  owns_.assign(n, false);
  for (const auto a : owned_) owns_[a] = true;
  agents_.reserve(n);
  for (std::uint32_t a = 0; a < n; ++a) {
    agents_.push_back(std::make_unique<AgentRuntime>(a, settings_.detector.window, settings_.blacklist_capacity,
                                                     settings_.signature.prefix_len, settings_.seed, settings_.traffic));
  }
  for (auto a : adversary_.byzantine_agents(n)) agents_[a]->byzantine = true;

  campaigns_ = agents::plan_campaigns(settings_.seed, n, settings_.campaigns);
  next_campaign_id_ = static_cast<std::uint32_t>(campaigns_.size()) + 1;
  index_campaign_sources(campaigns_.size());
  protection_.add_campaigns(campaigns_);
}

Engine::~Engine() = default;

bool Engine::is_byzantine(std::uint32_t agent) const { return agent < agents_.size() && agents_[agent]->byzantine; }

const agents::Blacklist& Engine::agent_blacklist(std::uint32_t agent) const { return agents_.at(agent)->blacklist; }

bool Engine::is_crashed(std::uint32_t agent) const { return agents_.at(agent)->crashed; }

std::string Engine::model_digest(std::uint32_t agent) const {
  const auto& model = agents_.at(agent)->model;
  return model ? to_hex(model->digest()) : std::string{};
}

// Ground truth for scoring only: the planned campaigns' sources, or a recording's attackers (from
// its labels) when the recording supplies the attacks; then every operator campaign's.
void Engine::index_campaign_sources(std::size_t planned) {
  const bool recorded_attacks = settings_.recorded && !settings_.recorded_traffic.mix_benign();
  campaign_sources_.clear();
  if (recorded_attacks) campaign_sources_ = settings_.recorded->traffic.attack_sources();
  for (std::size_t i = recorded_attacks ? planned : 0; i < campaigns_.size(); ++i) {
    campaign_sources_.insert(campaigns_[i].sources.begin(), campaigns_[i].sources.end());
  }
}

// With prefix signatures an indicator is "true" when it covers some campaign source.
bool Engine::is_campaign_source(std::uint32_t address) const {
  const unsigned prefix = settings_.signature.prefix_len;
  if (prefix == 32) return campaign_sources_.count(address) != 0;
  const auto network = agents::indicator_of(address, prefix);
  const auto it = campaign_sources_.lower_bound(network);
  return it != campaign_sources_.end() && agents::covers(network, prefix, *it);
}

std::vector<std::uint32_t> Engine::active_agents() const {
  std::vector<std::uint32_t> out;
  for (const auto& a : agents_) {
    if (!a->crashed) out.push_back(a->id);
  }
  return out;
}

std::vector<std::uint32_t> Engine::electorate() const {
  auto out = active_agents();
  for (std::uint32_t s = 0; s < settings_.faults.sybils; ++s) out.push_back(settings_.agents + s);
  return out;
}

// A Sybil identity has no traffic, model or view: it casts the adversary's bloc ballot, or none.
void Engine::sybil_ballots(std::uint64_t step, std::vector<Ballot>& ballots) const {
  for (auto& ballot : ballots) {
    const auto& pending = consensus_.open(ballot.signature);
    const auto cast = adversary_.vote(step, agents_[pending.proposer]->byzantine);
    ballot.abstain = !cast;
    if (!cast) continue;
    ballot.vote.approve = cast->approve;
    ballot.vote.similarity = cast->similarity;
    ballot.vote.confidence = cast->confidence;
  }
}

void Engine::remove_block(const events::BlacklistRemoved& removed) {
  const auto parsed = agents::parse_indicator_ipv4(removed.indicator);
  if (!parsed) throw std::invalid_argument("BlacklistRemoved with bad indicator '" + removed.indicator + "'");
  if (parsed->prefix_len != settings_.signature.prefix_len) {
    throw std::invalid_argument("no blacklist blocks " + removed.indicator + " (this run's signatures cover /" +
                                std::to_string(settings_.signature.prefix_len) + ")");
  }
  const std::uint32_t indicator = parsed->network;
  // Listed means able to block at the next step: an entry that has run out is already gone.
  const auto& network = consensus_.network_blacklist();
  const auto it = network.find(indicator);
  bool listed = it != network.end() && next_step_ < it->second.expires_step;
  for (const auto& agent : agents_) listed = listed || agent->blacklist.contains(indicator, next_step_);
  if (!listed) throw std::invalid_argument("no blacklist blocks " + removed.indicator);
  consensus_.remove(indicator);
  for (auto& agent : agents_) agent->blacklist.remove(indicator);
}

void Engine::apply_operator_input(const events::Event& input) {
  // Applied here first: an input this rank refuses is never sent to the others.
  if (input.type == events::type::blacklist_removed) {
    remove_block(input.data.get<events::BlacklistRemoved>());
    fold_into_log_view(input.type, input.step, input.data);
    if (multi_rank() && ranks_->rank() == 0) inputs_to_announce_.push_back(input);
    return;
  }
  if (multi_rank() && ranks_->rank() == 0) inputs_to_announce_.push_back(input);
  if (input.type != events::type::attack_injected) return;
  const auto attack = input.data.get<events::AttackInjected>();
  const auto kind = agents::parse_campaign_kind(attack.kind);
  if (!kind) throw std::invalid_argument("AttackInjected with unknown kind '" + attack.kind + "'");
  agents::Campaign campaign;
  campaign.id = next_campaign_id_++;
  campaign.kind = *kind;
  campaign.start_step = attack.start_step;
  campaign.duration_steps = agents::default_duration_steps(*kind);
  campaign.intensity = agents::default_intensity(*kind);
  for (const auto& s : attack.sources) {
    const auto address = agents::parse_ipv4(s);
    if (!address) throw std::invalid_argument("AttackInjected with bad source '" + s + "'");
    campaign.sources.push_back(*address);
  }
  campaign.targets = attack.targets;
  campaign.delay_steps = attack.delay_steps;
  if (attack.duration_steps != 0) campaign.duration_steps = attack.duration_steps;
  campaign_sources_.insert(campaign.sources.begin(), campaign.sources.end());
  campaigns_.push_back(std::move(campaign));
  protection_.add_campaigns(campaigns_);
}

void Engine::fold_into_log_view(const std::string& type, std::uint64_t step, const nlohmann::json& data) {
  // Only the events the blacklists projection reads, so nothing else is copied.
  if (type == events::type::consensus_reached || type == events::type::local_blacklist_added ||
      type == events::type::step_completed || type == events::type::blacklist_removed ||
      type == events::type::signature_revoked) {
    log_blacklists_.apply(events::Event{0, type, step, data, std::string{}});
  }
  // Only a crashed agent's replay reads the journal, and only faults.crash_rate crashes agents:
  // without crashes, a week-long run would otherwise keep every ModelRetrained for nothing.
  if (settings_.faults.crash_rate > 0) journal_.apply(type, step, data);
}

bool Engine::multi_rank() const { return ranks_ != nullptr && ranks_->size() > 1; }

// Rank 0 tells the others to run the next step, with the operator inputs to apply first.
void Engine::announce_step() {
  if (!multi_rank() || ranks_->rank() != 0) return;
  ranks_->broadcast(encode_step_command(next_step_, inputs_to_announce_));
  inputs_to_announce_.clear();
}

std::vector<Produced> Engine::run_step() {
  if (!multi_rank()) return step_phases();
  ranks_->count_step();
  try {
    announce_step();
    return step_phases();
  } catch (const std::exception& e) {
    // The other ranks wait in a collective this rank will never reach: end the whole job.
    ranks_->abort("step " + std::to_string(next_step_) + " failed: " + e.what());
    throw;  // not reached: abort() ends the process
  }
}

std::vector<Produced> Engine::step_phases() {
  const std::uint64_t step = next_step_;
  std::vector<Produced> out;
  events::StepCompleted stats;
  std::vector<Observation> observations;

  timed(phase_times_.faults, phase_cpu_.faults, [&] {
    if (step == 0) phase_initial_models(step, out);
    phase_faults(step, out);
  });
  timed(phase_times_.observe, phase_cpu_.observe, [&] { observations = phase_observe(step, stats); });
  timed(phase_times_.propose, phase_cpu_.propose, [&] { phase_propose(step, observations, out, stats); });
  timed(phase_times_.vote, phase_cpu_.vote, [&] {
    if (settings_.consensus_enabled) phase_vote(step, out, stats);
  });
  timed(phase_times_.decide, phase_cpu_.decide, [&] {
    if (settings_.consensus_enabled) phase_decide(step, out, stats);
  });
  timed(phase_times_.evidence, phase_cpu_.evidence, [&] {
    if (settings_.consensus_enabled && settings_.validation.evidence) phase_evidence(step, out);
  });
  timed(phase_times_.apply, phase_cpu_.apply, [&] { phase_apply(step, out, stats); });

  stats.active_agents = static_cast<std::uint32_t>(active_agents().size());
  out.push_back(produce(step, stats));
  for (const auto& p : out) fold_into_log_view(p.type, p.step, p.data);
  if (settings_.faults.crash_rate > 0 && consensus_.network().heal_step() == step) {
    journal_.keep_healed(log_blacklists_.network());
  }
  ++next_step_;
  return out;
}

// Every agent starts with a model trained on pre-run benign history of its own segment.
void Engine::phase_initial_models(std::uint64_t step, std::vector<Produced>& out) {
  pool_.parallel_for(owned_.size(), [&](std::size_t k) {
    auto& agent = *agents_[owned_[k]];
    for (const auto& f : warmup_flows(settings_, agent.id)) agent.training.add(f.features, f.source);
    agent.needs_retrain = true;
  });
  events::StepCompleted unused;
  retrain_due(step, out, unused);
  pool_.parallel_for(owned_.size(), [&](std::size_t k) { seed_view(*agents_[owned_[k]]); });
}

// Validators judge peers' signatures against what they have seen: they start with the same
// history their first model learnt from, so a cold start is not mistaken for an anomaly.
void Engine::seed_view(AgentRuntime& agent) const {
  {
    const auto history = warmup_flows(settings_, agent.id);
    const std::size_t round = std::max<std::size_t>(1, settings_.traffic.flows_per_step);
    std::vector<float> rows;
    std::vector<double> scores;
    for (std::size_t begin = 0; begin < history.size(); begin += round) {
      const std::size_t end = std::min(history.size(), begin + round);
      const std::span<const agents::Flow> flows(history.data() + begin, end - begin);
      rows.clear();
      for (const auto& f : flows) rows.insert(rows.end(), f.features.begin(), f.features.end());
      scores.assign(flows.size(), 0.0);
      agent.model->score(rows, agents::kFeatureCount, scores);
      agent.view.observe(flows, scores, agent.threshold);
    }
  }
}

// A crash loses everything the agent held in memory; only its identity, its fault schedule and
// the number of its last model (which the log's ModelRetrained events also hold) remain.
void Engine::crash(AgentRuntime& agent, std::uint64_t step) {
  agent.crashed = true;
  agent.crashed_at = step;
  agent.recover_step = step + settings_.faults.recovery_steps;
  agent.model.reset();
  agent.threshold = settings_.detector.threshold;
  agent.needs_retrain = false;
  agent.training = TrainingWindow(settings_.detector.window);
  agent.blacklist = agents::Blacklist(settings_.blacklist_capacity, settings_.signature.prefix_len);
  agent.view = agents::ValidatorView{};
  agent.recent_flagged.clear();
  agent.seen_signatures.clear();
  agent.evidence.clear();
  agent.awaiting_vote.reset();  // a recovery that never voted or blocked before the next crash stays unmeasured
  agent.awaiting_block.reset();
}

// Recovery rebuilds the agent from the log (server/recovery.h): its blacklist from the log's
// blacklists; its model and training window those of its last ModelRetrained, rebuilt by replaying
// it from the log and its traffic (server/agent_replay.h, digest checked) without the sources that
// blacklist blocks now (then it retrains at the end of the step); a validator view seeded as at the start.
// What every rank keeps of an agent is set here; the replay (heavy) runs on its owner rank
// (replay_recovered_agents), which fills in the model its AgentRecovered names.
void Engine::recover(AgentRuntime& agent, std::uint64_t step, std::vector<Produced>& out) {
  agent.crashed = false;
  ++recovery_times_.recoveries;
  agent.awaiting_vote = step;
  agent.awaiting_block = step;
  agent.blacklist = recovered_blacklist(log_blacklists_, agent.id, step, settings_.blacklist_capacity,
                                        settings_.signature.prefix_len);
  out.push_back(produce(step, events::AgentRecovered{agent.id, step - agent.crashed_at, 0, std::string{}}));
}

// The owner's half of a recovery: the agent's detector replayed from the log up to its last crash.
// Fills the model version and digest of `recovered`.
void Engine::replay_recovered(AgentRuntime& agent, AgentReplay& replay, std::uint64_t step,
                              events::AgentRecovered& recovered) {
  replay.advance(journal_.last_crash(agent.id), campaigns_, consensus_.network(), journal_);
  const auto& last = replay.last_retrain();
  agent.training = last.training;
  agent.model = last.model;
  agent.threshold = last.model ? last.threshold : settings_.detector.threshold;
  agent.model_version = last.version;
  for (const auto& entry : agent.blacklist.entries()) {
    if (agent.training.purge(entry.indicator, settings_.signature.prefix_len) > 0) agent.needs_retrain = true;
  }
  recovered.model_version = last.version;
  recovered.model_digest = last.model ? to_hex(last.model->digest()) : std::string{};
  if (agent.model) seed_view(agent);
  replay.restart(agent, step);
}

// Recovered agents replay in parallel on their owners (each replay reads only the journal, the
// campaigns and the network, all fixed during the phase), then every rank learns the model each
// AgentRecovered left in `out` (at recovered_at) names.
void Engine::replay_recovered_agents(std::uint64_t step, const std::vector<std::size_t>& recovered_at,
                                     std::vector<Produced>& out) {
  std::vector<events::AgentRecovered> recovered(agents_.size());
  std::vector<std::uint32_t> mine;
  std::vector<std::unique_ptr<AgentReplay>*> replays;  // map slots made here: the map is not thread-safe
  for (const auto at : recovered_at) {
    auto r = out[at].data.get<events::AgentRecovered>();
    if (owns_[r.agent]) {
      mine.push_back(r.agent);
      replays.push_back(&replays_[r.agent]);
    }
    recovered[r.agent] = std::move(r);
  }
  pool_.parallel_for(mine.size(), [&](std::size_t k) {
    auto& replay = *replays[k];
    if (!replay) replay = std::make_unique<AgentReplay>(settings_, mine[k], journal_);
    replay_recovered(*agents_[mine[k]], *replay, step, recovered[mine[k]]);
  });
  if (multi_rank()) {
    share_slots(
        *ranks_, mine, recovered, [](const events::AgentRecovered&) { return true; }, write_recovered,
        read_recovered);
  }
  for (const auto at : recovered_at) {
    out[at] = produce(step, recovered[out[at].data.get<events::AgentRecovered>().agent]);
  }
  forget_replayed_journal();
}

// A replay restarts at its agent's recovery and reads the journal from there on (decisions from
// the network's reach before it); an agent that never recovered would replay from step 0, so it
// keeps everything. Ranks other than an agent's owner never replay it.
void Engine::forget_replayed_journal() {
  const auto& net = consensus_.network().settings();
  const std::uint64_t reach = std::uint64_t{net.delay_steps} + net.jitter_steps;
  std::uint64_t oldest = next_step_;
  for (std::uint32_t a = 0; a < agents_.size(); ++a) {
    if (!owns_[a]) {
      journal_.forget_agent_before(a, std::numeric_limits<std::uint64_t>::max(),
                                   std::numeric_limits<std::uint64_t>::max());
      continue;
    }
    const auto it = replays_.find(a);
    if (it == replays_.end()) {
      oldest = 0;
      continue;
    }
    const auto& replay = *it->second;
    journal_.forget_agent_before(a, replay.next_step(), replay.state().model_version);
    oldest = std::min(oldest, replay.next_step() > reach ? replay.next_step() - reach : 0);
  }
  journal_.forget_before(oldest);
}

// Crashes and recoveries, then what the campaigns reach this step (for time-to-protect).
void Engine::phase_faults(std::uint64_t step, std::vector<Produced>& out) {
  std::vector<std::size_t> recovered_at;  // positions in `out` of the recovered agents' AgentRecovered
  for (auto& agent : agents_) {
    if (agent->crashed) {
      if (step >= agent->recover_step) {
        recover(*agent, step, out);
        recovered_at.push_back(out.size() - 1);
      }
    } else if (settings_.faults.crash_rate > 0 &&
               Stream(settings_.seed, Purpose::crash, agent->id, step).chance(settings_.faults.crash_rate)) {
      crash(*agent, step);
      out.push_back(produce(step, events::AgentCrashed{agent->id, agent->recover_step}));
    }
  }
  if (!recovered_at.empty()) replay_recovered_agents(step, recovered_at, out);
  protection_.observe(step, campaigns_,
                      [this](std::uint32_t agent, std::uint32_t address) { return blocks(agent, address); });
}

// A Byzantine agent remembers the last kSignatureMemory real signatures it saw (its material
// for framing); a signature it already remembers keeps its place.
void Engine::remember(AgentRuntime& agent, const std::vector<agents::Signature>& signatures) {
  constexpr std::size_t kSignatureMemory = 16;
  for (const auto& s : signatures) {
    const bool known = std::any_of(agent.seen_signatures.begin(), agent.seen_signatures.end(),
                                   [&](const agents::Signature& m) { return m.id == s.id; });
    if (known) continue;
    agent.seen_signatures.push_back(s);
    if (agent.seen_signatures.size() > kSignatureMemory) agent.seen_signatures.pop_front();
  }
}

std::vector<Engine::Observation> Engine::phase_observe(std::uint64_t step, events::StepCompleted& stats) {
  std::vector<Observation> observations(agents_.size());
  pool_.parallel_for(owned_.size(), [&](std::size_t k) {
    const auto i = owned_[k];
    auto& agent = *agents_[i];
    auto& obs = observations[i];
    std::vector<agents::Flow> generated;
    const auto flows = segment_flows(settings_, agent.traffic, agent.id, step, campaigns_, generated);
    if (agent.crashed || !agent.model) {  // no model: it never had two flows to learn from; nobody watches
      count_unmonitored(flows, obs.counts);
      // Its attacks are misses of their kind too, so per-kind recall agrees with the overall one.
      for (const auto& f : flows) {
        if (f.label != 0) ++obs.by_label[f.label].attack_flows;
      }
      return;
    }
    const auto passed = detect(agent, step, flows, obs.counts, obs.hits, settings_.validation.evidence);
    // Per-campaign ground truth: an attack flow is detected unless it passed unflagged.
    for (const auto& f : flows) {
      if (f.label == 0) continue;
      auto& tally = obs.by_label[f.label];
      ++tally.attack_flows;
      ++tally.detected;
    }
    for (std::size_t k = 0; k < passed.flows.size(); ++k) {
      const auto label = passed.flows[k].label;
      if (label != 0 && !(passed.scores[k] > agent.threshold)) --obs.by_label[label].detected;
    }
    auto detected = honest_findings(agent, passed, settings_);
    if (!agent.byzantine || adversary_.reports_findings(step)) obs.findings = detected;
    obs.forged.assign(obs.findings.size(), false);
    if (agent.byzantine && settings_.consensus_enabled) {
      // What it observed, its own model and view, and what reached it: never the ground truth.
      remember(agent, detected);
      remember(agent, consensus_.received_by(agent.id, step));
      const std::vector<agents::Signature> seen(agent.seen_signatures.begin(), agent.seen_signatures.end());
      const agents::ForgeContext context{agent.id, step, passed.flows, passed.scores, agent.threshold,
                                         &*agent.model, &agent.view, seen, agent.view.baseline().sd()};
      if (auto forged = adversary_.forge(context)) {
        obs.findings.push_back(settings_.signature.prefix_len == 32
                                   ? std::move(*forged)
                                   : agents::widen_signature(*forged, settings_.signature.prefix_len));
        obs.forged.push_back(true);
      }
    }
    if (!obs.hits.empty() && agent.awaiting_block) {
      obs.recovered_to_block = step - *agent.awaiting_block;
      agent.awaiting_block.reset();
    }
  });
  if (multi_rank()) share_observations(step, observations);
  for (const auto& obs : observations) {
    add_counts(stats, obs.counts);
    if (obs.recovered_to_block) recovery_times_.add_block(*obs.recovered_to_block);
    for (const auto& [source, count] : obs.hits) {
      stats.blacklist_hits[agents::format_indicator(source, settings_.signature.prefix_len)] += count;
      consensus_.renew(source, step);
    }
    for (const auto& [label, tally] : obs.by_label) {
      if (settings_.recorded && !settings_.recorded_traffic.mix_benign()) {  // label ids: the data's attack kinds
        by_label_[label].attack_flows += tally.attack_flows;
        by_label_[label].detected += tally.detected;
        continue;
      }
      if (label == 0 || label > campaigns_.size()) continue;  // campaign ids are 1 + their index
      auto& kind = by_kind_[static_cast<std::size_t>(campaigns_[label - 1].kind)];
      kind.attack_flows += tally.attack_flows;
      kind.detected += tally.detected;
    }
  }
  return observations;
}

// Every rank learns every agent's observation; the light state the owners changed while
// observing follows: blacklist hits renew the replicas' entries exactly as they renewed the
// owner's (Blacklist::check_and_hit once per blocked flow), and a first block ends a recovery's wait.
void Engine::share_observations(std::uint64_t step, std::vector<Observation>& observations) {
  share_slots(
      *ranks_, owned_, observations, [](const Observation&) { return true; }, write_observation, read_observation);
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    if (owns_[i]) continue;
    auto& agent = *agents_[i];
    for (const auto& [source, count] : observations[i].hits) {
      for (std::uint64_t c = 0; c < count; ++c) agent.blacklist.check_and_hit(source, step);
    }
    if (observations[i].recovered_to_block) agent.awaiting_block.reset();
  }
}

void Engine::block_locally(AgentRuntime& agent, const std::string& signature_id, std::uint32_t indicator,
                           std::uint64_t step) {
  agent.blacklist.add(indicator, step, settings_.blacklist_expiry, signature_id);
  if (agent.training.purge(indicator, settings_.signature.prefix_len) > 0) agent.needs_retrain = true;
}

// Findings go to the consensus round in agent order; without consensus each agent blocks its own.
void Engine::phase_propose(std::uint64_t step, std::vector<Observation>& observations, std::vector<Produced>& out,
                           events::StepCompleted& stats) {
  const auto active = electorate();
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    auto& agent = *agents_[i];
    for (std::size_t k = 0; k < observations[i].findings.size(); ++k) {
      const auto& sig = observations[i].findings[k];
      if (settings_.consensus_enabled) {
        // Ground truth (is the indicator an attacker) is recorded for scoring only.
        const Finding finding{sig, agent.id, observations[i].forged[k], !is_campaign_source(sig.indicator)};
        consensus_.offer(step, finding, active, out, stats);
        continue;
      }
      if (agent.blacklist.contains(sig.indicator)) continue;
      block_locally(agent, sig.id, sig.indicator, step);
      out.push_back(produce(step, events::LocalBlacklistAdded{agent.id, sig.id, agents::format_indicator(sig.indicator, sig.prefix_len),
                                                              step + settings_.blacklist_expiry}));
    }
  }
}

// Honest voters validate against their own view and model; Byzantine ones follow the adversary.
void Engine::phase_vote(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  auto ballots = consensus_.ballots_owed(agents_.size() + settings_.faults.sybils, electorate(), step);
  // Every rank casts the Sybil ballots itself (sybil_ballots reads only the step and the log's
  // consensus state), so only the real agents' ballots cross ranks.
  for (std::size_t v = agents_.size(); v < ballots.size(); ++v) sybil_ballots(step, ballots[v]);
  pool_.parallel_for(owned_.size(), [&](std::size_t k) {
    const auto v = owned_[k];
    const auto& voter = *agents_[v];
    for (auto& ballot : ballots[v]) {
      const auto& pending = consensus_.open(ballot.signature);
      auto& vote = ballot.vote;
      if (voter.byzantine) {
        if (const auto cast = adversary_.vote(step, agents_[pending.proposer]->byzantine)) {
          vote.approve = cast->approve;
          vote.similarity = cast->similarity;
          vote.confidence = cast->confidence;
          continue;
        }
      }
      const auto decision = agents::validate(pending.signature, voter.view, *voter.model, settings_.validation);
      vote.approve = decision.approve;
      vote.similarity = decision.similarity;
      vote.confidence = decision.confidence;
      ballot.abstain = decision.abstain;
    }
  });
  if (multi_rank()) {
    share_slots(
        *ranks_, owned_, ballots, [](const std::vector<Ballot>& b) { return !b.empty(); }, write_ballots,
        read_ballots);
  }
  for (std::size_t v = 0; v < agents_.size(); ++v) {
    auto& voter = *agents_[v];
    const bool voted = std::any_of(ballots[v].begin(), ballots[v].end(), [](const Ballot& b) { return !b.abstain; });
    if (voted && voter.awaiting_vote) {
      recovery_times_.add_vote(step - *voter.awaiting_vote);
      voter.awaiting_vote.reset();
    }
  }
  consensus_.record(step, std::move(ballots), out, stats);
}

// An accepted signature blocks its indicator on every agent it reaches over the network
// (server/network.h) and that is up when it arrives; the ones down catch up from the network
// blacklist when they recover. Entries arriving this step are applied first (they were decided
// earlier), in the order they were sent, then this step's decisions that arrive at once.
void Engine::phase_decide(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  const auto& network = consensus_.network();
  for (auto it = deliveries_.begin(); it != deliveries_.end() && it->first <= step;
       it = deliveries_.erase(it)) {
    auto& agent = *agents_[it->second.agent];
    if (!agent.crashed) block_locally(agent, it->second.signature_id, it->second.indicator, step);
  }
  for (const auto& accepted : consensus_.decide(step, out, stats)) {
    const auto key = network.instant() ? 0 : projections::fnv1a64(accepted.signature_id);
    for (auto& agent : agents_) {
      const auto at = network.arrival(Message::blacklist, key, accepted.decider, agent->id, step);
      if (!at) continue;
      if (*at > step) {
        deliveries_.emplace(*at, Delivery{agent->id, accepted.signature_id, accepted.indicator});
      } else if (!agent->crashed) {
        block_locally(*agent, accepted.signature_id, accepted.indicator, step);
      }
    }
  }
  if (network.heal_step() == step) {
    // The partition heals: every agent up learns the accepted indicators in force it missed.
    for (auto& agent : agents_) {
      if (agent->crashed) continue;
      for (const auto& [indicator, block] : consensus_.network_blacklist()) {
        if (block.expires_step <= step || agent->blacklist.contains(indicator)) continue;
        agent->blacklist.add(indicator, step, block.expires_step - step, block.signature_id);
        if (agent->training.purge(indicator, settings_.signature.prefix_len) > 0) agent->needs_retrain = true;
      }
    }
  }
}

// Later evidence (validation.defence evidence; agents/evidence.h). In agent order, then indicator
// order, every agent up judges each accepted signature it blocks and has not judged yet: an honest
// agent (and a Byzantine one without a bloc ballot to cast) once the flows its list blocked from
// the indicator, scored by its own model, give it a standing; a colluding Byzantine agent at once,
// as its bloc votes (corroborating its bloc's signatures, disputing honest ones). Then signatures
// whose disputes outweigh their corroborations are revoked and lifted from every agent's list,
// crashed or not, and from the entries still in flight. Under MPI only the owner rank holds an
// agent's evidence, which is why the engine refuses the defence with more than one rank.
void Engine::phase_evidence(std::uint64_t step, std::vector<Produced>& out) {
  for (auto& agent_ptr : agents_) {
    auto& agent = *agent_ptr;
    if (agent.crashed) continue;
    for (const auto& entry : agent.blacklist.entries()) {
      const auto* signature = consensus_.judged(entry.signature_id);
      if (signature == nullptr || signature->judges.count(agent.id)) continue;
      const auto found = agent.evidence.find(entry.indicator);
      const auto count = found == agent.evidence.end() ? agents::EvidenceCount{} : found->second;
      auto verdict = agents::Verdict::none;
      const auto cast = agent.byzantine ? adversary_.vote(step, agents_[signature->proposer]->byzantine) : std::nullopt;
      if (cast) {
        verdict = cast->approve ? agents::Verdict::corroborate : agents::Verdict::dispute;
      } else {
        verdict = agents::judge(count);
      }
      if (verdict == agents::Verdict::none) continue;
      consensus_.judge(step, entry.signature_id, agent.id, verdict == agents::Verdict::dispute, count, out);
    }
  }
  for (const auto& revoked : consensus_.revoke_due(step, out)) {
    for (auto& agent : agents_) {
      agent->blacklist.remove(revoked.indicator);
      agent->evidence.erase(revoked.indicator);
    }
    for (auto it = deliveries_.begin(); it != deliveries_.end();) {
      it = it->second.signature_id == revoked.signature_id ? deliveries_.erase(it) : std::next(it);
    }
  }
}

bool Engine::blocks(std::uint32_t agent, std::uint32_t address) const {
  return agent < agents_.size() && agents_[agent]->blacklist.contains(address);
}

void Engine::phase_apply(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  retrain_due(step, out, stats);
  for (auto& a : agents_) {
    a->blacklist.expire(step);
    // Evidence counts only for what the list still holds: a later entry starts afresh.
    for (auto it = a->evidence.begin(); it != a->evidence.end();) {
      it = a->blacklist.contains(it->first) ? std::next(it) : a->evidence.erase(it);
    }
  }
  consensus_.expire(step);
}

// Agents whose training window changed, or whose periodic retrain is due, fit a new model.
void Engine::retrain_due(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  const auto interval = settings_.detector.retrain_interval;
  std::vector<std::size_t> due;
  for (const auto i : owned_) {
    auto& agent = *agents_[i];
    if (agent.crashed) continue;
    const bool periodic = interval != 0 && step != 0 && (step + agent.id) % interval == 0;
    if (agent.needs_retrain || periodic) due.push_back(i);
  }
  std::vector<events::ModelRetrained> retrained(agents_.size());  // by agent; no digest: not retrained
  pool_.parallel_for(due.size(), [&](std::size_t k) {
    auto& agent = *agents_[due[k]];
    const auto rows = agent.training.rows();
    const std::size_t samples = rows.size() / agents::kFeatureCount;
    if (samples < 2) return;
    agent.model = agents::IsolationForest::fit(rows, agents::kFeatureCount,
                                               forest_params(settings_, agent.id, agent.model_version + 1));
    agent.threshold = settings_.detector.contamination > 0 ? agent.model->threshold() : settings_.detector.threshold;
    ++agent.model_version;
    agent.needs_retrain = false;
    retrained[due[k]] =
        events::ModelRetrained{agent.id, agent.model_version, samples, to_hex(agent.model->digest())};
  });
  if (multi_rank()) {
    share_slots(
        *ranks_, owned_, retrained, [](const events::ModelRetrained& r) { return !r.model_digest.empty(); },
        write_retrained, read_retrained);
  }
  for (auto& r : retrained) {
    if (r.model_digest.empty()) continue;
    out.push_back(produce(step, r));
    ++stats.retrained;
  }
}

}  // namespace dais::server

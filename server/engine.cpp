#include "server/engine.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <stdexcept>

#include "agents/features.h"
#include "agents/signature.h"
#include "agents/traffic.h"
#include "common/random.h"

namespace dais::server {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Warm-up history lives far above any run step, so it never collides with run traffic.
constexpr std::uint64_t kWarmupStepBase = std::uint64_t{1} << 62;

template <typename T> Produced produce(std::uint64_t step, const T& value) {
  return Produced{events::type_name<T>(), step, nlohmann::json(value)};
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

std::vector<agents::Flow> warmup_flows(const EngineSettings& settings, std::uint32_t agent) {
  const auto per_step = std::max<std::uint32_t>(1, settings.traffic.flows_per_step);
  const std::uint64_t warmup_steps = (settings.detector.window + per_step - 1) / per_step;
  std::vector<agents::Flow> out;
  for (std::uint64_t w = 0; w < warmup_steps; ++w) {
    const auto flows = agents::generate_flows(settings.seed, agent, kWarmupStepBase + w, settings.traffic, {});
    out.insert(out.end(), flows.begin(), flows.end());
  }
  return out;
}

struct Engine::AgentRuntime {
  AgentRuntime(std::uint32_t agent_id, std::size_t window, std::size_t blacklist_capacity)
      : id(agent_id), training(window), blacklist(blacklist_capacity) {}

  std::uint32_t id;
  bool byzantine = false;
  bool crashed = false;
  std::uint64_t crashed_at = 0;
  std::uint64_t recover_step = 0;
  std::optional<agents::IsolationForest> model;
  double threshold = 0.5;
  std::uint64_t model_version = 0;
  bool needs_retrain = false;
  TrainingWindow training;
  agents::Blacklist blacklist;
  agents::ValidatorView view;
  // Flagged flows of the last few steps (with their scores): slow attacks need several steps
  // to reach a signature's minimum number of observations.
  std::deque<std::vector<std::pair<agents::Flow, double>>> recent_flagged;
};

struct Engine::PendingSignature {
  agents::Signature signature;
  std::uint32_t proposer = 0;
  bool poisoned = false;          // ground truth: fabricated by a Byzantine agent
  bool benign_indicator = false;  // ground truth: the indicator is not an attacker
  std::uint64_t proposed_step = 0;
  std::uint64_t deadline_step = 0;
  std::vector<std::uint32_t> supporters;             // proposer and endorsers
  std::vector<std::uint32_t> committee;               // eligible voters (sorted)
  std::map<std::uint32_t, events::VoteCast> votes;    // by voter
};

// What one agent saw in one step; filled in parallel, read in agent order.
struct Engine::Observation {
  events::StepCompleted counts;
  std::map<std::uint32_t, std::uint64_t> hits;      // blocked flows by source
  std::vector<agents::Signature> signatures;        // honest findings
  std::vector<agents::Signature> poison;            // Byzantine fabrications
};

Engine::Engine(EngineSettings settings, ThreadPool& pool)
    : settings_(std::move(settings)), pool_(pool), reputation_(settings_.consensus.reputation) {
  const auto n = settings_.agents;
  agents_.reserve(n);
  for (std::uint32_t a = 0; a < n; ++a) {
    agents_.push_back(std::make_unique<AgentRuntime>(a, settings_.detector.window, settings_.blacklist_capacity));
  }
  // Byzantine agents: a seeded sample of the network, the same for every thread count.
  const auto byzantine_count =
      static_cast<std::uint32_t>(settings_.faults.byzantine_fraction * static_cast<double>(n) + 1e-9);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
  for (std::uint32_t a = 0; a < n; ++a) order.emplace_back(Stream(settings_.seed, Purpose::byzantine, a).next_u64(), a);
  std::sort(order.begin(), order.end());
  for (std::uint32_t i = 0; i < byzantine_count; ++i) agents_[order[i].second]->byzantine = true;

  campaigns_ = agents::plan_campaigns(settings_.seed, n, settings_.campaigns);
  next_campaign_id_ = static_cast<std::uint32_t>(campaigns_.size()) + 1;
  for (const auto& c : campaigns_) campaign_sources_.insert(c.sources.begin(), c.sources.end());
  protection_.add_campaigns(campaigns_);
}

Engine::~Engine() = default;

bool Engine::is_byzantine(std::uint32_t agent) const { return agent < agents_.size() && agents_[agent]->byzantine; }

bool Engine::is_campaign_source(std::uint32_t address) const { return campaign_sources_.count(address) != 0; }

std::vector<std::uint32_t> Engine::active_agents() const {
  std::vector<std::uint32_t> out;
  for (const auto& a : agents_) {
    if (!a->crashed) out.push_back(a->id);
  }
  return out;
}

double Engine::weight_of(std::uint32_t agent) const { return reputation_.weight(agent); }

events::AttackInjected Engine::make_attack(const nlohmann::json& request) const {
  if (!request.is_object()) throw std::invalid_argument("body must be a JSON object");
  events::AttackInjected attack;
  const auto kind_text = request.value("kind", std::string{});
  if (!agents::parse_campaign_kind(kind_text)) {
    throw std::invalid_argument("unknown attack kind '" + kind_text +
                                "'; allowed: port_scan, flood, brute_force, exfiltration, low_and_slow");
  }
  attack.kind = kind_text;
  if (!request.contains("sources") || !request["sources"].is_array() || request["sources"].empty()) {
    throw std::invalid_argument("'sources' must be a non-empty array of IPv4 addresses");
  }
  for (const auto& s : request["sources"]) {
    if (!s.is_string() || !agents::parse_ipv4(s.get<std::string>())) {
      throw std::invalid_argument("'sources' holds something that is not an IPv4 address: " + s.dump());
    }
    attack.sources.push_back(s.get<std::string>());
  }
  if (request.contains("targets")) {
    if (!request["targets"].is_array() || request["targets"].empty()) {
      throw std::invalid_argument("'targets' must be a non-empty array of agent ids");
    }
    for (const auto& t : request["targets"]) {
      if (!t.is_number_integer() || t.get<std::int64_t>() < 0 || t.get<std::int64_t>() >= settings_.agents) {
        throw std::invalid_argument("'targets' holds an unknown agent id: " + t.dump() + " (agents are 0.." +
                                    std::to_string(settings_.agents - 1) + ")");
      }
      attack.targets.push_back(t.get<std::uint32_t>());
    }
  } else {
    for (std::uint32_t a = 0; a < settings_.agents; ++a) attack.targets.push_back(a);
  }
  const auto delay = request.value("delay_steps", static_cast<std::int64_t>(settings_.campaigns.propagation_delay));
  const auto duration = request.value("duration_steps", std::int64_t{0});
  if (delay < 0 || delay > 1000) throw std::invalid_argument("'delay_steps' must be in 0..1000");
  if (duration < 0 || duration > 100000) throw std::invalid_argument("'duration_steps' must be in 0..100000");
  attack.delay_steps = static_cast<std::uint32_t>(delay);
  attack.duration_steps = static_cast<std::uint32_t>(duration);
  attack.start_step = next_step_;
  attack.campaign_id = "op-" + std::to_string(next_campaign_id_);
  return attack;
}

void Engine::apply_operator_input(const events::Event& input) {
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

std::vector<Produced> Engine::run_step() {
  const std::uint64_t step = next_step_;
  std::vector<Produced> out;
  events::StepCompleted stats;

  auto t = Clock::now();
  if (step == 0) phase_initial_models(step, out);
  phase_faults(step, out);
  protection_.observe(step, campaigns_, [this](std::uint32_t agent, std::uint32_t address) {
    return agents_[agent]->blacklist.contains(address);
  });
  phase_times_.faults = seconds_since(t);

  t = Clock::now();
  std::vector<Observation> observations(agents_.size());
  phase_observe(step, observations);
  phase_times_.observe = seconds_since(t);

  t = Clock::now();
  for (const auto& obs : observations) {
    const auto& c = obs.counts;
    stats.flows += c.flows;
    stats.attack_flows += c.attack_flows;
    stats.flagged += c.flagged;
    stats.true_positives += c.true_positives;
    stats.false_positives += c.false_positives;
    stats.false_negatives += c.false_negatives;
    stats.blocked += c.blocked;
    stats.blocked_attack += c.blocked_attack;
    stats.blocked_benign += c.blocked_benign;
    for (const auto& [source, count] : obs.hits) stats.blacklist_hits[agents::format_ipv4(source)] += count;
  }
  phase_propose(step, observations, out, stats);
  phase_times_.propose = seconds_since(t);

  t = Clock::now();
  if (settings_.consensus_enabled) phase_vote(step, out, stats);
  phase_times_.vote = seconds_since(t);

  t = Clock::now();
  if (settings_.consensus_enabled) phase_decide(step, out, stats);
  phase_times_.decide = seconds_since(t);

  t = Clock::now();
  phase_retrain(step, out, stats);
  for (auto& a : agents_) a->blacklist.expire(step);
  for (auto it = network_blacklist_.begin(); it != network_blacklist_.end();) {
    it = it->second.second <= step ? network_blacklist_.erase(it) : std::next(it);
  }
  phase_times_.apply = seconds_since(t);

  stats.active_agents = static_cast<std::uint32_t>(active_agents().size());
  out.push_back(produce(step, stats));
  ++next_step_;
  return out;
}

// Every agent starts with a model trained on pre-run benign history of its own segment.
void Engine::phase_initial_models(std::uint64_t step, std::vector<Produced>& out) {
  pool_.parallel_for(agents_.size(), [&](std::size_t i) {
    auto& agent = *agents_[i];
    for (const auto& f : warmup_flows(settings_, agent.id)) agent.training.add(f.features, f.source);
    agent.needs_retrain = true;
  });
  events::StepCompleted unused;
  phase_retrain(step, out, unused);
  // Validators judge peers' signatures against what they have seen: they start with the same
  // history their first model learnt from, so a cold start is not mistaken for an anomaly.
  pool_.parallel_for(agents_.size(), [&](std::size_t i) {
    auto& agent = *agents_[i];
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
  });
}

void Engine::phase_faults(std::uint64_t step, std::vector<Produced>& out) {
  for (auto& agent : agents_) {
    if (agent->crashed) {
      if (step < agent->recover_step) continue;
      // Recovery: the agent rebuilds what it missed from the log's decisions.
      agent->crashed = false;
      agent->blacklist = agents::Blacklist(settings_.blacklist_capacity);
      for (const auto& [indicator, entry] : network_blacklist_) {
        if (entry.second > step) agent->blacklist.add(indicator, step, entry.second - step, entry.first);
        agent->training.purge(indicator);
      }
      agent->needs_retrain = true;
      out.push_back(produce(step, events::AgentRecovered{agent->id, step - agent->crashed_at}));
    } else if (settings_.faults.crash_rate > 0 &&
               Stream(settings_.seed, Purpose::crash, agent->id, step).chance(settings_.faults.crash_rate)) {
      agent->crashed = true;
      agent->crashed_at = step;
      agent->recover_step = step + settings_.faults.recovery_steps;
      out.push_back(produce(step, events::AgentCrashed{agent->id, agent->recover_step}));
    }
  }
}

void Engine::phase_observe(std::uint64_t step, std::vector<Observation>& observations) {
  pool_.parallel_for(agents_.size(), [&](std::size_t i) {
    auto& agent = *agents_[i];
    if (agent.crashed || !agent.model) return;
    auto& obs = observations[i];
    const auto flows = agents::generate_flows(settings_.seed, agent.id, step, settings_.traffic, campaigns_);

    // Blocked flows never reach the detector; the rest are scored in one batch.
    std::vector<agents::Flow> passed;
    passed.reserve(flows.size());
    for (const auto& f : flows) {
      ++obs.counts.flows;
      const bool attack = f.label != 0;
      if (attack) ++obs.counts.attack_flows;
      if (agent.blacklist.check_and_hit(f.source, step)) {
        ++obs.counts.blocked;
        ++obs.hits[f.source];
        if (attack) {
          ++obs.counts.blocked_attack;
          ++obs.counts.true_positives;
        } else {
          ++obs.counts.blocked_benign;
          ++obs.counts.false_positives;
        }
        continue;
      }
      passed.push_back(f);
    }
    std::vector<float> rows;
    rows.reserve(passed.size() * agents::kFeatureCount);
    for (const auto& f : passed) rows.insert(rows.end(), f.features.begin(), f.features.end());
    std::vector<double> scores(passed.size());
    agent.model->score(rows, agents::kFeatureCount, scores);

    for (std::size_t k = 0; k < passed.size(); ++k) {
      const bool flagged = scores[k] > agent.threshold;
      const bool attack = passed[k].label != 0;
      if (flagged) {
        ++obs.counts.flagged;
        attack ? ++obs.counts.true_positives : ++obs.counts.false_positives;
      } else {
        if (attack) ++obs.counts.false_negatives;
        agent.training.add(passed[k].features, passed[k].source);
      }
    }
    agent.view.observe(passed, scores, agent.threshold);

    if (!agent.byzantine) {
      std::vector<std::pair<agents::Flow, double>> flagged;
      for (std::size_t k = 0; k < passed.size(); ++k) {
        if (scores[k] > agent.threshold) flagged.emplace_back(passed[k], scores[k]);
      }
      agent.recent_flagged.push_back(std::move(flagged));
      while (agent.recent_flagged.size() > settings_.signature_window) agent.recent_flagged.pop_front();
      std::vector<agents::Flow> recent;
      std::vector<double> recent_scores;
      for (const auto& step_flows : agent.recent_flagged) {
        for (const auto& [flow, score] : step_flows) {
          if (agent.blacklist.contains(flow.source)) continue;
          recent.push_back(flow);
          recent_scores.push_back(score);
        }
      }
      obs.signatures = agents::extract_signatures(recent, recent_scores, agent.threshold, settings_.signature);
    } else if (settings_.consensus_enabled &&
               Stream(settings_.seed, Purpose::poison, agent.id, step).chance(settings_.faults.poison_rate)) {
      // A Byzantine agent fabricates a signature for a benign address its segment really uses.
      std::vector<agents::Flow> benign;
      for (const auto& f : passed) {
        if (!is_campaign_source(f.source)) benign.push_back(f);
      }
      if (!benign.empty()) {
        // The victim: a source it saw often enough to forge a plausible centroid, else any.
        std::map<std::uint32_t, std::vector<agents::Flow>> by_source;
        for (const auto& f : benign) by_source[f.source].push_back(f);
        std::vector<std::uint32_t> candidates;
        for (const auto& [source, flows] : by_source) {
          if (flows.size() >= settings_.signature.min_observations) candidates.push_back(source);
        }
        if (candidates.empty()) {
          for (const auto& [source, flows] : by_source) candidates.push_back(source);
        }
        Stream pick(settings_.seed, Purpose::poison, agent.id, step + (std::uint64_t{1} << 40));
        const auto victim = candidates[pick.below(candidates.size())];
        // Nudged by up to half a standard deviation of its own traffic per feature: far enough to
        // look unusual, close enough to pass for the address's real behaviour.
        constexpr double kPerturbations[] = {0.0, 0.25, 0.5};
        const double perturbation = kPerturbations[pick.below(3)];
        std::array<double, agents::kFeatureCount> shift{};
        const auto& sd = agent.view.baseline().sd();
        for (std::size_t f = 0; f < agents::kFeatureCount; ++f) shift[f] = perturbation * sd[f];
        obs.poison.push_back(agents::forge_signature(victim, by_source[victim], shift, 0.9, pick));
      }
    }
  });
}

void Engine::block_locally(AgentRuntime& agent, const std::string& signature_id, std::uint32_t indicator,
                           std::uint64_t step) {
  agent.blacklist.add(indicator, step, settings_.blacklist_expiry, signature_id);
  if (agent.training.purge(indicator) > 0) agent.needs_retrain = true;
}

void Engine::block_everywhere(const std::string& signature_id, std::uint32_t indicator, std::uint64_t step) {
  network_blacklist_[indicator] = {signature_id, step + settings_.blacklist_expiry};
  for (auto& agent : agents_) {
    if (!agent->crashed) block_locally(*agent, signature_id, indicator, step);
  }
}

void Engine::phase_propose(std::uint64_t step, std::vector<Observation>& observations, std::vector<Produced>& out,
                           events::StepCompleted& stats) {
  const auto active = active_agents();
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    auto& agent = *agents_[i];
    auto& obs = observations[i];
    auto findings = std::move(obs.signatures);
    for (auto& p : obs.poison) findings.push_back(std::move(p));
    for (const auto& sig : findings) {
      const auto indicator_text = agents::format_ipv4(sig.indicator);
      if (!settings_.consensus_enabled) {
        if (agent.blacklist.contains(sig.indicator)) continue;
        block_locally(agent, sig.id, sig.indicator, step);
        out.push_back(produce(step, events::LocalBlacklistAdded{agent.id, sig.id, indicator_text,
                                                                step + settings_.blacklist_expiry}));
        continue;
      }
      if (network_blacklist_.count(sig.indicator)) continue;  // already decided and in force
      if (auto it = pending_.find(sig.id); it != pending_.end()) {
        auto& pending = it->second;
        if (std::find(pending.supporters.begin(), pending.supporters.end(), agent.id) != pending.supporters.end()) {
          continue;
        }
        pending.supporters.push_back(agent.id);
        ++stats.endorsed;
        out.push_back(produce(step, events::SignatureEndorsed{sig.id, agent.id, sig.confidence, sig.observations}));
        continue;
      }
      if (auto it = rejected_until_.find(sig.id); it != rejected_until_.end() && step < it->second) continue;

      PendingSignature pending;
      pending.signature = sig;
      pending.proposer = agent.id;
      pending.poisoned = agent.byzantine;
      pending.benign_indicator = !is_campaign_source(sig.indicator);
      pending.proposed_step = step;
      pending.deadline_step = step + settings_.consensus.window - 1;
      pending.supporters = {agent.id};
      events::SignatureProposed proposed;
      proposed.signature_id = sig.id;
      proposed.agent = agent.id;
      proposed.indicator = indicator_text;
      proposed.centroid.assign(sig.centroid.begin(), sig.centroid.end());
      proposed.lower.assign(sig.lower.begin(), sig.lower.end());
      proposed.upper.assign(sig.upper.begin(), sig.upper.end());
      proposed.confidence = sig.confidence;
      proposed.observations = sig.observations;
      proposed.deadline_step = pending.deadline_step;
      out.push_back(produce(step, proposed));
      ++stats.proposed;
      if (pending.poisoned) ++truth_.poisoned_proposed;
      if (pending.benign_indicator) ++truth_.benign_signatures_proposed;

      if (projections::is_protected(indicator_text, settings_.protected_addresses)) {
        // Rejected by rule: no signature may blacklist the network's own critical services.
        events::ConsensusReached decided;
        decided.signature_id = sig.id;
        decided.accepted = false;
        decided.reason = "protected_address";
        decided.indicator = indicator_text;
        out.push_back(produce(step, decided));
        ++stats.rejected;
        ++truth_.protected_rejections;
        rejected_until_[sig.id] = step + settings_.consensus.window;
        continue;
      }
      pending.committee = projections::select_committee(sig.id, settings_.seed, active, settings_.consensus.committee,
                                                        agent.id);
      pending_order_.push_back(sig.id);
      pending_.emplace(sig.id, std::move(pending));
    }
  }
}

void Engine::phase_vote(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  // Work list: (signature, voter) pairs still owed a vote by an active agent.
  struct Ballot {
    std::size_t signature;
    std::uint32_t voter;
    events::VoteCast vote;
  };
  std::vector<std::vector<Ballot>> per_voter(agents_.size());
  std::vector<PendingSignature*> order;
  for (const auto& id : pending_order_) order.push_back(&pending_.at(id));
  for (std::size_t s = 0; s < order.size(); ++s) {
    const auto& p = *order[s];
    for (auto voter : p.committee) {
      if (agents_[voter]->crashed || p.votes.count(voter)) continue;
      if (std::find(p.supporters.begin(), p.supporters.end(), voter) != p.supporters.end()) continue;
      per_voter[voter].push_back(Ballot{s, voter, {}});
    }
  }
  pool_.parallel_for(agents_.size(), [&](std::size_t v) {
    auto& voter = *agents_[v];
    for (auto& ballot : per_voter[v]) {
      const auto& p = *order[ballot.signature];
      auto& vote = ballot.vote;
      vote.signature_id = p.signature.id;
      vote.voter = voter.id;
      vote.weight = settings_.consensus.reputation ? reputation_.weight(voter.id) : 1.0;
      if (voter.byzantine) {
        // Colluders back each other's proposals and sink honest ones.
        vote.approve = agents_[p.proposer]->byzantine;
        vote.similarity = vote.approve ? 1.0 : 0.0;
        vote.confidence = 1.0;
        continue;
      }
      const auto decision = agents::validate(p.signature, voter.view, *voter.model, settings_.validation);
      vote.approve = decision.approve;
      vote.similarity = decision.similarity;
      vote.confidence = decision.confidence;
    }
  });
  // Canonical order: by signature (proposal order), then by voter.
  std::vector<std::vector<events::VoteCast>> by_signature(order.size());
  for (auto& ballots : per_voter) {
    for (auto& b : ballots) by_signature[b.signature].push_back(std::move(b.vote));
  }
  for (std::size_t s = 0; s < order.size(); ++s) {
    auto& votes = by_signature[s];
    std::sort(votes.begin(), votes.end(), [](const auto& a, const auto& b) { return a.voter < b.voter; });
    for (auto& v : votes) {
      out.push_back(produce(step, v));
      ++stats.votes;
      order[s]->votes.emplace(v.voter, std::move(v));
    }
  }
}

void Engine::phase_decide(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  std::vector<std::string> still_pending;
  for (const auto& id : pending_order_) {
    auto& p = pending_.at(id);
    // The electorate is fixed at proposal: the proposer plus its committee. Endorsers inside
    // the committee support it with their ballot; crashed members simply do not vote, which
    // is how crashes weigh on the quorum.
    projections::Tally tally;
    const auto weight = [&](std::uint32_t agent) { return settings_.consensus.reputation ? weight_of(agent) : 1.0; };
    tally.add_support(p.proposer, weight(p.proposer));
    for (auto supporter : p.supporters) {
      if (std::binary_search(p.committee.begin(), p.committee.end(), supporter)) {
        tally.add_support(supporter, weight(supporter));
      }
    }
    for (const auto& [voter, vote] : p.votes) tally.add_vote(voter, vote.approve, vote.weight);
    const auto eligible = static_cast<std::uint32_t>(p.committee.size() + 1);
    const auto outcome = projections::evaluate(tally, eligible, settings_.consensus, step, p.deadline_step);
    if (!outcome) {
      still_pending.push_back(id);
      continue;
    }
    events::ConsensusReached decided;
    decided.signature_id = id;
    decided.accepted = outcome->accepted;
    decided.yes = tally.yes;
    decided.no = tally.no;
    decided.voters = eligible;
    decided.yes_weight = tally.yes_weight;
    decided.no_weight = tally.no_weight;
    decided.reason = outcome->reason;
    decided.indicator = agents::format_ipv4(p.signature.indicator);
    if (outcome->accepted) {
      decided.expires_step = step + settings_.blacklist_expiry;
      block_everywhere(id, p.signature.indicator, step);
      ++stats.accepted;
      if (p.poisoned) ++truth_.poisoned_accepted;
      if (p.benign_indicator) ++truth_.benign_signatures_accepted;
    } else {
      ++stats.rejected;
      rejected_until_[id] = step + settings_.consensus.window;
    }
    reputation_.record(decided, p.proposer, p.supporters, p.votes);
    out.push_back(produce(step, decided));
    pending_.erase(id);
  }
  pending_order_ = std::move(still_pending);
}

void Engine::phase_retrain(std::uint64_t step, std::vector<Produced>& out, events::StepCompleted& stats) {
  const auto interval = settings_.detector.retrain_interval;
  std::vector<std::size_t> due;
  for (std::size_t i = 0; i < agents_.size(); ++i) {
    auto& agent = *agents_[i];
    if (agent.crashed) continue;
    const bool periodic = interval != 0 && step != 0 && (step + agent.id) % interval == 0;
    if (agent.needs_retrain || periodic) due.push_back(i);
  }
  std::vector<events::ModelRetrained> retrained(due.size());
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
    retrained[k] = events::ModelRetrained{agent.id, agent.model_version, samples, to_hex(agent.model->digest())};
  });
  for (auto& r : retrained) {
    if (r.model_digest.empty()) continue;
    out.push_back(produce(step, r));
    ++stats.retrained;
  }
}

}  // namespace dais::server

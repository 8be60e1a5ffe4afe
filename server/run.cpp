#include "server/run.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "config/schema.h"
#include "eventstore/event_codec.h"
#include "server/attack_request.h"
#include "server/rank_commands.h"
#include "server/rank_exchange.h"
#include "server/recorded_input.h"
#include "server/engine_snapshot.h"
#include "server/run_snapshot.h"
#include "server/traffic_mix.h"
#include "server/run_started.h"

namespace dais::server {

namespace {

using Clock = std::chrono::steady_clock;

// Keys a resume may change: runtime keys, and the step target (a run may be extended).
bool may_differ_on_resume(std::string_view key) {
  return config::is_runtime_key(key) || key == "simulation.steps";
}

std::string quote(const nlohmann::json& v) { return v.dump(); }

// Names the JSON fields in which a regenerated event differs from the logged one.
std::vector<std::string> differing_fields(const nlohmann::json& logged, const nlohmann::json& regenerated) {
  std::vector<std::string> out;
  for (const char* key : {"seq", "type", "step", "prev"}) {
    if (logged.value(key, nlohmann::json()) != regenerated.value(key, nlohmann::json())) out.emplace_back(key);
  }
  const auto ld = logged.value("data", nlohmann::json::object());
  const auto rd = regenerated.value("data", nlohmann::json::object());
  std::set<std::string> keys;
  if (ld.is_object()) {
    for (auto it = ld.begin(); it != ld.end(); ++it) keys.insert(it.key());
  }
  if (rd.is_object()) {
    for (auto it = rd.begin(); it != rd.end(); ++it) keys.insert(it.key());
  }
  for (const auto& k : keys) {
    if (!ld.contains(k) || !rd.contains(k) || ld[k] != rd[k]) out.push_back("data." + k);
  }
  if (out.empty()) out.emplace_back("bytes");  // same JSON, different bytes (e.g. number formatting)
  return out;
}

}  // namespace

Run::Run(const config::Config& config, Options options, const std::vector<events::TrafficFile>* logged_files)
    : options_(std::move(options)), projections_(options_.stats_history) {
  auto settings = settings_from_config(config);
  if (options_.threads != 0) settings.threads = options_.threads;
  if (options_.partition) settings.partition = *options_.partition;
  if (options_.steps) settings.steps = *options_.steps;
  check_mix_settings(settings);
  if (settings.recorded_traffic.recorded()) {
    // Recorded flows are read by rank 0 alone: the other ranks could not replay them.
    if (options_.ranks != nullptr && options_.ranks->size() > 1) {
      throw RunError("recorded traffic (traffic.source " + config.get_string("traffic.source") +
                     ") does not run under mpirun yet: start daisd without mpirun. Nothing was written.");
    }
    settings.recorded = load_recorded_input(settings.recorded_traffic, settings.agents, settings.traffic.window_steps,
                                            logged_files, options_.traffic_dir);
    check_mix_input(settings);
    // The run ends with the data, or earlier when simulation.steps says so.
    const auto data_steps = settings.recorded->traffic.steps();
    settings.steps = settings.steps == 0 ? data_steps : std::min(settings.steps, data_steps);
  }
  target_steps_ = settings.steps;
  pool_ = std::make_unique<ThreadPool>(settings.threads);
  if (options_.ranks != nullptr && options_.ranks->size() > 1) {
    options_.ranks->broadcast(encode_start_command(config.to_json(), settings.threads, settings.partition));
  }
  engine_ = std::make_unique<Engine>(std::move(settings), *pool_, options_.ranks);
}

Run::~Run() = default;

std::unique_ptr<Run> Run::open(eventstore::Store& store, const config::Config& requested, Options options) {
  if (!store.head_intact()) {
    throw RunError("the log in " + store.directory().string() +
                   " has a broken head entry; run dais-verify on it. Nothing was changed.");
  }
  const auto head = store.head();
  if (head.empty()) {
    auto run = std::unique_ptr<Run>(new Run(requested, options, nullptr));
    run->store_ = &store;
    const auto started = make_run_started(requested, run->engine(), options.version);
    std::vector<Produced> first;
    first.push_back(Produced{events::type::run_started, 0, started});
    run->commit(std::move(first));
    return run;
  }

  auto logged = read_run_started(store, options.version);
  // The log's configuration is the run's; the command line may only change how it is executed.
  const auto requested_json = requested.to_json();
  const auto logged_json = logged.config.to_json();  // keys a log leaves out at their defaults
  std::string conflicts;
  for (auto it = requested_json.begin(); it != requested_json.end(); ++it) {
    if (may_differ_on_resume(it.key())) continue;
    const auto logged_value = logged.started.config.contains(it.key()) ? logged.started.config[it.key()]
                                                                         : logged_json.value(it.key(), nlohmann::json());
    if (logged_value != it.value() && requested.source(it.key()) != "default") {
      conflicts += "\n  " + it.key() + ": the run has " + quote(logged_value) + ", " + requested.source(it.key()) +
                   " asks for " + quote(it.value());
    }
  }
  if (!conflicts.empty()) {
    throw RunError("the data directory " + store.directory().string() +
                   " holds a run with a different configuration; use another --data directory or drop these "
                   "settings:" + conflicts);
  }
  if (!options.steps) options.steps = static_cast<std::uint64_t>(requested.get_int("simulation.steps"));
  if (!options.threads) options.threads = static_cast<unsigned>(requested.get_int("simulation.threads"));
  if (!options.partition) options.partition = parse_partition(requested.get_string("simulation.partition"));
  // Under mpirun every rank holds only its own agents, so rank 0's engine alone is not the whole state.
  const bool one_process = options.ranks == nullptr || options.ranks->size() <= 1;
  std::unique_ptr<Run> run;
  if (!options.verify_full && one_process) {
    run = resume_from_snapshot(store, logged.config, logged.started.traffic_files, options, logged.hash);
  }
  if (!run) {
    run = std::unique_ptr<Run>(new Run(logged.config, options, &logged.started.traffic_files));
    run->resumed_ = true;
    run->apply_produced(0, logged.event.type, 0, std::move(logged.event.data), logged.hash);
    run->prev_hash_ = logged.hash;
    run->next_seq_ = 1;
    run->check_log(store, head.seq(), false);
  }
  run->store_ = &store;
  run->publish();
  return run;
}

std::unique_ptr<Run> Run::resume_from_snapshot(eventstore::Store& store, const config::Config& config,
                                              const std::vector<events::TrafficFile>& logged_files,
                                              const Options& options, const eventstore::Hash& run_hash) {
  auto note = [&](const std::string& what) {
    if (options.on_snapshot_note) options.on_snapshot_note(what);
  };
  std::vector<RunSnapshot> candidates;
  for (unsigned slot = 0; slot < kSnapshotSlots; ++slot) {
    const auto file = snapshot_file(store.directory(), slot);
    try {
      const auto bytes = read_snapshot_file(file);
      if (!bytes) continue;
      candidates.push_back(RunSnapshot::decode(*bytes));
    } catch (const SnapshotError& e) {
      note("the engine snapshot " + file.string() + " skipped: " + e.what());
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.seq > b.seq; });
  const auto head = store.head();
  for (auto& snapshot : candidates) {
    const auto name = "the engine snapshot at seq " + std::to_string(snapshot.seq);
    if (snapshot.run_hash != run_hash) {
      note(name + " skipped: it belongs to another run");
      continue;
    }
    const auto at = snapshot.seq < head.count ? store.get(snapshot.seq) : std::nullopt;
    if (!at || at->hash != snapshot.head_hash) {
      note(name + " skipped: its head is not on this log's chain");
      continue;
    }
    try {
      auto run = std::unique_ptr<Run>(new Run(config, options, &logged_files));
      run->resumed_ = true;
      const auto projections = nlohmann::json::from_cbor(snapshot.projections);
      run->projections_ = projections::Projections::restore(projections);
      if (run->projections_.next_seq() != snapshot.seq + 1 || run->projections_.run_hash() != to_hex(run_hash)) {
        throw SnapshotError("its projections do not end at its seq");
      }
      EngineSnapshot::restore(*run->engine_, snapshot.engine);
      if (run->engine_->next_step() != snapshot.next_step) throw SnapshotError("its engine is at another step");
      run->counters_ = RunCounters{snapshot.retrained, snapshot.local_blocks, snapshot.crashes};
      run->paused_ = snapshot.paused;
      run->prev_hash_ = snapshot.head_hash;
      run->next_seq_ = snapshot.seq + 1;
      run->check_log(store, head.seq(), false);  // the tail, checked byte for byte
      run->resumed_from_snapshot_ = snapshot.seq;
      return run;
    } catch (const DivergenceError& e) {
      note(name + " skipped: the steps after it, re-executed from it, do not reproduce the log (" + e.what() + ")");
    } catch (const std::exception& e) {
      note(name + " skipped: " + e.what());
    }
  }
  if (!candidates.empty()) note("no engine snapshot is usable: re-executing the whole log");
  return nullptr;
}

void Run::write_snapshot() {
  const auto started = Clock::now();
  RunSnapshot snapshot;
  snapshot.seq = next_seq_ - 1;
  snapshot.head_hash = prev_hash_;
  const auto run_hash = digest_from_hex(projections_.run_hash());
  if (!run_hash) throw std::logic_error("Run::write_snapshot before RunStarted");
  snapshot.run_hash = *run_hash;
  snapshot.next_step = engine_->next_step();
  snapshot.retrained = counters_.retrained;
  snapshot.local_blocks = counters_.local_blocks;
  snapshot.crashes = counters_.crashes;
  snapshot.paused = paused_;
  const auto cbor = nlohmann::json::to_cbor(projections_.snapshot());
  snapshot.projections.assign(cbor.begin(), cbor.end());
  snapshot.engine = EngineSnapshot::save(*engine_);
  const auto slot = static_cast<unsigned>((engine_->next_step() / options_.snapshot_interval_steps) % kSnapshotSlots);
  const auto bytes = snapshot.encode();
  write_snapshot_file(snapshot_file(store_->directory(), slot), bytes);
  if (options_.on_snapshot_written) {
    options_.on_snapshot_written(SnapshotWritten{snapshot.seq, snapshot.next_step, bytes.size(),
                                                 std::chrono::duration<double>(Clock::now() - started).count()});
  }
}

std::unique_ptr<Run> Run::replay(const eventstore::Store& source, std::optional<std::uint64_t> to_seq, Options options) {
  const auto head = source.head();
  if (head.empty()) throw RunError("the log in " + source.directory().string() + " is empty");
  auto logged = read_run_started(source, options.version);
  options.steps = 0;  // replay follows the log, whatever its target
  auto run = std::unique_ptr<Run>(new Run(logged.config, options, &logged.started.traffic_files));
  run->target_steps_ = logged.started.steps;
  run->apply_produced(0, logged.event.type, 0, std::move(logged.event.data), logged.hash);
  run->prev_hash_ = logged.hash;
  run->next_seq_ = 1;
  run->check_log(source, std::min(to_seq.value_or(head.seq()), head.seq()), true);
  run->publish();
  return run;
}

// Re-executes the simulation along the log and compares every regenerated event with
// the logged bytes. Operator inputs are taken from the log, exactly where they were.
void Run::check_log(const eventstore::Store& source, std::uint64_t last_seq, bool may_end_inside_step) {
  std::vector<eventstore::StoredEvent> window;
  std::size_t window_at = 0;
  auto logged = [&](std::uint64_t seq) -> const eventstore::StoredEvent* {
    if (seq > last_seq) return nullptr;
    if (window_at >= window.size() || window[window_at].seq != seq) {
      window = source.read_range(seq, 4096);
      window_at = 0;
      if (window.empty() || window[0].seq != seq) {
        throw RunError("the log has no entry at seq " + std::to_string(seq) + "; run dais-verify");
      }
    }
    return &window[window_at];
  };
  const auto total = target_steps_;
  std::string value;
  while (next_seq_ <= last_seq) {
    const auto* entry = logged(next_seq_);
    events::Event event;
    try {
      event = events::parse_event(entry->bytes);
    } catch (const std::exception& e) {
      throw RunError("seq " + std::to_string(next_seq_) + " is not a readable event: " + e.what());
    }
    if (events::is_operator_input(event.type)) {
      engine_->apply_operator_input(event);
      apply_produced(next_seq_, event.type, event.step, std::move(event.data), entry->hash);
      prev_hash_ = entry->hash;
      ++next_seq_;
      ++window_at;
      continue;
    }
    auto produced = engine_->run_step();
    for (auto& p : produced) {
      const eventstore::EventDraft draft{p.type, p.step, p.data.dump()};
      const auto hash = eventstore::encode_event(next_seq_, draft, prev_hash_, value);
      const auto* original = next_seq_ <= last_seq ? logged(next_seq_) : nullptr;
      if (original == nullptr) {
        if (may_end_inside_step) {  // the log (or replay --to) ends inside this step
          const auto logged_events = static_cast<std::size_t>(&p - produced.data());
          partial_step_ = PartialStep{p.step, logged_events, produced.size()};
          return;
        }
        throw DivergenceError(Divergence{next_seq_, "", p.type, {}});
      }
      if (original->hash != hash ||
          std::string_view(value).substr(eventstore::Hash().size()) != std::string_view(original->bytes)) {
        Divergence d{next_seq_, "", p.type, {}};
        try {
          const auto lj = nlohmann::json::parse(original->bytes);
          d.type = lj.value("type", std::string("?"));
          d.fields = differing_fields(lj, nlohmann::json::parse(value.substr(eventstore::Hash().size())));
        } catch (const std::exception&) {
          d.type = "(unreadable)";
          d.fields = {"bytes"};
        }
        throw DivergenceError(std::move(d));
      }
      apply_produced(next_seq_, p.type, p.step, std::move(p.data), hash);
      prev_hash_ = hash;
      ++next_seq_;
      ++window_at;
    }
    if (options_.on_progress) options_.on_progress(Progress{engine_->next_step(), total, next_seq_ - 1, true});
  }
}

bool Run::finished() const { return target_steps_ != 0 && engine_->next_step() >= target_steps_; }

eventstore::Head Run::head() const {
  eventstore::Head h;
  h.count = next_seq_;
  h.hash = prev_hash_;
  return h;
}

void Run::step() {
  if (store_ == nullptr) throw std::logic_error("Run::step on a replay");
  const auto started = Clock::now();
  commit(engine_->run_step());
  if (options_.snapshot_interval_steps != 0 && engine_->next_step() % options_.snapshot_interval_steps == 0 &&
      (options_.ranks == nullptr || options_.ranks->size() <= 1)) {
    write_snapshot();
  }
  live_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
  ++live_steps_;
  if (options_.on_progress) options_.on_progress(Progress{engine_->next_step(), target_steps_, next_seq_ - 1, false});
}

void Run::commit(std::vector<Produced> produced) {
  std::vector<eventstore::EventDraft> drafts;
  drafts.reserve(produced.size());
  for (const auto& p : produced) drafts.push_back({p.type, p.step, p.data.dump()});
  const auto append_started = Clock::now();
  const auto result = store_->append(drafts);
  const double append_seconds = std::chrono::duration<double>(Clock::now() - append_started).count();
  for (std::size_t i = 0; i < produced.size(); ++i) {
    apply_produced(result.first_seq + i, produced[i].type, produced[i].step, std::move(produced[i].data),
                   result.events[i].hash);
  }
  prev_hash_ = result.head.hash;
  next_seq_ = result.head.count;
  publish();
  if (options_.on_appended) options_.on_appended(result.events, append_seconds);
}

events::AttackInjected Run::attack_from_request(const nlohmann::json& request) const {
  // Recorded attacks come from the data; a recording's benign background takes synthetic ones.
  if (settings().recorded && !settings().recorded_traffic.mix_benign()) {
    throw std::invalid_argument("this run's traffic is recorded (traffic.source " + settings().recorded_traffic.source +
                                "): its attacks come from the data, not from injected campaigns");
  }
  const AttackRequestContext context{settings().agents, settings().campaigns.propagation_delay, engine_->next_step(),
                                     engine_->next_campaign_id()};
  auto attack = server::attack_from_request(request, context);
  check_injected_sources(settings(), attack);
  return attack;
}

void Run::append_operator_input(const std::string& type, const nlohmann::json& data) {
  if (store_ == nullptr) throw std::logic_error("Run::append_operator_input on a replay");
  if (!events::is_operator_input(type)) throw std::invalid_argument(type + " is not an operator input");
  // Applied to the engine first: an input it cannot apply is refused before it is logged.
  engine_->apply_operator_input(events::Event{next_seq_, type, engine_->next_step(), data, std::string{}});
  std::vector<Produced> input;
  input.push_back(Produced{type, engine_->next_step(), data});
  commit(std::move(input));
}

void Run::apply_produced(std::uint64_t seq, const std::string& type, std::uint64_t step, nlohmann::json data,
                         const eventstore::Hash& hash) {
  count(type);
  projections_.apply(events::Event{seq, type, step, std::move(data), to_hex(hash)});
}

void Run::publish() {
  // Copied outside the lock: only this thread writes projections_.
  auto copy = std::make_shared<const projections::Projections>(projections_);
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(copy);
}

void Run::count(const std::string& type) {
  if (type == events::type::model_retrained) {
    ++counters_.retrained;
  } else if (type == events::type::local_blacklist_added) {
    ++counters_.local_blocks;
  } else if (type == events::type::agent_crashed) {
    ++counters_.crashes;
  } else if (type == events::type::simulation_paused) {
    paused_ = true;
  } else if (type == events::type::simulation_resumed) {
    paused_ = false;
  }
}

std::shared_ptr<const projections::Projections> Run::projections_snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

RunSummary Run::summary() const {
  const auto& stats = projections_.stats();
  const auto& flows = stats.totals();
  const auto& decisions = stats.consensus();
  const auto rates = stats.rates();
  const auto& truth = engine_->ground_truth();
  RunSummary s;
  s.steps = stats.steps_completed();
  s.agents = settings().agents;
  s.events = projections_.next_seq();
  s.proposed = decisions.proposed;
  s.endorsed = decisions.endorsed;
  s.accepted = decisions.accepted;
  s.rejected = decisions.rejected;
  s.votes = decisions.votes;
  s.retrained = counters_.retrained;
  s.local_blocks = counters_.local_blocks;
  s.crashes = counters_.crashes;
  s.flows = flows.flows;
  s.attack_flows = flows.attack_flows;
  s.precision = rates.precision;
  s.recall = rates.recall;
  s.f1 = rates.f1;
  s.decision_latency_mean = stats.mean_decision_latency();
  fill_protection(s, engine_->protection(), engine_->detection_by_kind(),
                  engine_->next_step() == 0 ? 0 : engine_->next_step() - 1);
  s.poisoned_proposed = truth.poisoned_proposed;
  s.poisoned_accepted = truth.poisoned_accepted;
  s.benign_signatures_proposed = truth.benign_signatures_proposed;
  s.benign_signatures_accepted = truth.benign_signatures_accepted;
  s.protected_rejections = truth.protected_rejections;
  s.attack_signatures_proposed = truth.attack_signatures_proposed;
  s.attack_signatures_accepted = truth.attack_signatures_accepted;
  s.honest_signatures_lost = truth.attack_signatures_proposed - truth.attack_signatures_accepted;
  s.disputes = truth.disputes;
  s.corroborations = truth.corroborations;
  s.revoked = truth.revoked;
  s.poisoned_revoked = truth.poisoned_revoked;
  s.attack_signatures_revoked = truth.attack_signatures_revoked;
  s.benign_signatures_revoked = truth.benign_signatures_revoked;
  const auto& recovery = engine_->recovery_times();
  s.recoveries = recovery.recoveries;
  s.recoveries_voted = recovery.voted;
  s.recoveries_blocked = recovery.blocked;
  if (recovery.voted > 0) s.recovery_to_vote_mean = static_cast<double>(recovery.to_vote_sum) / recovery.voted;
  if (recovery.blocked > 0) s.recovery_to_block_mean = static_cast<double>(recovery.to_block_sum) / recovery.blocked;
  s.benign_blocked = flows.blocked_benign;
  s.attack_blocked = flows.blocked_attack;
  const double agent_steps = static_cast<double>(s.agents) * static_cast<double>(s.steps);
  s.benign_blocked_per_agent_step = agent_steps > 0 ? static_cast<double>(s.benign_blocked) / agent_steps : 0.0;
  s.benign_signatures_accepted_per_agent_step =
      agent_steps > 0 ? static_cast<double>(s.benign_signatures_accepted) / agent_steps : 0.0;
  s.flows_while_down = flows.flows_while_down;
  s.missed_while_down = flows.missed_while_down;
  s.live_steps = live_steps_;
  s.agent_steps_per_s = live_seconds_ > 0 ? static_cast<double>(live_steps_) * s.agents / live_seconds_ : 0.0;
  if (const auto& recorded = settings().recorded) {
    const auto& c = recorded->traffic.counters();
    s.recorded = RunSummary::Recorded{recorded->files.size(), recorded->rows_read, recorded->rows_skipped, c.flows,
                                      c.ipv6_skipped, c.unassigned, c.warmup_flows, c.run_flows,
                                      settings().recorded_traffic.mix, c.mixed_out};
    s.labelled = recorded->traffic.labelled();
    const auto& kinds = recorded->traffic.kinds();
    for (const auto& [label, tally] : engine_->detection_by_label()) {
      if (label == 0 || label > kinds.size() || tally.attack_flows == 0) continue;
      RunSummary::Kind k;
      k.kind = kinds[label - 1];
      k.attack_flows = tally.attack_flows;
      k.detected = tally.detected;
      k.recall = static_cast<double>(tally.detected) / static_cast<double>(tally.attack_flows);
      s.by_kind.push_back(std::move(k));
    }
  }
  s.head_seq = next_seq_ == 0 ? 0 : next_seq_ - 1;
  s.head_hash = to_hex(prev_hash_);
  return s;
}

}  // namespace dais::server

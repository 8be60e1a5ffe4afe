#include "server/run.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "eventstore/event_codec.h"
#include "server/attack_request.h"

namespace dais::server {

namespace {

using Clock = std::chrono::steady_clock;

const std::set<std::string, std::less<>>& runtime_keys() {
  static const std::set<std::string, std::less<>> keys = {
      "simulation.steps", "simulation.threads", "simulation.step_interval_ms", "store.sync", "store.map_size_mb",
  };
  return keys;
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

double ratio(std::uint64_t a, std::uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

}  // namespace

bool is_runtime_key(std::string_view key) {
  return runtime_keys().count(key) != 0 || key.substr(0, 4) == "api." || key.substr(0, 4) == "log.";
}

std::string Divergence::describe() const {
  std::string text = "replay diverges at seq " + std::to_string(seq);
  if (type.empty()) {
    text += ": the log ends there but the re-execution produced " + regenerated_type;
  } else if (regenerated_type.empty()) {
    text += " (" + type + "): the re-execution produced nothing there";
  } else if (type != regenerated_type) {
    text += ": logged " + type + ", regenerated " + regenerated_type;
  } else {
    text += " (" + type + ")";
  }
  if (!fields.empty()) {
    text += "; differing fields:";
    for (const auto& f : fields) text += " " + f;
  }
  return text;
}

Run::Run(EngineSettings settings, Options options) : options_(std::move(options)) {
  if (options_.threads != 0) settings.threads = options_.threads;
  if (options_.steps) settings.steps = *options_.steps;
  target_steps_ = settings.steps;
  pool_ = std::make_unique<ThreadPool>(settings.threads);
  engine_ = std::make_unique<Engine>(std::move(settings), *pool_);
}

Run::~Run() = default;

std::unique_ptr<Run> Run::open(eventstore::Store& store, const config::Config& requested, Options options) {
  if (!store.head_intact()) {
    throw RunError("the log in " + store.directory().string() +
                   " has a broken head entry; run dais-verify on it. Nothing was changed.");
  }
  const auto head = store.head();
  if (head.empty()) {
    auto run = std::unique_ptr<Run>(new Run(settings_from_config(requested), options));
    run->store_ = &store;
    events::RunStarted started;
    started.config = requested.to_json();
    started.seed = run->settings().seed;
    started.version = options.version;
    started.format = "dais-log/1";
    started.agents = run->settings().agents;
    started.steps = static_cast<std::uint64_t>(requested.get_int("simulation.steps"));
    for (std::uint32_t a = 0; a < started.agents; ++a) {
      if (run->engine().is_byzantine(a)) started.byzantine.push_back(a);
    }
    const nlohmann::json data = started;
    const eventstore::EventDraft draft{events::type::run_started, 0, data.dump()};
    const auto result = store.append(std::span(&draft, 1));
    run->apply_produced(0, draft.type, 0, data);
    run->prev_hash_ = result.head.hash;
    run->next_seq_ = 1;
    if (run->options_.on_appended) run->options_.on_appended(store.read_range(0, 1), 0.0);
    return run;
  }

  const auto first = store.get(0);
  events::Event started_event;
  try {
    started_event = events::parse_event(first ? first->bytes : std::string_view("null"));
  } catch (const std::exception&) {
    throw RunError("the log in " + store.directory().string() + " does not start with a readable RunStarted event");
  }
  if (started_event.type != events::type::run_started) {
    throw RunError("the log in " + store.directory().string() + " starts with " + started_event.type +
                   ", not RunStarted: it is not a DAIS run");
  }
  const auto started = started_event.data.get<events::RunStarted>();
  if (started.version != options.version) throw VersionMismatchError(started.version, options.version);
  auto logged = config::Config::from_json(started.config);
  // The log's configuration is the run's; the command line may only change how it is executed.
  const auto requested_json = requested.to_json();
  std::string conflicts;
  for (auto it = requested_json.begin(); it != requested_json.end(); ++it) {
    if (is_runtime_key(it.key())) continue;
    const auto logged_value = started.config.value(it.key(), nlohmann::json());
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
  auto run = std::unique_ptr<Run>(new Run(settings_from_config(logged), options));
  run->resumed_ = true;
  run->apply_produced(0, started_event.type, 0, started_event.data);
  run->prev_hash_ = first->hash;
  run->next_seq_ = 1;
  run->check_log(store, head.seq(), false);
  run->store_ = &store;
  return run;
}

std::unique_ptr<Run> Run::replay(const eventstore::Store& source, std::optional<std::uint64_t> to_seq, Options options) {
  const auto head = source.head();
  if (head.empty()) throw RunError("the log in " + source.directory().string() + " is empty");
  const auto first = source.get(0);
  events::Event started_event;
  try {
    started_event = events::parse_event(first->bytes);
  } catch (const std::exception&) {
    throw RunError("seq 0 of " + source.directory().string() + " is not a readable RunStarted event");
  }
  if (started_event.type != events::type::run_started) {
    throw RunError("seq 0 is " + started_event.type + ", not RunStarted: not a DAIS run");
  }
  const auto started = started_event.data.get<events::RunStarted>();
  if (started.version != options.version) throw VersionMismatchError(started.version, options.version);
  const auto logged = config::Config::from_json(started.config);
  options.steps = 0;  // replay follows the log, whatever its target
  auto run = std::unique_ptr<Run>(new Run(settings_from_config(logged), options));
  run->target_steps_ = static_cast<std::uint64_t>(logged.get_int("simulation.steps"));
  run->apply_produced(0, started_event.type, 0, started_event.data);
  run->prev_hash_ = first->hash;
  run->next_seq_ = 1;
  run->check_log(source, std::min(to_seq.value_or(head.seq()), head.seq()), true);
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
      apply_produced(next_seq_, event.type, event.step, std::move(event.data));
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
        if (may_end_inside_step) return;  // replay --to ends inside a step
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
      apply_produced(next_seq_, p.type, p.step, std::move(p.data));
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
  auto produced = engine_->run_step();
  std::vector<eventstore::EventDraft> drafts;
  drafts.reserve(produced.size());
  for (const auto& p : produced) drafts.push_back({p.type, p.step, p.data.dump()});
  const auto append_started = Clock::now();
  const auto result = store_->append(drafts);
  const double append_seconds = std::chrono::duration<double>(Clock::now() - append_started).count();
  for (std::size_t i = 0; i < produced.size(); ++i) {
    apply_produced(result.first_seq + i, produced[i].type, produced[i].step, std::move(produced[i].data));
  }
  prev_hash_ = result.head.hash;
  next_seq_ = result.last_seq + 1;
  live_seconds_ += std::chrono::duration<double>(Clock::now() - started).count();
  ++live_steps_;
  if (options_.on_appended) options_.on_appended(store_->read_range(result.first_seq, drafts.size()), append_seconds);
  if (options_.on_progress) {
    options_.on_progress(Progress{engine_->next_step(), target_steps_, result.last_seq, false});
  }
}

events::AttackInjected Run::attack_from_request(const nlohmann::json& request) const {
  const AttackRequestContext context{settings().agents, settings().campaigns.propagation_delay, engine_->next_step(),
                                     engine_->next_campaign_id()};
  return server::attack_from_request(request, context);
}

void Run::append_operator_input(const std::string& type, const nlohmann::json& data) {
  if (store_ == nullptr) throw std::logic_error("Run::append_operator_input on a replay");
  if (!events::is_operator_input(type)) throw std::invalid_argument(type + " is not an operator input");
  const eventstore::EventDraft draft{type, engine_->next_step(), data.dump()};
  const auto result = store_->append(std::span(&draft, 1));
  events::Event event{result.first_seq, type, draft.step, data};
  engine_->apply_operator_input(event);
  apply_produced(result.first_seq, type, draft.step, data);
  prev_hash_ = result.head.hash;
  next_seq_ = result.last_seq + 1;
  if (options_.on_appended) options_.on_appended(store_->read_range(result.first_seq, 1), 0.0);
}

void Run::apply_produced(std::uint64_t seq, const std::string& type, std::uint64_t step, nlohmann::json data) {
  count(type);
  std::lock_guard lock(projections_mutex_);
  projections_.apply(events::Event{seq, type, step, std::move(data)});
  snapshot_.reset();
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
  std::lock_guard lock(projections_mutex_);
  if (!snapshot_) snapshot_ = std::make_shared<const projections::Projections>(projections_);
  return snapshot_;
}

nlohmann::json Run::summary() const {
  const auto& stats = projections_.stats();
  const auto& flows = stats.totals();
  const auto& decisions = stats.consensus();
  const auto rates = stats.rates();
  const auto& protection = engine_->protection();
  const auto arrived = protection.pairs_arrived(engine_->next_step() == 0 ? 0 : engine_->next_step() - 1);
  const auto agents = settings().agents;
  nlohmann::json j;
  j["steps"] = stats.steps_completed();
  j["agents"] = agents;
  j["events"] = projections_.next_seq();
  j["proposed"] = decisions.proposed;
  j["endorsed"] = decisions.endorsed;
  j["accepted"] = decisions.accepted;
  j["rejected"] = decisions.rejected;
  j["votes"] = decisions.votes;
  j["retrained"] = counters_.retrained;
  j["local_blocks"] = counters_.local_blocks;
  j["crashes"] = counters_.crashes;
  j["flows"] = flows.flows;
  j["attack_flows"] = flows.attack_flows;
  j["precision"] = rates.precision;
  j["recall"] = rates.recall;
  j["f1"] = rates.f1;
  j["decision_latency_mean"] = stats.mean_decision_latency();
  j["campaign_arrivals"] = arrived;
  j["time_to_protect_mean"] = protection.mean_time_to_protect();
  j["protected_before_hit"] = ratio(protection.protected_before_hit(), arrived);
  j["protected_before_hit_count"] = protection.protected_before_hit();
  j["protected_after_hit_count"] = protection.protected_after_hit();
  j["poisoned_proposed"] = engine_->ground_truth().poisoned_proposed;
  j["poisoned_accepted"] = engine_->ground_truth().poisoned_accepted;
  j["benign_signatures_proposed"] = engine_->ground_truth().benign_signatures_proposed;
  j["benign_signatures_accepted"] = engine_->ground_truth().benign_signatures_accepted;
  j["protected_rejections"] = engine_->ground_truth().protected_rejections;
  j["benign_blocked"] = flows.blocked_benign;
  j["attack_blocked"] = flows.blocked_attack;
  j["live_steps"] = live_steps_;
  j["agent_steps_per_s"] =
      live_seconds_ > 0 ? static_cast<double>(live_steps_) * agents / live_seconds_ : 0.0;
  j["head_seq"] = next_seq_ == 0 ? 0 : next_seq_ - 1;
  j["head_hash"] = to_hex(prev_hash_);
  return j;
}

std::string Run::summary_text() const {
  const auto j = summary();
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "run: %llu steps, %u agents, %llu events, head seq %llu %s\n"
                "detection: precision %.4f  recall %.4f  F1 %.4f  (benign flows blocked %llu)\n"
                "signatures: proposed %llu  endorsed %llu  accepted %llu  rejected %llu  votes %llu  "
                "decision latency %.2f steps\n"
                "protection: %llu campaign arrivals, %.1f%% protected before the hit, time-to-protect mean %.2f "
                "steps\n"
                "faults: poisoned proposed %llu, poisoned accepted %llu, crashes %llu; signatures against benign "
                "addresses accepted %llu\n"
                "speed: %.0f agent-steps/s over %llu live steps\n",
                j["steps"].get<unsigned long long>(), j["agents"].get<unsigned>(),
                j["events"].get<unsigned long long>(), j["head_seq"].get<unsigned long long>(),
                j["head_hash"].get<std::string>().c_str(), j["precision"].get<double>(), j["recall"].get<double>(),
                j["f1"].get<double>(), j["benign_blocked"].get<unsigned long long>(),
                j["proposed"].get<unsigned long long>(), j["endorsed"].get<unsigned long long>(),
                j["accepted"].get<unsigned long long>(), j["rejected"].get<unsigned long long>(),
                j["votes"].get<unsigned long long>(), j["decision_latency_mean"].get<double>(),
                j["campaign_arrivals"].get<unsigned long long>(), 100.0 * j["protected_before_hit"].get<double>(),
                j["time_to_protect_mean"].get<double>(), j["poisoned_proposed"].get<unsigned long long>(),
                j["poisoned_accepted"].get<unsigned long long>(), j["crashes"].get<unsigned long long>(),
                j["benign_signatures_accepted"].get<unsigned long long>(),
                j["agent_steps_per_s"].get<double>(), j["live_steps"].get<unsigned long long>());
  return buf;
}

}  // namespace dais::server

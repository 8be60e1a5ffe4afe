#include "tests/api/support/test_backend.h"

#include <stdexcept>

#include "common/sha256.h"
#include "events/events.h"

namespace dais::api::testing {

TestBackend::TestBackend(const std::filesystem::path& dir, EventHub* hub, eventstore::SyncMode sync) : hub_(hub) {
  eventstore::StoreOptions options;
  options.sync = sync;
  options.periodic_sync_ms = 0;
  store_ = eventstore::Store::open(dir, options);
  projections_ = std::make_shared<const projections::Projections>();
}

std::vector<eventstore::StoredEvent> TestBackend::append(const std::vector<eventstore::EventDraft>& drafts) {
  std::lock_guard lock(mutex_);
  auto stored = store_->append(drafts).events;
  auto next = std::make_shared<projections::Projections>(*projections_);
  for (const auto& e : stored) {
    auto event = events::parse_event(e.bytes);
    event.hash = to_hex(e.hash);  // as daisd folds: with the stored hash (exports cite it)
    next->apply(event);
  }
  projections_ = std::move(next);
  if (hub_) hub_->publish(stored);
  return stored;
}

template <typename T> static eventstore::EventDraft draft(std::uint64_t step, const T& data) {
  return {events::type_name<T>(), step, events::encode_data(data)};
}

void TestBackend::start_run(std::uint32_t agents) {
  agents_ = agents;
  events::RunStarted run;
  run.config = {{"simulation.agents", agents}};
  run.seed = 7;
  run.version = "test";
  run.format = "dais-log/1";
  run.agents = agents;
  run.steps = 1000;
  append({draft(0, run)});
}

std::string TestBackend::simulate_step(std::uint64_t step, bool accept) {
  const std::uint32_t proposer = static_cast<std::uint32_t>(step % agents_);
  const std::string id = "sig-" + std::to_string(step);
  std::vector<eventstore::EventDraft> batch;
  events::SignatureProposed p;
  p.signature_id = id;
  p.agent = proposer;
  p.indicator = "10.0." + std::to_string(step / 250) + "." + std::to_string(step % 250);
  p.centroid = {1.0, 2.0};
  p.lower = {0.5, 1.5};
  p.upper = {1.5, 2.5};
  p.confidence = 0.9;
  p.observations = 5;
  p.deadline_step = step + 2;
  batch.push_back(draft(step, p));
  std::uint32_t yes = 0, no = 0;
  for (std::uint32_t a = 0; a < agents_; ++a) {
    if (a == proposer) continue;
    events::VoteCast v;
    v.signature_id = id;
    v.voter = a;
    v.approve = accept;
    v.similarity = 0.8;
    v.confidence = 0.7;
    (accept ? yes : no) += 1;
    batch.push_back(draft(step, v));
  }
  events::ConsensusReached c;
  c.signature_id = id;
  c.accepted = accept;
  c.yes = yes;
  c.no = no;
  c.voters = agents_ - 1;
  c.yes_weight = yes;
  c.no_weight = no;
  c.reason = accept ? "majority" : "minority";
  c.indicator = p.indicator;
  c.expires_step = accept ? step + 100 : 0;
  batch.push_back(draft(step, c));
  events::StepCompleted s;
  s.flows = 100;
  s.attack_flows = 10;
  s.flagged = 9;
  s.true_positives = 8;
  s.false_positives = 1;
  s.false_negatives = 2;
  s.active_agents = agents_;
  s.proposed = 1;
  s.votes = agents_ - 1;
  s.accepted = accept ? 1 : 0;
  s.rejected = accept ? 0 : 1;
  batch.push_back(draft(step, s));
  append(batch);
  return id;
}

void TestBackend::append_steps(std::uint64_t first_step, std::uint64_t count, std::size_t batch_size) {
  std::vector<eventstore::EventDraft> batch;
  for (std::uint64_t i = 0; i < count; ++i) {
    events::StepCompleted s;
    s.flows = 10 + i % 7;
    s.active_agents = agents_;
    batch.push_back(draft(first_step + i, s));
    if (batch.size() == batch_size) {
      append(batch);
      batch.clear();
    }
  }
  if (!batch.empty()) append(batch);
}

std::shared_ptr<const projections::Projections> TestBackend::projections() const {
  if (throw_in_projections) throw std::runtime_error("test: projections unavailable");
  std::lock_guard lock(mutex_);
  return projections_;
}

ControlResult TestBackend::pause() {
  ++pauses;
  return {200, {{"paused", true}}};
}
ControlResult TestBackend::resume() {
  ++resumes;
  return {200, {{"paused", false}}};
}
ControlResult TestBackend::step_once() {
  ++steps;
  return {202, {{"step", "scheduled"}}};
}

ControlResult TestBackend::inject_attack(const nlohmann::json& request) {
  const auto kind = request.find("kind");
  if (kind == request.end() || !kind->is_string()) return {400, {{"error", "'kind' (string) is required"}}};
  events::AttackInjected a;
  a.campaign_id = "op-" + std::to_string(store_->head().count);
  a.kind = kind->get<std::string>();
  if (const auto s = request.find("sources"); s != request.end() && s->is_array()) {
    a.sources = s->get<std::vector<std::string>>();
  }
  if (const auto t = request.find("targets"); t != request.end() && t->is_array()) {
    a.targets = t->get<std::vector<std::uint32_t>>();
  }
  const auto stored = append({draft(0, a)});
  return {202, {{"campaign_id", a.campaign_id}, {"seq", stored.front().seq}}};
}

ControlResult TestBackend::remove_blacklist(const nlohmann::json& request) {
  const auto indicator = request.find("indicator");
  if (indicator == request.end() || !indicator->is_string()) return {400, {{"error", "'indicator' is required"}}};
  const events::BlacklistRemoved removed{indicator->get<std::string>(), "api"};
  const auto stored = append({draft(0, removed)});
  return {202, {{"indicator", removed.indicator}, {"seq", stored.front().seq}}};
}

HealthReport TestBackend::health() const {
  return {healthy.load(), {{"store", {{"writable", store_->head_intact()}}}, {"engine", {{"alive", healthy.load()}}}}};
}

}  // namespace dais::api::testing

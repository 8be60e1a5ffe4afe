#include "server/engine_snapshot.h"

#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "server/agent_replay.h"
#include "server/agent_runtime.h"
#include "server/engine.h"

namespace dais::server {

namespace {

// Small value codecs shared by the parts.

void put_features(ByteWriter& w, const agents::FeatureVector& f) {
  for (float v : f) w.f32(v);
}
agents::FeatureVector get_features(ByteReader& r) {
  agents::FeatureVector f{};
  for (auto& v : f) v = r.f32();
  return f;
}
void put_sums(ByteWriter& w, const std::array<double, agents::kFeatureCount>& a) {
  for (double v : a) w.f64(v);
}
std::array<double, agents::kFeatureCount> get_sums(ByteReader& r) {
  std::array<double, agents::kFeatureCount> a{};
  for (auto& v : a) v = r.f64();
  return a;
}
void put_optional(ByteWriter& w, const std::optional<std::uint64_t>& v) {
  w.boolean(v.has_value());
  if (v) w.u64(*v);
}
std::optional<std::uint64_t> get_optional(ByteReader& r) {
  if (!r.boolean()) return std::nullopt;
  return r.u64();
}
void put_ids(ByteWriter& w, const std::vector<std::uint32_t>& ids) {
  w.u64(ids.size());
  for (auto id : ids) w.u32(id);
}
std::vector<std::uint32_t> get_ids(ByteReader& r) {
  std::vector<std::uint32_t> ids(r.count(4));
  for (auto& id : ids) id = r.u32();
  return ids;
}
void put_steps(ByteWriter& w, const std::map<std::uint32_t, std::uint64_t>& m) {
  w.u64(m.size());
  for (const auto& [k, v] : m) w.u32(k), w.u64(v);
}
std::map<std::uint32_t, std::uint64_t> get_steps(ByteReader& r) {
  std::map<std::uint32_t, std::uint64_t> m;
  for (auto n = r.count(12); n > 0; --n) {
    const auto k = r.u32();
    m[k] = r.u64();
  }
  return m;
}
// A map of two counters by id (evidence by indicator, detection by label): u64 size, then
// u32 id, u64 first, u64 second each.
template <typename Counts>
void put_counts(ByteWriter& w, const std::map<std::uint32_t, Counts>& m, std::uint64_t Counts::*first,
                std::uint64_t Counts::*second) {
  w.u64(m.size());
  for (const auto& [id, c] : m) w.u32(id), w.u64(c.*first), w.u64(c.*second);
}
template <typename Counts>
std::map<std::uint32_t, Counts> get_counts(ByteReader& r, std::uint64_t Counts::*first, std::uint64_t Counts::*second) {
  std::map<std::uint32_t, Counts> m;
  for (auto n = r.count(20); n > 0; --n) {
    auto& c = m[r.u32()];
    c.*first = r.u64();
    c.*second = r.u64();
  }
  return m;
}
// JSON-shaped state of other layers (projections), carried as CBOR: exact for every double.
void put_json(ByteWriter& w, const nlohmann::json& j) {
  const auto cbor = nlohmann::json::to_cbor(j);
  w.bytes(std::string_view(reinterpret_cast<const char*>(cbor.data()), cbor.size()));
}
nlohmann::json get_json(ByteReader& r) {
  const auto b = r.bytes();
  try {
    return nlohmann::json::from_cbor(b.begin(), b.end());
  } catch (const nlohmann::json::exception& e) {
    throw SnapshotError(std::string("snapshot: unreadable CBOR: ") + e.what());
  }
}

void put_flow(ByteWriter& w, const agents::Flow& f) {
  put_features(w, f.features);
  w.u32(f.source);
  w.u32(f.dst_port);
  w.u32(f.label);
}
agents::Flow get_flow(ByteReader& r) {
  agents::Flow f;
  f.features = get_features(r);
  f.source = r.u32();
  const auto port = r.u32();
  if (port > 0xFFFF) throw SnapshotError("snapshot: a flow's port is " + std::to_string(port));
  f.dst_port = static_cast<std::uint16_t>(port);
  f.label = r.u32();
  return f;
}

void put_signature(ByteWriter& w, const agents::Signature& s) {
  w.bytes(s.id);
  w.u32(s.indicator);
  w.u32(s.prefix_len);
  put_features(w, s.centroid);
  put_features(w, s.lower);
  put_features(w, s.upper);
  w.f64(s.confidence);
  w.u32(s.observations);
}
agents::Signature get_signature(ByteReader& r) {
  agents::Signature s;
  s.id = r.text();
  s.indicator = r.u32();
  s.prefix_len = r.u32();
  if (s.prefix_len > 32) throw SnapshotError("snapshot: a signature's prefix length is " + std::to_string(s.prefix_len));
  s.centroid = get_features(r);
  s.lower = get_features(r);
  s.upper = get_features(r);
  s.confidence = r.f64();
  s.observations = r.u32();
  return s;
}

void put_vote(ByteWriter& w, const events::VoteCast& v) {
  w.bytes(v.signature_id);
  w.u32(v.voter);
  w.boolean(v.approve);
  w.f64(v.similarity);
  w.f64(v.confidence);
  w.f64(v.weight);
}
events::VoteCast get_vote(ByteReader& r) {
  events::VoteCast v;
  v.signature_id = r.text();
  v.voter = r.u32();
  v.approve = r.boolean();
  v.similarity = r.f64();
  v.confidence = r.f64();
  v.weight = r.f64();
  return v;
}

void put_view(ByteWriter& w, const agents::ValidatorView& view) {
  const auto s = view.state();
  w.u64(s.baseline.window.size());
  for (const auto& f : s.baseline.window) put_features(w, f);
  w.u64(s.baseline.next);
  put_sums(w, s.baseline.mean);
  put_sums(w, s.baseline.sd);
  w.u64(s.flagged_ring.size());
  for (const auto& f : s.flagged_ring) w.u32(f.source), put_features(w, f.features);
  w.u64(s.flagged_next);
  w.u64(s.history.size());
  for (const auto& [source, h] : s.history) {
    w.u32(source);
    w.u64(h.clean);
    w.u64(h.flagged);
    w.u64(h.last_seen);
    put_sums(w, h.sum);
  }
  w.u64(s.round);
}
void get_view(ByteReader& r, agents::ValidatorView& view) {
  agents::ValidatorView::State s;
  s.baseline.window.resize(r.count(4 * agents::kFeatureCount));
  for (auto& f : s.baseline.window) f = get_features(r);
  s.baseline.next = r.u64();
  s.baseline.mean = get_sums(r);
  s.baseline.sd = get_sums(r);
  s.flagged_ring.resize(r.count(4 + 4 * agents::kFeatureCount));
  for (auto& f : s.flagged_ring) f.source = r.u32(), f.features = get_features(r);
  s.flagged_next = r.u64();
  for (auto n = r.count(4 + 24 + 8 * agents::kFeatureCount); n > 0; --n) {
    const auto source = r.u32();
    auto& h = s.history[source];
    h.clean = r.u64();
    h.flagged = r.u64();
    h.last_seen = r.u64();
    h.sum = get_sums(r);
  }
  s.round = r.u64();
  try {
    view.restore(std::move(s));
  } catch (const std::invalid_argument& e) {
    throw SnapshotError(std::string("snapshot: ") + e.what());
  }
}

void put_blacklist(ByteWriter& w, const agents::Blacklist& b) {
  const auto entries = b.entries();
  w.u64(entries.size());
  for (const auto& e : entries) {
    w.u32(e.indicator);
    w.bytes(e.signature_id);
    w.u64(e.added_step);
    w.u64(e.last_hit_step);
    w.u64(e.expiry_steps);
    w.u64(e.expires_step);
    w.u64(e.hits);
  }
  w.u64(b.evictions());
}
void get_blacklist(ByteReader& r, agents::Blacklist& b) {
  const auto n = r.count(4 + 8 + 5 * 8);
  if (n > b.capacity()) throw SnapshotError("snapshot: a blacklist holds more entries than its capacity");
  for (std::size_t i = 0; i < n; ++i) {
    agents::Blacklist::Entry e;
    e.indicator = r.u32();
    e.signature_id = r.text();
    e.added_step = r.u64();
    e.last_hit_step = r.u64();
    e.expiry_steps = r.u64();
    e.expires_step = r.u64();
    e.hits = r.u64();
    if (e.expiry_steps == 0 || b.key(e.indicator) != e.indicator || b.contains(e.indicator)) {
      throw SnapshotError("snapshot: a blacklist entry does not fit its list");
    }
    b.restore(std::move(e));
  }
  b.set_evictions(r.u64());
}

// Reads a part's payload; every byte of it must be used.
template <typename Fn> void read_all(std::string_view payload, const char* name, Fn&& fn) {
  ByteReader r(payload);
  fn(r);
  if (!r.done()) throw SnapshotError(std::string("snapshot: part '") + name + "' has trailing bytes");
}

}  // namespace

const std::vector<EngineSnapshot::Part>& EngineSnapshot::parts() {
  static const std::vector<Part> parts = {
      {"engine", save_engine, restore_engine},
      {"campaigns", save_campaigns, restore_campaigns},
      {"agents", save_agents, restore_agents},
      {"consensus", save_consensus, restore_consensus},
      {"deliveries", save_deliveries, restore_deliveries},
      {"log_blacklists", save_log_blacklists, restore_log_blacklists},
      {"protection", save_protection, restore_protection},
      {"recovery", save_recovery, restore_recovery},
      {"detection_by_kind", save_detection_by_kind, restore_detection_by_kind},
      {"detection_by_label", save_detection_by_label, restore_detection_by_label},
      {"recovery_journal", save_recovery_journal, restore_recovery_journal},
      {"agent_replays", save_agent_replays, restore_agent_replays},
  };
  return parts;
}

const std::vector<std::string>& EngineSnapshot::part_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& p : parts()) out.emplace_back(p.name);
    return out;
  }();
  return names;
}

std::string EngineSnapshot::save(const Engine& engine) {
  ByteWriter w;
  w.raw(kMagic);
  w.u32(kFormat);
  w.u32(static_cast<std::uint32_t>(parts().size()));
  for (const auto& part : parts()) {
    ByteWriter payload;
    part.save(payload, engine);
    w.bytes(part.name);
    w.bytes(payload.str());
  }
  return w.take();
}

void EngineSnapshot::restore(Engine& engine, std::string_view bytes) {
  if (engine.next_step() != 0) throw SnapshotError("snapshot: restore needs a fresh engine");
  ByteReader r(bytes);
  if (r.left() < kMagic.size() || r.raw(kMagic.size()) != kMagic) throw SnapshotError("snapshot: not an engine snapshot");
  if (const auto format = r.u32(); format != kFormat) {
    throw SnapshotError("snapshot: engine format " + std::to_string(format) + ", this program reads " +
                        std::to_string(kFormat));
  }
  if (r.u32() != parts().size()) throw SnapshotError("snapshot: the engine parts differ from this program's");
  for (const auto& part : parts()) {
    if (r.bytes() != part.name) throw SnapshotError(std::string("snapshot: expected part '") + part.name + "'");
    read_all(r.bytes(), part.name, [&](ByteReader& pr) { part.restore(pr, engine); });
  }
  if (!r.done()) throw SnapshotError("snapshot: trailing bytes after the engine parts");
}

void EngineSnapshot::save_engine(ByteWriter& w, const Engine& e) {
  w.u32(static_cast<std::uint32_t>(e.agents_.size()));
  w.u64(e.next_step_);
  w.u32(e.next_campaign_id_);
}
void EngineSnapshot::restore_engine(ByteReader& r, Engine& e) {
  if (r.u32() != e.agents_.size()) throw SnapshotError("snapshot: another number of agents");
  e.next_step_ = r.u64();
  e.next_campaign_id_ = r.u32();
}

void EngineSnapshot::save_campaigns(ByteWriter& w, const Engine& e) {
  w.u64(e.campaigns_.size());
  for (const auto& c : e.campaigns_) {
    w.u32(c.id);
    w.u32(static_cast<std::uint32_t>(c.kind));
    put_ids(w, c.sources);
    put_ids(w, c.targets);
    w.u64(c.start_step);
    w.u32(c.delay_steps);
    w.u32(c.duration_steps);
    w.f64(c.intensity);
    w.u32(c.infrastructure.pool_size);
    w.f64(c.infrastructure.benign_share);
    w.u32(c.infrastructure.sources_per_target);
    w.f64(c.infrastructure.churn);
    w.boolean(c.infrastructure.fresh_per_target);
    put_ids(w, c.pool);
    w.u64(c.seed);
    w.u32(c.network_agents);
  }
}
void EngineSnapshot::restore_campaigns(ByteReader& r, Engine& e) {
  std::vector<agents::Campaign> campaigns(r.count(64));
  for (auto& c : campaigns) {
    c.id = r.u32();
    const auto kind = r.u32();
    if (kind >= agents::kCampaignKindCount) throw SnapshotError("snapshot: a campaign of kind " + std::to_string(kind));
    c.kind = static_cast<agents::CampaignKind>(kind);
    c.sources = get_ids(r);
    c.targets = get_ids(r);
    for (auto t : c.targets) {
      if (t >= e.agents_.size()) throw SnapshotError("snapshot: a campaign targets agent " + std::to_string(t));
    }
    c.start_step = r.u64();
    c.delay_steps = r.u32();
    c.duration_steps = r.u32();
    c.intensity = r.f64();
    c.infrastructure.pool_size = r.u32();
    c.infrastructure.benign_share = r.f64();
    c.infrastructure.sources_per_target = r.u32();
    c.infrastructure.churn = r.f64();
    c.infrastructure.fresh_per_target = r.boolean();
    c.pool = get_ids(r);
    c.seed = r.u64();
    c.network_agents = r.u32();
  }
  const auto planned = e.campaigns_.size();  // a fresh engine holds the planned ones
  e.campaigns_ = std::move(campaigns);
  e.index_campaign_sources(planned);
}

void EngineSnapshot::save_agents(ByteWriter& w, const Engine& e) {
  for (const auto& a : e.agents_) save_agent(w, *a);
}
void EngineSnapshot::restore_agents(ByteReader& r, Engine& e) {
  for (auto& a : e.agents_) restore_agent(r, e, *a);
}

void EngineSnapshot::save_agent(ByteWriter& w, const AgentRuntime& a) {
  w.u32(a.id);
  w.boolean(a.byzantine);
  w.boolean(a.crashed);
  w.u64(a.crashed_at);
  w.u64(a.recover_step);
  put_optional(w, a.awaiting_vote);
  put_optional(w, a.awaiting_block);
  w.boolean(a.model.has_value());
  if (a.model) w.bytes(a.model->serialize());
  w.f64(a.threshold);
  w.u64(a.model_version);
  w.boolean(a.needs_retrain);
  save_training(w, a.training);
  put_blacklist(w, a.blacklist);
  put_view(w, a.view);
  w.u64(a.recent_flagged.size());
  for (const auto& batch : a.recent_flagged) {
    w.u64(batch.size());
    for (const auto& [flow, score] : batch) put_flow(w, flow), w.f64(score);
  }
  w.u64(a.seen_signatures.size());
  for (const auto& s : a.seen_signatures) put_signature(w, s);
  put_counts(w, a.evidence, &agents::EvidenceCount::clean, &agents::EvidenceCount::flagged);
}
void EngineSnapshot::restore_agent(ByteReader& r, const Engine& e, AgentRuntime& a) {
  if (r.u32() != a.id) throw SnapshotError("snapshot: agents out of order");
  a.byzantine = r.boolean();
  a.crashed = r.boolean();
  a.crashed_at = r.u64();
  a.recover_step = r.u64();
  a.awaiting_vote = get_optional(r);
  a.awaiting_block = get_optional(r);
  a.model.reset();
  if (r.boolean()) {
    try {
      a.model = agents::IsolationForest::deserialize(r.bytes());
    } catch (const std::invalid_argument& ex) {
      throw SnapshotError(std::string("snapshot: agent ") + std::to_string(a.id) + "'s model: " + ex.what());
    }
  }
  a.threshold = r.f64();
  a.model_version = r.u64();
  a.needs_retrain = r.boolean();
  restore_training(r, a.training);
  a.blacklist = agents::Blacklist(e.settings_.blacklist_capacity, e.settings_.signature.prefix_len);
  get_blacklist(r, a.blacklist);
  a.view = agents::ValidatorView{};
  get_view(r, a.view);
  a.recent_flagged.clear();
  for (auto n = r.count(8); n > 0; --n) {
    auto& batch = a.recent_flagged.emplace_back();
    batch.resize(r.count(4 * agents::kFeatureCount + 12 + 8));
    for (auto& [flow, score] : batch) flow = get_flow(r), score = r.f64();
  }
  a.seen_signatures.clear();
  for (auto n = r.count(8 + 8 + 12 * agents::kFeatureCount); n > 0; --n) a.seen_signatures.push_back(get_signature(r));
  a.evidence = get_counts(r, &agents::EvidenceCount::clean, &agents::EvidenceCount::flagged);
}

void EngineSnapshot::save_training(ByteWriter& w, const TrainingWindow& t) {
  w.u64(t.entries_.size());
  for (const auto& entry : t.entries_) put_features(w, entry.features), w.u32(entry.source);
}
void EngineSnapshot::restore_training(ByteReader& r, TrainingWindow& t) {
  const auto n = r.count(4 * agents::kFeatureCount + 4);
  if (n > t.capacity_) throw SnapshotError("snapshot: a training window holds more flows than its capacity");
  t.entries_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const auto features = get_features(r);
    t.entries_.push_back({features, r.u32()});
  }
}

void EngineSnapshot::save_consensus(ByteWriter& w, const Engine& e) {
  const auto& c = e.consensus_;
  w.u64(c.pending_.size());
  for (const auto& [id, p] : c.pending_) {
    w.bytes(id);
    put_signature(w, p.signature);
    w.u32(p.proposer);
    w.boolean(p.poisoned);
    w.boolean(p.benign_indicator);
    w.u64(p.proposed_step);
    w.u64(p.deadline_step);
    put_ids(w, p.supporters);
    put_ids(w, p.committee);
    w.u64(p.votes.size());
    for (const auto& [voter, vote] : p.votes) w.u32(voter), put_vote(w, vote);
    w.u64(p.key);
    w.u64(p.reaches.size());
    for (auto step : p.reaches) w.u64(step);
    put_steps(w, p.support_arrives);
    put_steps(w, p.vote_arrives);
  }
  w.u64(c.order_.size());
  for (const auto& id : c.order_) w.bytes(id);
  w.u64(c.rejected_until_.size());
  for (const auto& [id, step] : c.rejected_until_) w.bytes(id), w.u64(step);
  w.u64(c.network_blacklist_.size());
  for (const auto& [indicator, block] : c.network_blacklist_) {
    w.u32(indicator);
    w.bytes(block.signature_id);
    w.u64(block.expires_step);
  }
  put_json(w, c.reputation_.to_json());
  const auto& t = c.truth_;
  for (auto v : {t.poisoned_proposed, t.poisoned_accepted, t.benign_signatures_proposed, t.benign_signatures_accepted,
                 t.protected_rejections, t.attack_signatures_proposed, t.attack_signatures_accepted, t.disputes,
                 t.corroborations, t.revoked, t.poisoned_revoked, t.attack_signatures_revoked,
                 t.benign_signatures_revoked}) {
    w.u64(v);
  }
  // validation.defence evidence: the accepted signatures still open to judgement.
  w.u64(c.judged_.size());
  for (const auto& [id, j] : c.judged_) {
    w.bytes(id);
    w.bytes(j.signature_id);
    w.u32(j.indicator);
    w.u32(j.prefix_len);
    w.u32(j.proposer);
    put_ids(w, j.supporters);
    w.u64(j.votes.size());
    for (const auto& [voter, vote] : j.votes) w.u32(voter), put_vote(w, vote);
    w.boolean(j.poisoned);
    w.boolean(j.benign_indicator);
    put_ids(w, std::vector<std::uint32_t>(j.judges.begin(), j.judges.end()));
    w.u32(j.disputes);
    w.u32(j.corroborations);
    w.f64(j.dispute_weight);
    w.f64(j.corroboration_weight);
  }
}
void EngineSnapshot::restore_consensus(ByteReader& r, Engine& e) {
  auto& c = e.consensus_;
  c.pending_.clear();
  for (auto n = r.count(8); n > 0; --n) {
    auto id = r.text();
    auto& p = c.pending_[id];
    p.signature = get_signature(r);
    p.proposer = r.u32();
    p.poisoned = r.boolean();
    p.benign_indicator = r.boolean();
    p.proposed_step = r.u64();
    p.deadline_step = r.u64();
    p.supporters = get_ids(r);
    p.committee = get_ids(r);
    for (auto v = r.count(12); v > 0; --v) {
      const auto voter = r.u32();
      p.votes[voter] = get_vote(r);
    }
    p.key = r.u64();
    p.reaches.resize(r.count(8));
    for (auto& step : p.reaches) step = r.u64();
    p.support_arrives = get_steps(r);
    p.vote_arrives = get_steps(r);
  }
  c.order_.resize(r.count(8));
  for (auto& id : c.order_) {
    id = r.text();
    if (c.pending_.count(id) == 0) throw SnapshotError("snapshot: a pending signature without its record");
  }
  if (c.order_.size() != c.pending_.size()) throw SnapshotError("snapshot: pending signatures out of order");
  c.rejected_until_.clear();
  for (auto n = r.count(16); n > 0; --n) {
    auto id = r.text();
    c.rejected_until_[std::move(id)] = r.u64();
  }
  c.network_blacklist_.clear();
  for (auto n = r.count(20); n > 0; --n) {
    const auto indicator = r.u32();
    auto& block = c.network_blacklist_[indicator];
    block.signature_id = r.text();
    block.expires_step = r.u64();
  }
  try {
    c.reputation_ = projections::Reputation::from_json(get_json(r));
  } catch (const nlohmann::json::exception& ex) {
    throw SnapshotError(std::string("snapshot: reputation: ") + ex.what());
  }
  auto& t = c.truth_;
  for (auto* v : {&t.poisoned_proposed, &t.poisoned_accepted, &t.benign_signatures_proposed,
                  &t.benign_signatures_accepted, &t.protected_rejections, &t.attack_signatures_proposed,
                  &t.attack_signatures_accepted, &t.disputes, &t.corroborations, &t.revoked, &t.poisoned_revoked,
                  &t.attack_signatures_revoked, &t.benign_signatures_revoked}) {
    *v = r.u64();
  }
  c.judged_.clear();
  for (auto n = r.count(8); n > 0; --n) {
    auto id = r.text();
    auto& j = c.judged_[id];
    j.signature_id = r.text();
    j.indicator = r.u32();
    j.prefix_len = r.u32();
    if (j.prefix_len > 32) throw SnapshotError("snapshot: a judged signature's prefix length is " + std::to_string(j.prefix_len));
    j.proposer = r.u32();
    j.supporters = get_ids(r);
    for (auto v = r.count(12); v > 0; --v) {
      const auto voter = r.u32();
      j.votes[voter] = get_vote(r);
    }
    j.poisoned = r.boolean();
    j.benign_indicator = r.boolean();
    const auto judges = get_ids(r);
    j.judges = std::set<std::uint32_t>(judges.begin(), judges.end());
    j.disputes = r.u32();
    j.corroborations = r.u32();
    j.dispute_weight = r.f64();
    j.corroboration_weight = r.f64();
  }
}

void EngineSnapshot::save_deliveries(ByteWriter& w, const Engine& e) {
  w.u64(e.deliveries_.size());
  for (const auto& [step, d] : e.deliveries_) {
    w.u64(step);
    w.u32(d.agent);
    w.bytes(d.signature_id);
    w.u32(d.indicator);
  }
}
void EngineSnapshot::restore_deliveries(ByteReader& r, Engine& e) {
  e.deliveries_.clear();
  for (auto n = r.count(24); n > 0; --n) {
    const auto step = r.u64();
    Engine::Delivery d;
    d.agent = r.u32();
    if (d.agent >= e.agents_.size()) throw SnapshotError("snapshot: a delivery to agent " + std::to_string(d.agent));
    d.signature_id = r.text();
    d.indicator = r.u32();
    e.deliveries_.emplace(step, std::move(d));  // multimap keeps insertion order among equal steps
  }
}

void EngineSnapshot::save_log_blacklists(ByteWriter& w, const Engine& e) { put_json(w, e.log_blacklists_.to_json()); }
void EngineSnapshot::restore_log_blacklists(ByteReader& r, Engine& e) {
  try {
    e.log_blacklists_ = projections::Blacklists::from_json(get_json(r));
  } catch (const std::exception& ex) {
    throw SnapshotError(std::string("snapshot: log blacklists: ") + ex.what());
  }
}

void EngineSnapshot::save_protection(ByteWriter& w, const Engine& e) {
  const auto& p = e.protection_;
  w.u64(p.known_campaigns_);
  w.u64(p.pairs_.size());
  for (const auto& pair : p.pairs_) {
    w.u32(pair.campaign);
    w.u32(static_cast<std::uint32_t>(pair.kind));
    w.u32(pair.agent);
    w.u64(pair.arrival_step);
    w.u64(pair.target_index);
    put_optional(w, pair.protected_step);
    // The churn memo is a cache, but rebuilding it after a restore costs a draw per slot and step
    // since the arrival: over a long run, most of a resume (docs/OPERATIONS.md).
    put_optional(w, pair.generations.step);
    put_ids(w, pair.generations.by_slot);
  }
}
void EngineSnapshot::restore_protection(ByteReader& r, Engine& e) {
  auto& p = e.protection_;
  p.known_campaigns_ = r.u64();
  if (p.known_campaigns_ != e.campaigns_.size()) throw SnapshotError("snapshot: protection pairs of other campaigns");
  p.pairs_.resize(r.count(38));
  for (auto& pair : p.pairs_) {
    pair.campaign = r.u32();
    const auto kind = r.u32();
    if (pair.campaign >= e.campaigns_.size() || kind >= agents::kCampaignKindCount) {
      throw SnapshotError("snapshot: a protection pair of an unknown campaign");
    }
    pair.kind = static_cast<agents::CampaignKind>(kind);
    pair.agent = r.u32();
    pair.arrival_step = r.u64();
    pair.target_index = r.u64();
    if (pair.target_index >= e.campaigns_[pair.campaign].targets.size()) {
      throw SnapshotError("snapshot: a protection pair of an unknown target");
    }
    pair.protected_step = get_optional(r);
    pair.generations.step = get_optional(r);
    pair.generations.by_slot = get_ids(r);
  }
}

void EngineSnapshot::save_recovery(ByteWriter& w, const Engine& e) {
  const auto& t = e.recovery_times_;
  for (auto v : {t.recoveries, t.voted, t.to_vote_sum, t.blocked, t.to_block_sum}) w.u64(v);
}
void EngineSnapshot::restore_recovery(ByteReader& r, Engine& e) {
  auto& t = e.recovery_times_;
  for (auto* v : {&t.recoveries, &t.voted, &t.to_vote_sum, &t.blocked, &t.to_block_sum}) *v = r.u64();
}

void EngineSnapshot::save_detection_by_kind(ByteWriter& w, const Engine& e) {
  for (const auto& k : e.by_kind_) w.u64(k.attack_flows), w.u64(k.detected);
}
void EngineSnapshot::restore_detection_by_kind(ByteReader& r, Engine& e) {
  for (auto& k : e.by_kind_) k.attack_flows = r.u64(), k.detected = r.u64();
}

void EngineSnapshot::save_detection_by_label(ByteWriter& w, const Engine& e) {
  put_counts(w, e.by_label_, &KindDetection::attack_flows, &KindDetection::detected);
}
void EngineSnapshot::restore_detection_by_label(ByteReader& r, Engine& e) {
  e.by_label_ = get_counts(r, &KindDetection::attack_flows, &KindDetection::detected);
}

void EngineSnapshot::save_recovery_journal(ByteWriter& w, const Engine& e) {
  const auto& j = e.journal_;
  w.u64(j.proposer_.size());
  for (const auto& [id, proposer] : j.proposer_) w.bytes(id), w.u32(proposer);
  w.u64(j.decisions_.size());
  for (const auto& d : j.decisions_) w.u64(d.step), w.bytes(d.signature_id), w.u32(d.indicator), w.u32(d.decider);
  w.u64(j.removals_.size());
  for (const auto& rm : j.removals_) w.u64(rm.step), w.u32(rm.indicator);
  w.u64(j.local_.size());
  for (const auto& [agent, adds] : j.local_) {
    w.u32(agent);
    w.u64(adds.size());
    for (const auto& l : adds) w.u64(l.step), w.bytes(l.signature_id), w.u32(l.indicator), w.u64(l.expires_step);
  }
  w.u64(j.models_.size());
  for (const auto& [agent, models] : j.models_) {
    w.u32(agent);
    w.u64(models.size());
    for (const auto& m : models) w.u64(m.step), w.u64(m.version), w.u64(m.samples), w.bytes(m.digest);
  }
  put_steps(w, j.crashes_);
  w.u64(j.healed_.size());
  for (const auto& b : j.healed_) w.u32(b.indicator), w.bytes(b.signature_id), w.u64(b.expires_step);
  w.u64(j.revocations_.size());
  for (const auto& rv : j.revocations_) w.u64(rv.step), w.bytes(rv.signature_id), w.u32(rv.indicator);
}
void EngineSnapshot::restore_recovery_journal(ByteReader& r, Engine& e) {
  const auto agent_id = [&](std::uint32_t agent) {
    if (agent >= e.agents_.size()) throw SnapshotError("snapshot: the recovery journal names agent " + std::to_string(agent));
    return agent;
  };
  RecoveryJournal j;
  for (auto n = r.count(12); n > 0; --n) {
    auto id = r.text();
    j.proposer_[std::move(id)] = agent_id(r.u32());
  }
  j.decisions_.resize(r.count(24));
  for (auto& d : j.decisions_) {
    d.step = r.u64();
    d.signature_id = r.text();
    d.indicator = r.u32();
    d.decider = agent_id(r.u32());
  }
  j.removals_.resize(r.count(12));
  for (auto& rm : j.removals_) rm.step = r.u64(), rm.indicator = r.u32();
  for (auto n = r.count(12); n > 0; --n) {
    auto& adds = j.local_[agent_id(r.u32())];
    adds.resize(r.count(28));
    for (auto& l : adds) {
      l.step = r.u64();
      l.signature_id = r.text();
      l.indicator = r.u32();
      l.expires_step = r.u64();
    }
  }
  for (auto n = r.count(12); n > 0; --n) {
    auto& models = j.models_[agent_id(r.u32())];
    models.resize(r.count(32));
    for (auto& m : models) {
      m.step = r.u64();
      m.version = r.u64();
      m.samples = r.u64();
      m.digest = r.text();
    }
  }
  j.crashes_ = get_steps(r);
  for (const auto& [agent, step] : j.crashes_) agent_id(agent);
  j.healed_.resize(r.count(20));
  for (auto& b : j.healed_) {
    b.indicator = r.u32();
    b.signature_id = r.text();
    b.expires_step = r.u64();
  }
  j.revocations_.resize(r.count(20));
  for (auto& rv : j.revocations_) {
    rv.step = r.u64();
    rv.signature_id = r.text();
    rv.indicator = r.u32();
  }
  e.journal_ = std::move(j);
}

// A replay keeps the agent's state as replayed (its blacklist, model, threshold, training
// window, validator view and flagged flows: the AgentRuntime record), its last retrain and the
// next step it replays; the traffic generator rebuilds itself, as the agents' do.
void EngineSnapshot::save_agent_replays(ByteWriter& w, const Engine& e) {
  w.u64(e.replays_.size());
  for (const auto& [agent, replay] : e.replays_) {
    w.u32(agent);
    w.boolean(replay != nullptr);
    if (!replay) continue;
    w.u64(replay->next_step_);
    save_agent(w, replay->agent_);
    const auto& last = replay->last_;
    w.u64(last.step);
    w.u64(last.version);
    save_training(w, last.training);
    w.boolean(last.model.has_value());
    if (last.model) w.bytes(last.model->serialize());
    w.f64(last.threshold);
  }
}
void EngineSnapshot::restore_agent_replays(ByteReader& r, Engine& e) {
  e.replays_.clear();
  for (auto n = r.count(5); n > 0; --n) {
    const auto agent = r.u32();
    if (agent >= e.agents_.size()) throw SnapshotError("snapshot: a replay of agent " + std::to_string(agent));
    auto& slot = e.replays_[agent];
    if (!r.boolean()) continue;
    slot = std::unique_ptr<AgentReplay>(new AgentReplay(e.settings_, agent));
    slot->next_step_ = r.u64();
    restore_agent(r, e, slot->agent_);
    auto& last = slot->last_;
    last.step = r.u64();
    last.version = r.u64();
    last.training = TrainingWindow(e.settings_.detector.window);
    restore_training(r, last.training);
    last.model.reset();
    if (r.boolean()) {
      try {
        last.model = agents::IsolationForest::deserialize(r.bytes());
      } catch (const std::invalid_argument& ex) {
        throw SnapshotError("snapshot: agent " + std::to_string(agent) + "'s replayed model: " + ex.what());
      }
    }
    last.threshold = r.f64();
  }
}

}  // namespace dais::server

#include "server/phase_results.h"

namespace dais::server {

namespace {

void write_counts(ByteWriter& w, const events::StepCompleted& c) {
  for (const auto v : {c.flows, c.attack_flows, c.flagged, c.true_positives, c.false_positives, c.false_negatives,
                       c.blocked, c.blocked_attack, c.blocked_benign, c.flows_while_down, c.missed_while_down}) {
    w.u64(v);
  }
}

void read_counts(ByteReader& r, events::StepCompleted& c) {
  for (auto* v : {&c.flows, &c.attack_flows, &c.flagged, &c.true_positives, &c.false_positives, &c.false_negatives,
                  &c.blocked, &c.blocked_attack, &c.blocked_benign, &c.flows_while_down, &c.missed_while_down}) {
    *v = r.u64();
  }
}

void write_features(ByteWriter& w, const agents::FeatureVector& f) {
  for (const float v : f) w.f32(v);
}

void read_features(ByteReader& r, agents::FeatureVector& f) {
  for (float& v : f) v = r.f32();
}

void write_signature(ByteWriter& w, const agents::Signature& s) {
  w.str(s.id);
  w.u32(s.indicator);
  w.u32(s.prefix_len);
  write_features(w, s.centroid);
  write_features(w, s.lower);
  write_features(w, s.upper);
  w.f64(s.confidence);
  w.u32(s.observations);
}

void read_signature(ByteReader& r, agents::Signature& s) {
  s.id = r.str();
  s.indicator = r.u32();
  s.prefix_len = r.u32();
  read_features(r, s.centroid);
  read_features(r, s.lower);
  read_features(r, s.upper);
  s.confidence = r.f64();
  s.observations = r.u32();
}

}  // namespace

void write_observation(ByteWriter& w, const AgentObservation& o) {
  write_counts(w, o.counts);
  w.u32(static_cast<std::uint32_t>(o.hits.size()));
  for (const auto& [source, count] : o.hits) {
    w.u32(source);
    w.u64(count);
  }
  w.u32(static_cast<std::uint32_t>(o.findings.size()));
  for (std::size_t k = 0; k < o.findings.size(); ++k) {
    write_signature(w, o.findings[k]);
    w.boolean(o.forged[k]);
  }
  w.u32(static_cast<std::uint32_t>(o.by_label.size()));
  for (const auto& [label, tally] : o.by_label) {
    w.u32(label);
    w.u64(tally.attack_flows);
    w.u64(tally.detected);
  }
  w.boolean(o.recovered_to_block.has_value());
  if (o.recovered_to_block) w.u64(*o.recovered_to_block);
}

void read_observation(ByteReader& r, AgentObservation& o) {
  o = AgentObservation{};
  read_counts(r, o.counts);
  for (auto n = r.u32(); n > 0; --n) {
    const auto source = r.u32();
    o.hits[source] = r.u64();
  }
  const auto findings = r.u32();
  o.findings.resize(findings);
  o.forged.resize(findings);
  for (std::uint32_t k = 0; k < findings; ++k) {
    read_signature(r, o.findings[k]);
    o.forged[k] = r.boolean();
  }
  for (auto n = r.u32(); n > 0; --n) {
    const auto label = r.u32();
    auto& tally = o.by_label[label];
    tally.attack_flows = r.u64();
    tally.detected = r.u64();
  }
  if (r.boolean()) o.recovered_to_block = r.u64();
}

void write_ballots(ByteWriter& w, const std::vector<Ballot>& ballots) {
  w.u32(static_cast<std::uint32_t>(ballots.size()));
  for (const auto& b : ballots) {
    w.boolean(b.vote.approve);
    w.f64(b.vote.similarity);
    w.f64(b.vote.confidence);
    w.boolean(b.abstain);
  }
}

void read_ballots(ByteReader& r, std::vector<Ballot>& ballots) {
  if (r.u32() != ballots.size()) throw std::runtime_error("ranks disagree on the ballots a voter owes");
  for (auto& b : ballots) {
    b.vote.approve = r.boolean();
    b.vote.similarity = r.f64();
    b.vote.confidence = r.f64();
    b.abstain = r.boolean();
  }
}

void write_retrained(ByteWriter& w, const events::ModelRetrained& m) {
  w.u32(m.agent);
  w.u64(m.version);
  w.u64(m.samples);
  w.str(m.model_digest);
}

void read_retrained(ByteReader& r, events::ModelRetrained& m) {
  m.agent = r.u32();
  m.version = r.u64();
  m.samples = r.u64();
  m.model_digest = r.str();
}

void write_recovered(ByteWriter& w, const events::AgentRecovered& m) {
  w.u32(m.agent);
  w.u64(m.missed_steps);
  w.u64(m.model_version);
  w.str(m.model_digest);
}

void read_recovered(ByteReader& r, events::AgentRecovered& m) {
  m.agent = r.u32();
  m.missed_steps = r.u64();
  m.model_version = r.u64();
  m.model_digest = r.str();
}

}  // namespace dais::server

// Test helper: builds a log of events as projections see them, from the
// dais::events structs (encoded exactly as the engine encodes them).
#pragma once

#include <cstdint>
#include <vector>

#include "events/events.h"

namespace dais::test {

class EventLog {
 public:
  template <typename T> const events::Event& add(std::uint64_t step, const T& value) {
    events_.push_back(events::Event{events_.size(), events::type_name<T>(), step,
                                    nlohmann::json::parse(events::encode_data(value)), std::string{}});
    return events_.back();
  }
  // An event whose data is given as raw JSON (for malformed-input tests).
  const events::Event& add_raw(std::uint64_t step, const char* type, nlohmann::json data) {
    events_.push_back(events::Event{events_.size(), type, step, std::move(data), std::string{}});
    return events_.back();
  }
  const std::vector<events::Event>& events() const { return events_; }
  std::uint64_t size() const { return events_.size(); }

 private:
  std::vector<events::Event> events_;
};

inline events::SignatureProposed proposal(const std::string& id, std::uint32_t agent, const std::string& indicator,
                                          std::uint64_t deadline) {
  events::SignatureProposed p;
  p.signature_id = id;
  p.agent = agent;
  p.indicator = indicator;
  p.centroid = {0.5, 1.5, 2.5};
  p.lower = {0.0, 1.0, 2.0};
  p.upper = {1.0, 2.0, 3.0};
  p.confidence = 0.8;
  p.observations = 12;
  p.deadline_step = deadline;
  return p;
}

inline events::VoteCast vote(const std::string& id, std::uint32_t voter, bool approve, double weight = 1.0) {
  return events::VoteCast{id, voter, approve, approve ? 0.9 : 0.2, 0.7, weight};
}

inline events::ConsensusReached decision(const std::string& id, bool accepted, const std::string& reason,
                                         const std::string& indicator, std::uint64_t expires = 0) {
  events::ConsensusReached d;
  d.signature_id = id;
  d.accepted = accepted;
  d.reason = reason;
  d.indicator = indicator;
  d.expires_step = expires;
  return d;
}

inline events::RunStarted run_started(std::uint32_t agents, bool reputation) {
  events::RunStarted r;
  r.config = {{"consensus.reputation", reputation}, {"simulation.agents", agents}};
  r.seed = 42;
  r.version = "0.1.0";
  r.format = "dais-log/1";
  r.agents = agents;
  r.steps = 100;
  return r;
}

}  // namespace dais::test

#include "projections/projections.h"

#include <string>

namespace dais::projections {

void Projections::apply(const events::Event& event) {
  if (event.seq != next_seq_) {
    fail(event, "out of order: expected seq " + std::to_string(next_seq_));
  }
  if (!event.data.is_object()) fail(event, "malformed data: not an object");
  if (event.seq == 0) run_hash_ = event.hash;
  signatures_.apply(event);
  blacklists_.apply(event);
  agents_.apply(event);
  stats_.apply(event);
  ++next_seq_;
}

nlohmann::json Projections::snapshot() const {
  return {{"format", kSnapshotFormat},
          {"next_seq", next_seq_},
          {"run_hash", run_hash_},
          {"signatures", signatures_.to_json()},
          {"blacklists", blacklists_.to_json()},
          {"agents", agents_.to_json()},
          {"stats", stats_.to_json()}};
}

Projections Projections::restore(const nlohmann::json& snapshot) {
  if (!snapshot.is_object() || snapshot.value("format", std::string{}) != kSnapshotFormat) {
    throw ProjectionError(std::string("not a projections snapshot (format must be \"") + kSnapshotFormat + "\")");
  }
  Projections p;
  try {
    p.next_seq_ = snapshot.at("next_seq").get<std::uint64_t>();
    p.run_hash_ = snapshot.at("run_hash").get<std::string>();
    p.signatures_ = Signatures::from_json(snapshot.at("signatures"));
    p.blacklists_ = Blacklists::from_json(snapshot.at("blacklists"));
    p.agents_ = AgentState::from_json(snapshot.at("agents"));
    p.stats_ = RunStats::from_json(snapshot.at("stats"));
  } catch (const nlohmann::json::exception& e) {
    throw ProjectionError(std::string("malformed snapshot: ") + e.what());
  }
  return p;
}

}  // namespace dais::projections

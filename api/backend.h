// The contract between daisd and the API server: what the HTTP/WebSocket layer
// may ask of the running simulation. daisd implements it; the API only calls it.
//
// Thread safety: every method may be called concurrently from API io threads;
// implementations must be thread-safe and must not block for long (the engine
// copies its projections under its own lock and hands out an immutable
// snapshot, so API threads never hold engine locks while serialising).
// Errors: control methods report refusals as ControlResult (status + JSON body);
// an exception escaping any method becomes a 500 response, never a crash.
// Ownership: the Backend outlives the Server that uses it.
#pragma once

#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

namespace dais::eventstore {
class Store;
struct SignedCheckpoint;
}
namespace dais::projections {
class Projections;
}

namespace dais::api {

// Outcome of a control request, sent as the HTTP response as is
// (e.g. 200 done, 202 accepted for the next step, 400 invalid, 409 conflicting state).
struct ControlResult {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
};

// GET /v1/health: 200 when healthy, 503 otherwise; `components` is the body's
// detail (store writable, engine alive, age of last step, free disk, ...).
struct HealthReport {
  bool healthy = true;
  nlohmann::json components = nlohmann::json::object();
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const eventstore::Store& store() const = 0;
  // A consistent, immutable copy of the projections (never null).
  virtual std::shared_ptr<const projections::Projections> projections() const = 0;

  virtual ControlResult pause() = 0;
  virtual ControlResult resume() = 0;
  virtual ControlResult step_once() = 0;
  // Body of POST /v1/attacks ({"kind", "sources", "targets", ...}); the engine
  // validates it and appends an AttackInjected event.
  virtual ControlResult inject_attack(const nlohmann::json& request) = 0;
  // Body of POST /v1/blacklist/remove ({"indicator": "<IPv4>"}); the engine checks
  // that a blacklist blocks it and appends a BlacklistRemoved event.
  virtual ControlResult remove_blacklist(const nlohmann::json& request) = 0;

  virtual HealthReport health() const = 0;

  // The latest signed checkpoint of the log's Merkle tree (GET /checkpoint); null when none
  // has been signed (a backend without a signing key).
  virtual std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint() const { return nullptr; }

  // Set when this server takes no changes at all (a read replica, server/follower.h): every
  // control request gets it as its response, before any token check.
  virtual std::optional<ControlResult> refuse_changes() const { return std::nullopt; }
};

}  // namespace dais::api

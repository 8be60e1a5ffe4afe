// A Backend for API tests: a real Store in a temporary directory, Projections
// folded from every appended event, and an EventHub fed after each append
// (what daisd does). Control calls are recorded; inject_attack validates and
// appends an AttackInjected event like the engine.
// Thread-safe: append() may run on a writer thread while API threads read.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/backend.h"
#include "api/event_hub.h"
#include "eventstore/store.h"
#include "projections/projections.h"

namespace dais::api::testing {

class TestBackend : public Backend {
 public:
  TestBackend(const std::filesystem::path& dir, EventHub* hub, eventstore::SyncMode sync = eventstore::SyncMode::none);

  // Appends, folds, publishes. Returns the stored events.
  std::vector<eventstore::StoredEvent> append(const std::vector<eventstore::EventDraft>& drafts);

  // A consistent run: RunStarted (seq 0) with `agents` agents.
  void start_run(std::uint32_t agents);
  // One simulated step: a proposal, votes from every other agent, a decision
  // (accepted when `accept`), and StepCompleted. Returns the signature id.
  std::string simulate_step(std::uint64_t step, bool accept);
  // `count` StepCompleted events for steps [first_step, first_step + count), in batches of `batch`.
  void append_steps(std::uint64_t first_step, std::uint64_t count, std::size_t batch = 1);

  const eventstore::Store& store() const override { return *store_; }
  eventstore::Store& mutable_store() { return *store_; }
  std::shared_ptr<const projections::Projections> projections() const override;
  ControlResult pause() override;
  ControlResult resume() override;
  ControlResult step_once() override;
  ControlResult inject_attack(const nlohmann::json& request) override;
  // Appends BlacklistRemoved for any string 'indicator' (400 otherwise).
  ControlResult remove_blacklist(const nlohmann::json& request) override;
  HealthReport health() const override;

  std::atomic<bool> healthy{true};
  std::atomic<int> pauses{0}, resumes{0}, steps{0};
  std::atomic<bool> throw_in_projections{false};

 private:
  std::unique_ptr<eventstore::Store> store_;
  EventHub* hub_;
  std::uint32_t agents_ = 0;
  mutable std::mutex mutex_;  // serialises appends and guards projections_
  std::shared_ptr<const projections::Projections> projections_;
};

}  // namespace dais::api::testing

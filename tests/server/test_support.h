// Helpers shared by the server tests: a small, fast configuration, and a store opened as the tests write it.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <utility>

#include "config/config.h"
#include "eventstore/store.h"

namespace dais::test {

// A small, fast configuration; `overrides` are (key, value) pairs applied on top.
inline config::Config small_config(std::initializer_list<std::pair<const char*, const char*>> overrides = {}) {
  config::Config c;
  // The mechanism tests were written against the classroom scenario's figures; the realistic
  // scenario has its own tests (test_scenarios.cpp) and is asked for with an override.
  c.set_text("simulation.scenario", "classroom", "test");
  c.set_text("simulation.agents", "8", "test");
  c.set_text("simulation.steps", "30", "test");
  c.set_text("simulation.seed", "42", "test");
  c.set_text("traffic.flows_per_step", "30", "test");
  c.set_text("traffic.first_campaign_step", "3", "test");
  c.set_text("traffic.campaign_interval", "6", "test");
  c.set_text("traffic.campaigns", "4", "test");
  c.set_text("traffic.propagation_delay", "2", "test");
  c.set_text("detector.trees", "40", "test");
  c.set_text("detector.window", "600", "test");
  c.set_text("detector.retrain_interval", "10", "test");
  c.set_text("store.sync", "none", "test");
  for (const auto& [key, value] : overrides) c.set_text(key, value, "test");
  return c;
}

// The log in `dir`, created if absent, without an fsync per commit (tests never lose power).
inline std::unique_ptr<eventstore::Store> open_store(const std::filesystem::path& dir) {
  eventstore::StoreOptions o;
  o.sync = eventstore::SyncMode::none;
  return eventstore::Store::open(dir, o);
}

}  // namespace dais::test

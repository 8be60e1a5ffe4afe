// Shared plumbing for the projections' folds: the one error type they throw
// and typed decoding of an event's data that names the event on failure.
// A log that a projection cannot fold (missing or mistyped field, a vote for
// an unknown signature, an agent out of range, a seq out of order) is a
// ProjectionError whose message names the seq and type; never a crash.
// Stateless; thread-safe.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::projections {

class ProjectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "event seq 12 (VoteCast): <what>"
[[noreturn]] void fail(const events::Event& event, const std::string& what);

// event.data as T; a missing or mistyped field throws ProjectionError.
template <typename T> T decode(const events::Event& event) {
  try {
    return event.data.get<T>();
  } catch (const nlohmann::json::exception& e) {
    fail(event, std::string("malformed data: ") + e.what());
  }
}

// JSON helpers for optional values in views: null when absent.
template <typename T> nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
template <typename T> std::optional<T> optional_from(const nlohmann::json& j, const char* key) {
  const auto& v = j.at(key);
  if (v.is_null()) return std::nullopt;
  return v.get<T>();
}

}  // namespace dais::projections

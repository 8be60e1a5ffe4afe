// What a simulation step hands back: its events in canonical order, each a type,
// the step and its data object (DESIGN.md "Determinism"). The engine's parts append
// to one vector in phase order, so the order never depends on thread timing.
// Plain values; no I/O.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::server {

// One event the engine produced: type, step and its data object.
struct Produced {
  std::string type;
  std::uint64_t step = 0;
  nlohmann::json data;
};

template <typename T> Produced produce(std::uint64_t step, const T& value) {
  return Produced{events::type_name<T>(), step, nlohmann::json(value)};
}

}  // namespace dais::server

// The edge of POST /v1/attacks: validates an operator's attack request and turns it
// into the AttackInjected event the engine applies before the next step.
// A pure function of the request and the run's state it is given; thread-safe; no I/O.
// A request it cannot accept throws std::invalid_argument whose message is shown
// to the client as is, so messages name the field and what is allowed.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::server {

// What a request is checked against and what fills the event's defaults.
struct AttackRequestContext {
  std::uint32_t agents = 0;               // targets must be agent ids 0..agents-1; none = every agent
  std::uint32_t default_delay_steps = 0;  // delay_steps when the request names none
  std::uint64_t start_step = 0;           // the step the attack starts in: the next one to run
  std::uint32_t campaign_number = 0;      // the campaign id becomes "op-<campaign_number>"
};

events::AttackInjected attack_from_request(const nlohmann::json& request, const AttackRequestContext& context);

}  // namespace dais::server

#include "events/events.h"

#include <string_view>

namespace dais::events {

bool is_operator_input(std::string_view t) {
  return t == type::simulation_paused || t == type::simulation_resumed || t == type::attack_injected ||
         t == type::blacklist_removed;
}

Event parse_event(std::string_view bytes) {
  const auto j = nlohmann::json::parse(bytes);
  Event e;
  e.seq = j.at("seq").get<std::uint64_t>();
  e.type = j.at("type").get<std::string>();
  e.step = j.at("step").get<std::uint64_t>();
  e.data = j.at("data");
  if (!e.data.is_object()) throw nlohmann::json::type_error::create(302, "event data is not an object", &j);
  return e;
}

}  // namespace dais::events

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "server/attack_request.h"

using dais::server::attack_from_request;
using dais::server::AttackRequestContext;
using nlohmann::json;

namespace {

const AttackRequestContext kContext{/*agents=*/5, /*default_delay_steps=*/3, /*start_step=*/17, /*campaign_number=*/9};

// The message a rejected request shows the client.
std::string rejection(const json& request) {
  try {
    attack_from_request(request, kContext);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

json flood_from(json sources) { return json{{"kind", "flood"}, {"sources", std::move(sources)}}; }

}  // namespace

TEST_CASE("an attack request becomes an AttackInjected for the next step with the run's defaults") {
  const auto attack = attack_from_request(flood_from({"203.0.113.9", "198.51.100.1"}), kContext);
  CHECK(attack.kind == "flood");
  CHECK(attack.sources == std::vector<std::string>{"203.0.113.9", "198.51.100.1"});
  CHECK(attack.targets == std::vector<std::uint32_t>{0, 1, 2, 3, 4});  // no targets: every agent
  CHECK(attack.delay_steps == 3);
  CHECK(attack.duration_steps == 0);
  CHECK(attack.start_step == 17);
  CHECK(attack.campaign_id == "op-9");
}

TEST_CASE("an attack request's own targets, delay and duration are kept in order") {
  auto request = flood_from({"203.0.113.9"});
  request["kind"] = "low_and_slow";
  request["targets"] = {4, 0, 2};
  request["delay_steps"] = 0;
  request["duration_steps"] = 100000;
  const auto attack = attack_from_request(request, kContext);
  CHECK(attack.kind == "low_and_slow");
  CHECK(attack.targets == std::vector<std::uint32_t>{4, 0, 2});
  CHECK(attack.delay_steps == 0);
  CHECK(attack.duration_steps == 100000);
}

TEST_CASE("a malformed attack request is refused with a message naming the field") {
  CHECK(rejection(json::array()) == "body must be a JSON object");
  CHECK(rejection(json{{"kind", "smurf"}, {"sources", {"203.0.113.9"}}}) ==
        "unknown attack kind 'smurf'; allowed: port_scan, flood, brute_force, exfiltration, low_and_slow");
  CHECK(rejection(json{{"sources", {"203.0.113.9"}}}) ==
        "unknown attack kind ''; allowed: port_scan, flood, brute_force, exfiltration, low_and_slow");
  CHECK(rejection(json{{"kind", "flood"}}) == "'sources' must be a non-empty array of IPv4 addresses");
  CHECK(rejection(flood_from(json::array())) == "'sources' must be a non-empty array of IPv4 addresses");
  CHECK(rejection(flood_from("203.0.113.9")) == "'sources' must be a non-empty array of IPv4 addresses");
  CHECK(rejection(flood_from({"203.0.113.9", "10.0.0.01"})) ==
        "'sources' holds something that is not an IPv4 address: \"10.0.0.01\"");
  CHECK(rejection(flood_from({7})) == "'sources' holds something that is not an IPv4 address: 7");

  auto request = flood_from({"203.0.113.9"});
  request["targets"] = json::array();
  CHECK(rejection(request) == "'targets' must be a non-empty array of agent ids");
  request["targets"] = {0, 5};
  CHECK(rejection(request) == "'targets' holds an unknown agent id: 5 (agents are 0..4)");
  request["targets"] = {-1};
  CHECK(rejection(request) == "'targets' holds an unknown agent id: -1 (agents are 0..4)");
  request["targets"] = {"1"};
  CHECK(rejection(request) == "'targets' holds an unknown agent id: \"1\" (agents are 0..4)");

  request = flood_from({"203.0.113.9"});
  request["delay_steps"] = 1001;
  CHECK(rejection(request) == "'delay_steps' must be in 0..1000");
  request["delay_steps"] = -1;
  CHECK(rejection(request) == "'delay_steps' must be in 0..1000");
  request = flood_from({"203.0.113.9"});
  request["duration_steps"] = 100001;
  CHECK(rejection(request) == "'duration_steps' must be in 0..100000");
}

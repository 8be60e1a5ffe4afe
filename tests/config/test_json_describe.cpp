// to_json / from_json (what RunStarted records and replays from) and
// describe() (what daisd --print-config shows).
#include <doctest/doctest.h>

#include "config/config.h"
#include "config/sources.h"

using namespace dais::config;

namespace {

// A configuration that differs from the defaults in every value type.
Config varied() {
  LoadRequest request;
  request.sets = {"simulation.agents=250",         "simulation.seed=9007199254740992",
                  "consensus.majority=0.66",       "detector.threshold=0.30000000000000004",
                  "consensus.reputation=true",     "consensus.tie=accept",
                  "consensus.protected=10.0.0.1,10.0.0.53",
                  "api.ws_allowed_origins=https://a.example,https://\"odd\" name",
                  "store.sync=none",               "api.listen=0.0.0.0:0",
                  "log.file=/tmp/with \"quotes\"\n.log"};
  return load(request);
}

}  // namespace

TEST_CASE("to_json is flat, sorted, typed and leaves the secret token out") {
  LoadRequest request;
  request.sets = {"api.token=s3cret", "detector.contamination=0"};
  const nlohmann::json json = load(request).to_json();
  REQUIRE(json.is_object());
  CHECK(json.size() == schema().size() - 1);
  CHECK_FALSE(json.contains("api.token"));
  CHECK(json.dump().find("s3cret") == std::string::npos);
  std::string previous;
  for (const auto& [key, value] : json.items()) {
    CHECK(previous < key);
    previous = key;
  }
  CHECK(json.at("simulation.agents").is_number_integer());
  CHECK(json.at("detector.contamination").is_number_float());  // stays a double even when integral
  CHECK(json.at("consensus.enabled").is_boolean());
  CHECK(json.at("store.sync") == "full");
  CHECK(json.at("consensus.protected") == nlohmann::json::array());
}

TEST_CASE("to_json -> text -> from_json reproduces every value exactly") {
  const Config original = varied();
  const std::string text = original.to_json().dump();
  const Config restored = Config::from_json(nlohmann::json::parse(text));
  CHECK(restored.to_json() == original.to_json());
  CHECK(restored.to_json().dump() == text);
  CHECK(restored.get_int("simulation.seed") == (std::int64_t{1} << 53));
  CHECK(restored.get_double("detector.threshold") == 0.1 + 0.2);
  CHECK(restored.get_list("consensus.protected") == std::vector<std::string>{"10.0.0.1", "10.0.0.53"});
  CHECK(restored.get_list("api.ws_allowed_origins") ==
        std::vector<std::string>{"https://a.example", "https://\"odd\" name"});
  CHECK(restored.get_string("log.file") == "/tmp/with \"quotes\"\n.log");
  CHECK(restored.source("simulation.agents") == "log");
  CHECK(restored.source("api.token") == "default");
}

TEST_CASE("from_json validates every key with source \"log\"") {
  const auto error_of = [](const nlohmann::json& json) -> std::string {
    try {
      Config::from_json(json);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error_of({{"simulation.agnets", 5}}) ==
        "unknown configuration key \"simulation.agnets\" (value 5, from log); did you mean \"simulation.agents\"?");
  CHECK(error_of({{"simulation.agents", "5"}}) ==
        "simulation.agents: \"5\" (from log) is not an integer; allowed: an integer from 1 to 100000");
  CHECK(error_of({{"simulation.agents", 5.5}}) ==
        "simulation.agents: 5.5 (from log) is not an integer; allowed: an integer from 1 to 100000");
  CHECK(error_of({{"simulation.agents", 0}}) ==
        "simulation.agents: 0 (from log) is out of range; allowed: an integer from 1 to 100000");
  CHECK(error_of({{"simulation.seed", 18446744073709551615ULL}}).find("is out of range") != std::string::npos);
  CHECK(error_of({{"consensus.tie", "maybe"}}) ==
        "consensus.tie: \"maybe\" (from log) is not one of the choices; allowed: one of: reject, accept");
  CHECK(error_of({{"consensus.protected", {1, 2}}}).find("is not a list of strings") != std::string::npos);
  CHECK(error_of(nlohmann::json::array()).find("not a JSON object") != std::string::npos);
  // An integral number is a fine double; missing keys keep their defaults (older logs).
  const Config config = Config::from_json({{"consensus.majority", 1}});
  CHECK(config.get_double("consensus.majority") == 1.0);
  CHECK(config.get_int("simulation.agents") == 10);
  CHECK(config.source("simulation.agents") == "default");
}

TEST_CASE("describe shows every key grouped by section with value and source") {
  LoadRequest request;
  request.environment = {"DAIS_SIMULATION__STEPS=300"};
  request.sets = {"consensus.majority=0.75", "api.token=s3cret"};
  request.flags = {{"simulation.agents", "200", "--agents"}};
  const Config config = load(request);
  const std::string text = config.describe();
  CAPTURE(text);
  for (const KeySpec& spec : schema()) {
    CAPTURE(spec.key);
    CHECK(text.find("\n  " + std::string(name_in_section(spec.key)) + ": ") != std::string::npos);
  }
  CHECK(text.find("\nsimulation:\n  agents: 200 ") != std::string::npos);
  CHECK(text.find("# --agents\n") != std::string::npos);
  CHECK(text.find("steps: 300 ") != std::string::npos);
  CHECK(text.find("# environment DAIS_SIMULATION__STEPS\n") != std::string::npos);
  CHECK(text.find("majority: 0.75 ") != std::string::npos);
  CHECK(text.find("seed: 1 ") != std::string::npos);
  CHECK(text.find("# default\n") != std::string::npos);
  CHECK(text.find("token: \"***\" ") != std::string::npos);
  CHECK(text.find("s3cret") == std::string::npos);
  CHECK(text.find("\nconsensus:\n") < text.find("\n  majority:"));
}

TEST_CASE("describe output is YAML that loads back to the same configuration") {
  const Config original = varied();
  Config reloaded;
  apply_yaml_text(reloaded, original.describe(), "print-config");
  CHECK(reloaded.to_json() == original.to_json());
  CHECK(reloaded.source("simulation.agents").rfind("print-config:", 0) == 0);
}

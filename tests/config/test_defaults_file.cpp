// config/daisd.yaml documents every key with its default; loading it must set
// every key, from the file, to exactly the schema default — so the shipped
// file and the schema can never drift apart.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "config/scenario.h"

using namespace dais::config;

TEST_CASE("config/daisd.yaml sets every key to its default") {
  const std::filesystem::path file = std::filesystem::path(DAIS_SOURCE_DIR) / "config" / "daisd.yaml";
  LoadRequest request;
  request.file = file;
  const Config config = load(request);
  const Config defaults;
  const auto preset = scenario_defaults("realistic");
  for (const KeySpec& spec : schema()) {
    CAPTURE(spec.key);
    const bool by_scenario = std::any_of(preset.begin(), preset.end(), [&](const auto& p) { return p.first == spec.key; });
    // The file names every key, except those the scenario sets (commented there, see below).
    if (by_scenario) CHECK(config.source(spec.key) == "scenario realistic");
    else CHECK(config.source(spec.key).rfind(file.string() + ":", 0) == 0);
    CHECK(format_value(config.get(spec.key)) == format_value(defaults.get(spec.key)));
    CHECK(config.get(spec.key) == spec.default_value);
  }
}

TEST_CASE("config/daisd.yaml comments every key") {
  std::ifstream in(std::filesystem::path(DAIS_SOURCE_DIR) / "config" / "daisd.yaml");
  REQUIRE(in);
  std::string line;
  int values = 0;
  while (std::getline(in, line)) {
    // A value line is indented "name: value"; each carries a "# why/units" comment.
    // A scenario-dependent key is a commented value line: "# name: value # (scenario) ...".
    if (line.rfind("# ", 0) == 0 && line.find("(scenario)") != std::string::npos) {
      ++values;
      continue;
    }
    if (line.rfind("  ", 0) == 0 && line.find_first_not_of(' ') < line.size() && line[line.find_first_not_of(' ')] != '#') {
      CAPTURE(line);
      ++values;
      CHECK(line.find(" # ") != std::string::npos);
    }
  }
  CHECK(values == static_cast<int>(schema().size()));
}

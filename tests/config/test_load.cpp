// Loading: precedence of the sources, and the message every kind of bad input
// produces (it must name the key, the value, the source and what is allowed).
#include <doctest/doctest.h>

#include <fstream>
#include <stdexcept>

#include "common/temp_dir.h"
#include "config/config.h"
#include "config/sources.h"

using namespace dais::config;
using dais::TempDir;

namespace {

// The ConfigError load() throws for this request; fails the test if none.
ConfigError error_of(const LoadRequest& request) {
  try {
    load(request);
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("expected a ConfigError");
  return ConfigError("unreachable");
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("with no sources every key has its default and source \"default\"") {
  const Config config = load({});
  CHECK(config.get_int("simulation.agents") == 10);
  CHECK(config.get_double("consensus.majority") == 0.51);
  CHECK(config.get_bool("consensus.enabled"));
  CHECK(config.get_string("store.sync") == "full");
  CHECK(config.get_list("consensus.protected").empty());
  for (const KeySpec& spec : schema()) CHECK(config.source(spec.key) == "default");
}

TEST_CASE("precedence: file < environment < --set < flag") {
  TempDir dir;
  const auto file = dir.write("daisd.yaml",
                              "simulation:\n"
                              "  agents: 11\n"
                              "  steps: 12\n"
                              "  seed: 13\n"
                              "  threads: 14\n");
  LoadRequest request;
  request.file = file;
  request.environment = {"PATH=/usr/bin", "DAIS_SIMULATION__STEPS=22", "DAIS_SIMULATION__SEED=23",
                         "DAIS_SIMULATION__THREADS=24", "DAIS_HOME=/ignored"};
  request.sets = {"simulation.seed=33", "simulation.threads=34"};
  request.flags = {{"simulation.threads", "44", "--threads"}};
  const Config config = load(request);

  CHECK(config.get_int("simulation.agents") == 11);
  CHECK(config.source("simulation.agents") == file.string() + ":2");
  CHECK(config.get_int("simulation.steps") == 22);
  CHECK(config.source("simulation.steps") == "environment DAIS_SIMULATION__STEPS");
  CHECK(config.get_int("simulation.seed") == 33);
  CHECK(config.source("simulation.seed") == "--set");
  CHECK(config.get_int("simulation.threads") == 44);
  CHECK(config.source("simulation.threads") == "--threads");
  CHECK(config.source("traffic.campaigns") == "default");
}

TEST_CASE("within one source, the later assignment wins") {
  LoadRequest request;
  request.environment = {"DAIS_SIMULATION__AGENTS=5", "DAIS_SIMULATION__AGENTS=6"};
  request.sets = {"detector.trees=7", "detector.trees=8"};
  const Config config = load(request);
  CHECK(config.get_int("simulation.agents") == 6);
  CHECK(config.get_int("detector.trees") == 8);
}

TEST_CASE("YAML: nested maps, dotted keys, every value type, comments and empty sections") {
  TempDir dir;
  const auto file = dir.write("run.yaml",
                              "# a comment\n"
                              "simulation.agents: 50\n"
                              "consensus:\n"
                              "  majority: 0.75\n"
                              "  enabled: no\n"
                              "  tie: accept\n"
                              "  protected: [10.0.0.1, 10.0.0.53]\n"
                              "api: {listen: \"[::1]:9000\", token: s3cret}\n"
                              "faults:\n"
                              "log:\n"
                              "  file: ~\n");
  LoadRequest request;
  request.file = file;
  const Config config = load(request);
  CHECK(config.get_int("simulation.agents") == 50);
  CHECK(config.source("simulation.agents") == file.string() + ":2");
  CHECK(config.get_double("consensus.majority") == 0.75);
  CHECK_FALSE(config.get_bool("consensus.enabled"));
  CHECK(config.get_string("consensus.tie") == "accept");
  CHECK(config.get_list("consensus.protected") == std::vector<std::string>{"10.0.0.1", "10.0.0.53"});
  CHECK(config.source("consensus.protected") == file.string() + ":7");
  CHECK(config.get_string("api.listen") == "[::1]:9000");
  CHECK(config.get_string("api.token") == "s3cret");
  CHECK(config.get_string("log.file") == "");
  CHECK(config.source("faults.crash_rate") == "default");
}

TEST_CASE("an empty file, or one of only comments, changes nothing") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("empty.yaml", "# nothing here\n");
  CHECK(load(request).to_json() == Config().to_json());
}

TEST_CASE("values from text: lists, booleans and strings from the environment and --set") {
  LoadRequest request;
  request.environment = {"DAIS_CONSENSUS__PROTECTED=10.0.0.1, 10.0.0.2", "DAIS_CONSENSUS__REPUTATION=yes"};
  request.sets = {"api.cors_origin=https://example.org", "api.token=a=b", "detector.contamination=1e-2"};
  const Config config = load(request);
  CHECK(config.get_list("consensus.protected") == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(config.get_bool("consensus.reputation"));
  CHECK(config.get_string("api.cors_origin") == "https://example.org");
  CHECK(config.get_string("api.token") == "a=b");  // only the first '=' separates key and value
  CHECK(config.get_double("detector.contamination") == 0.01);

  request.sets = {"consensus.protected=[10.0.0.3, 10.0.0.4]"};
  CHECK(load(request).get_list("consensus.protected") == std::vector<std::string>{"10.0.0.3", "10.0.0.4"});
}

TEST_CASE("unknown key in the file names key, value, file:line and suggests the closest key") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "simulation:\n  agents: 10\n  agnets: 5\n");
  const ConfigError e = error_of(request);
  const std::string message = e.what();
  CAPTURE(message);
  CHECK(contains(message, "unknown configuration key \"simulation.agnets\""));
  CHECK(contains(message, "\"5\""));
  CHECK(contains(message, "daisd.yaml:3"));
  CHECK(contains(message, "did you mean \"simulation.agents\"?"));
  CHECK(e.key() == "simulation.agnets");
  CHECK(e.source() == request.file->string() + ":3");
  CHECK(exit_code_for(e) == 2);
}

TEST_CASE("unknown section in the file") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "simulaton:\n  agents: 10\n");
  const std::string message = error_of(request).what();
  CAPTURE(message);
  CHECK(contains(message, "\"simulaton.agents\""));
  CHECK(contains(message, "daisd.yaml:2"));
  CHECK(contains(message, "did you mean \"simulation.agents\"?"));
}

TEST_CASE("wrong type from the environment names the variable and the allowed values") {
  LoadRequest request;
  request.environment = {"DAIS_SIMULATION__AGENTS=many"};
  const ConfigError e = error_of(request);
  const std::string message = e.what();
  CAPTURE(message);
  CHECK(message ==
        "simulation.agents: \"many\" (from environment DAIS_SIMULATION__AGENTS) is not an integer; "
        "allowed: an integer from 1 to 100000");
  CHECK(e.key() == "simulation.agents");
  CHECK(e.value() == "\"many\"");
  CHECK(e.source() == "environment DAIS_SIMULATION__AGENTS");
}

TEST_CASE("wrong type in the file") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "detector:\n  trees: [1, 2]\n  samples: 256\n");
  std::string message = error_of(request).what();
  CAPTURE(message);
  CHECK(contains(message, "detector.trees: [\"1\", \"2\"] (from "));
  CHECK(contains(message, "daisd.yaml:2) is a list, not a single value; allowed: an integer from 1 to 1000"));

  request.file = dir.write("daisd.yaml", "consensus:\n  enabled: sometimes\n");
  message = error_of(request).what();
  CHECK(contains(message, "consensus.enabled: \"sometimes\""));
  CHECK(contains(message, "is not a boolean; allowed: true or false"));

  request.file = dir.write("daisd.yaml", "simulation:\n  agents:\n");
  message = error_of(request).what();
  CHECK(contains(message, "simulation.agents: (empty)"));
  CHECK(contains(message, "is empty"));
}

TEST_CASE("out of range from a dedicated flag names the flag") {
  LoadRequest request;
  request.flags = {{"simulation.agents", "0", "--agents"}};
  const std::string message = error_of(request).what();
  CHECK(message ==
        "simulation.agents: \"0\" (from --agents) is out of range; allowed: an integer from 1 to 100000");
}

TEST_CASE("out of range from --set, with an exclusive bound") {
  LoadRequest request;
  request.sets = {"consensus.majority=0.5"};
  const std::string message = error_of(request).what();
  CHECK(message == "consensus.majority: \"0.5\" (from --set) is out of range; allowed: a number in (0.5, 1]");

  request.sets = {"simulation.seed=99999999999999999999"};
  CHECK(contains(error_of(request).what(), "is out of range; allowed: an integer from 0 to 9007199254740992"));
}

TEST_CASE("invalid choice lists the choices") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "store:\n  map_size_mb: 64\n  sync: sometimes\n");
  const std::string message = error_of(request).what();
  CHECK(message == "store.sync: \"sometimes\" (from " + request.file->string() +
                       ":3) is not one of the choices; allowed: one of: full, none");
}

TEST_CASE("api.listen that is not HOST:PORT") {
  LoadRequest request;
  request.environment = {"DAIS_API__LISTEN=localhost"};
  const std::string message = error_of(request).what();
  CAPTURE(message);
  CHECK(contains(message, "api.listen: \"localhost\" (from environment DAIS_API__LISTEN) is not HOST:PORT"));
  CHECK(contains(message, "allowed: HOST:PORT"));
}

TEST_CASE("malformed YAML names the file and the line") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "simulation:\n  agents: 10\n steps: 5\n");
  const ConfigError e = error_of(request);
  const std::string message = e.what();
  CAPTURE(message);
  CHECK(message.find(request.file->string() + ":3: malformed YAML: ") == 0);
  CHECK(contains(message, "(line 3, column"));

  request.file = dir.write("daisd.yaml", "simulation: {agents: 10\nlog:\n  level: info\n");
  CHECK(contains(error_of(request).what(), "malformed YAML"));
}

TEST_CASE("a top level that is not a map") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "- simulation\n- agents\n");
  CHECK(contains(error_of(request).what(), "expected a map of sections at the top level"));
  request.file = dir.write("daisd.yaml", "just text\n");
  CHECK(contains(error_of(request).what(), "found \"just text\""));
}

TEST_CASE("a key set twice in one file (nested and dotted) is an error naming both lines") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "simulation:\n  agents: 10\nsimulation.agents: 20\n");
  const std::string message = error_of(request).what();
  CAPTURE(message);
  CHECK(contains(message, "simulation.agents is set twice"));
  CHECK(contains(message, "(lines 2 and 3)"));
}

TEST_CASE("an unreadable file: missing, or a directory") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.path() / "missing.yaml";
  std::string message = error_of(request).what();
  CHECK(message == "cannot read configuration file " + request.file->string() + ": No such file or directory");

  request.file = dir.path();
  message = error_of(request).what();
  CHECK(message == "cannot read configuration file " + dir.path().string() + ": it is a directory");
}

TEST_CASE("an unknown DAIS_ variable shaped like a key is an error; other variables are ignored") {
  LoadRequest request;
  request.environment = {"DAIS_SIMULATION__AGNETS=5"};
  const ConfigError e = error_of(request);
  const std::string message = e.what();
  CAPTURE(message);
  CHECK(contains(message, "unknown configuration variable DAIS_SIMULATION__AGNETS"));
  CHECK(contains(message, "\"5\""));
  CHECK(contains(message, "no key \"simulation.agnets\""));
  CHECK(contains(message, "did you mean DAIS_SIMULATION__AGENTS (simulation.agents)?"));
  CHECK(e.source() == "environment DAIS_SIMULATION__AGNETS");

  request.environment = {"DAIS_DATA=/var/lib/dais", "DAIS_=x", "HOME=/root", "NOEQUALS", "dais_simulation__agents=7"};
  const Config config = load(request);
  CHECK(config.get_int("simulation.agents") == 10);
}

TEST_CASE("malformed --set: no '=' or no key") {
  for (const char* bad : {"simulation.agents", "=5", " =5"}) {
    CAPTURE(bad);
    LoadRequest request;
    request.sets = {bad};
    const ConfigError e = error_of(request);
    const std::string message = e.what();
    CHECK(message.find("malformed --set \"") == 0);
    CHECK(contains(message, bad));
    CHECK(contains(message, "expected key=value"));
    CHECK(e.source() == "--set");
  }
}

TEST_CASE("unknown key from --set suggests the closest") {
  LoadRequest request;
  request.sets = {"consensus.quorom=0.6"};
  CHECK(std::string(error_of(request).what()) ==
        "unknown configuration key \"consensus.quorom\" (value \"0.6\", from --set); did you mean "
        "\"consensus.quorum\"?");
}

TEST_CASE("an unknown key that resembles a secret key does not echo its value") {
  LoadRequest request;
  request.sets = {"api.tokn=MySecret"};
  const std::string message = error_of(request).what();
  CHECK(contains(message, "unknown configuration key \"api.tokn\""));
  CHECK(contains(message, "did you mean \"api.token\"?"));
  CHECK_FALSE(contains(message, "MySecret"));
  LoadRequest from_environment;
  from_environment.environment = {"DAIS_API__TOKN=MySecret"};
  const std::string env_message = error_of(from_environment).what();
  CHECK(contains(env_message, "unknown configuration variable DAIS_API__TOKN"));
  CHECK_FALSE(contains(env_message, "MySecret"));
}

TEST_CASE("the first bad source stops loading: the file is checked before the environment") {
  TempDir dir;
  LoadRequest request;
  request.file = dir.write("daisd.yaml", "simulation:\n  agents: -1\n");
  request.environment = {"DAIS_SIMULATION__AGENTS=20"};
  CHECK(contains(error_of(request).what(), "daisd.yaml:2"));
}

TEST_CASE("asking for a key or type the schema lacks is a programming error") {
  const Config config;
  CHECK_THROWS_AS(config.get_int("simulation.agent"), std::logic_error);
  CHECK_THROWS_AS(config.get_double("simulation.agents"), std::logic_error);
  CHECK_THROWS_AS(config.get_string("consensus.enabled"), std::logic_error);
  CHECK_THROWS_AS(config.source("nope.nope"), std::logic_error);
  // ConfigError is for user input, so it must not be confused with a logic_error.
  CHECK_THROWS_AS(Config().set_text("nope.nope", "1", "--set"), ConfigError);
}

TEST_CASE("a configuration file over 1 MiB is refused after reading only that much, /dev/zero included") {
  TempDir tmp;
  const auto big = tmp / "big.yaml";
  {
    std::ofstream out(big);
    out << "simulation:\n";
    for (std::size_t written = 0; written <= kMaxFileBytes; written += 25) out << "  # padding padding padd\n";
  }
  LoadRequest request;
  request.file = big;
  std::string message = error_of(request).what();
  CAPTURE(message);
  CHECK(contains(message, big.string()));
  CHECK(contains(message, "larger than 1 MiB"));
  request.file = "/dev/zero";
  message = error_of(request).what();
  CHECK(contains(message, "/dev/zero is larger than 1 MiB"));
}

TEST_CASE("oversized values from every source are refused naming the key") {
  LoadRequest request;
  request.sets = {"api.cors_origin=" + std::string(5000, 'o')};
  std::string message = error_of(request).what();
  CAPTURE(message);
  CHECK(contains(message, "api.cors_origin"));
  CHECK(contains(message, "is longer than 4096 bytes"));
  CHECK(message.size() < 1000);
  TempDir tmp;
  {
    std::ofstream out(tmp / "c.yaml");
    out << "consensus:\n  protected: [10.0.0.1, not-an-ip]\n";
  }
  request = {};
  request.file = tmp / "c.yaml";
  message = error_of(request).what();
  CHECK(contains(message, "consensus.protected"));
  CHECK(contains(message, "c.yaml:2"));
  CHECK(contains(message, "\"not-an-ip\""));
}

// The schema table and value parsing: defaults valid, ranges and choices
// enforced at their edges, help text complete, suggestions sensible.
#include <doctest/doctest.h>

#include <set>

#include "config/schema.h"
#include "config/value.h"

using namespace dais::config;

TEST_CASE("every key is unique, sectioned, described and its default passes its own rules") {
  std::set<std::string> seen;
  for (const KeySpec& spec : schema()) {
    CAPTURE(spec.key);
    CHECK(seen.insert(spec.key).second);
    CHECK(spec.key.find('.') != std::string::npos);
    CHECK(!spec.description.empty());
    CHECK(type_of(spec.default_value) == spec.type);
    CHECK(check_value(spec, spec.default_value) == "");
  }
  CHECK(schema().size() >= 46);  // the keys of the first schema; later issues add more
}

TEST_CASE("keys that tools and tests rely on (DESIGN.md) exist with the right types") {
  const std::pair<const char*, ValueType> required[] = {
      {"simulation.agents", ValueType::integer},    {"simulation.steps", ValueType::integer},
      {"simulation.seed", ValueType::integer},      {"simulation.threads", ValueType::integer},
      {"traffic.flows_per_step", ValueType::integer}, {"detector.trees", ValueType::integer},
      {"detector.samples", ValueType::integer},     {"consensus.enabled", ValueType::boolean},
      {"consensus.majority", ValueType::real},      {"consensus.quorum", ValueType::real},
      {"consensus.committee", ValueType::integer},  {"consensus.reputation", ValueType::boolean},
      {"faults.crash_rate", ValueType::real},       {"faults.byzantine_fraction", ValueType::real},
      {"store.sync", ValueType::string},            {"api.listen", ValueType::string},
      {"api.token", ValueType::string},
  };
  for (const auto& [key, type] : required) {
    CAPTURE(key);
    const KeySpec* spec = find_key(key);
    REQUIRE(spec != nullptr);
    CHECK(spec->type == type);
  }
  CHECK(find_key("simulation") == nullptr);
  CHECK(find_key("simulation.agent") == nullptr);
}

TEST_CASE("integer ranges are inclusive at both ends and exact beyond 2^53") {
  const KeySpec& agents = *find_key("simulation.agents");
  CHECK(check_value(agents, Value{std::int64_t{1}}) == "");
  CHECK(check_value(agents, Value{std::int64_t{100000}}) == "");
  CHECK(check_value(agents, Value{std::int64_t{0}}) == "is out of range");
  CHECK(check_value(agents, Value{std::int64_t{100001}}) == "is out of range");
  CHECK(allowed_values(agents) == "an integer from 1 to 100000");

  const KeySpec& seed = *find_key("simulation.seed");
  const std::int64_t two_to_53 = std::int64_t{1} << 53;
  CHECK(check_value(seed, Value{two_to_53}) == "");
  CHECK(check_value(seed, Value{two_to_53 + 1}) == "is out of range");  // rounds onto 2^53 as a double
  CHECK(check_value(seed, Value{std::int64_t{-1}}) == "is out of range");
}

TEST_CASE("real ranges honour exclusive ends") {
  const KeySpec& majority = *find_key("consensus.majority");
  CHECK(check_value(majority, Value{0.5}) == "is out of range");
  CHECK(check_value(majority, Value{0.5000001}) == "");
  CHECK(check_value(majority, Value{1.0}) == "");
  CHECK(check_value(majority, Value{1.0000001}) == "is out of range");
  CHECK(allowed_values(majority) == "a number in (0.5, 1]");

  const KeySpec& quorum = *find_key("consensus.quorum");
  CHECK(check_value(quorum, Value{0.0}) == "is out of range");
  CHECK(allowed_values(quorum) == "a number in (0, 1]");

  const KeySpec& byzantine = *find_key("faults.byzantine_fraction");
  CHECK(check_value(byzantine, Value{0.9}) == "");
  CHECK(check_value(byzantine, Value{0.91}) == "is out of range");
  CHECK(allowed_values(byzantine) == "a number from 0 to 0.9");
}

TEST_CASE("the network keys default to the realistic scenario's delay and are simulated, not runtime keys") {
  // Delay and jitter are 1 by default (realistic scenario); the classroom preset makes them 0.
  const std::pair<const char*, Value> defaults[] = {
      {"network.delay_steps", Value{std::int64_t{1}}},  {"network.jitter_steps", Value{std::int64_t{1}}},
      {"network.loss", Value{0.0}},                     {"network.partition_fraction", Value{0.0}},
      {"network.partition_start_step", Value{std::int64_t{0}}}, {"network.partition_steps", Value{std::int64_t{0}}},
  };
  for (const auto& [key, value] : defaults) {
    CAPTURE(key);
    const KeySpec* spec = find_key(key);
    REQUIRE(spec != nullptr);
    CHECK(spec->default_value == value);
    CHECK_FALSE(is_runtime_key(key));  // they decide the simulation, so RunStarted records them
  }
  const KeySpec& loss = *find_key("network.loss");
  CHECK(check_value(loss, Value{1.0}) == "");
  CHECK(check_value(loss, Value{1.0000001}) == "is out of range");
  const KeySpec& fraction = *find_key("network.partition_fraction");
  CHECK(check_value(fraction, Value{1.0}) == "is out of range");  // cutting off everyone separates no one
  CHECK(allowed_values(fraction) == "a number in [0, 1)");
  CHECK(check_value(*find_key("network.delay_steps"), Value{std::int64_t{-1}}) == "is out of range");
}

TEST_CASE("a value of the wrong type is rejected, not converted") {
  CHECK(check_value(*find_key("simulation.agents"), Value{10.0}) == "is not of type int");
  CHECK(check_value(*find_key("consensus.enabled"), Value{std::string("true")}) == "is not of type bool");
}

TEST_CASE("choices") {
  const KeySpec& tie = *find_key("consensus.tie");
  CHECK(check_value(tie, Value{std::string("accept")}) == "");
  CHECK(check_value(tie, Value{std::string("Accept")}) == "is not one of the choices");
  CHECK(allowed_values(tie) == "one of: reject, accept");
  CHECK(allowed_values(*find_key("log.level")) == "one of: trace, debug, info, warn, error, off");
}

TEST_CASE("api.listen must be HOST:PORT") {
  const KeySpec& listen = *find_key("api.listen");
  for (const char* good : {"127.0.0.1:8080", "0.0.0.0:0", "[::1]:8080", "[::]:65535", "127.0.0.2:1"}) {
    CAPTURE(good);
    CHECK(check_value(listen, Value{std::string(good)}) == "");
  }
  // The listener binds an IP address as written; a name would fail only at serve time.
  for (const char* name : {"localhost:1", "my-host.example:65535", "256.0.0.1:80", "[fe80::1::2]:80", "01.2.3.4:80"}) {
    CAPTURE(name);
    CHECK(check_value(listen, Value{std::string(name)}).find("the host must be an IP address") != std::string::npos);
  }
  for (const char* bad : {"localhost", ":8080", "host:", "host:http", "host:65536", "::1:8080", "[::1:80", "a b:80",
                          "host:123456"}) {
    CAPTURE(bad);
    CHECK(check_value(listen, Value{std::string(bad)}).find("is not HOST:PORT") == 0);
  }
}

TEST_CASE("parse_text by type") {
  CHECK(std::get<std::int64_t>(*parse_text(ValueType::integer, " 42 ").value) == 42);
  CHECK(std::get<std::int64_t>(*parse_text(ValueType::integer, "+7").value) == 7);
  CHECK(std::get<std::int64_t>(*parse_text(ValueType::integer, "-3").value) == -3);
  CHECK(parse_text(ValueType::integer, "4.0").problem == "is not an integer");
  CHECK(parse_text(ValueType::integer, "12abc").problem == "is not an integer");
  CHECK(parse_text(ValueType::integer, "").problem == "is not an integer");
  CHECK(parse_text(ValueType::integer, "99999999999999999999").problem == "is out of range");

  CHECK(std::get<double>(*parse_text(ValueType::real, "0.25").value) == 0.25);
  CHECK(std::get<double>(*parse_text(ValueType::real, "1e-3").value) == 0.001);
  CHECK(std::get<double>(*parse_text(ValueType::real, "3").value) == 3.0);
  CHECK(parse_text(ValueType::real, "nan").problem == "is not a finite number");
  CHECK(parse_text(ValueType::real, "inf").problem == "is not a finite number");
  CHECK(parse_text(ValueType::real, "half").problem == "is not a number");

  for (const char* yes : {"true", "TRUE", "yes", "1", "Yes"}) CHECK(std::get<bool>(*parse_text(ValueType::boolean, yes).value));
  for (const char* no : {"false", "no", "0", "False"}) CHECK_FALSE(std::get<bool>(*parse_text(ValueType::boolean, no).value));
  CHECK(parse_text(ValueType::boolean, "maybe").problem == "is not a boolean");
  CHECK(parse_text(ValueType::boolean, "2").problem == "is not a boolean");

  CHECK(std::get<std::string>(*parse_text(ValueType::string, " as is ").value) == " as is ");

  CHECK(std::get<StringList>(*parse_text(ValueType::string_list, "a, b,,c ").value) == StringList{"a", "b", "c"});
  CHECK(std::get<StringList>(*parse_text(ValueType::string_list, "[10.0.0.1, \"x,y\"]").value) ==
        StringList{"10.0.0.1", "x,y"});
  CHECK(std::get<StringList>(*parse_text(ValueType::string_list, "").value).empty());
  CHECK(std::get<StringList>(*parse_text(ValueType::string_list, "[]").value).empty());
  CHECK(parse_text(ValueType::string_list, "[a, b").problem.find("is not a valid list") == 0);
  CHECK(parse_text(ValueType::string_list, "[[a], b]").problem == "is not a list of strings");
}

TEST_CASE("format_value is canonical and reads back") {
  CHECK(format_value(Value{std::int64_t{10}}) == "10");
  CHECK(format_value(Value{0.51}) == "0.51");
  CHECK(format_value(Value{0.1 + 0.2}) == "0.30000000000000004");
  CHECK(format_value(Value{true}) == "true");
  CHECK(format_value(Value{std::string("a \"b\"\n")}) == "\"a \\\"b\\\"\\n\"");
  CHECK(format_value(Value{StringList{"a", "b"}}) == "[\"a\", \"b\"]");
  const double awkward = 0.1 + 0.2;
  CHECK(std::get<double>(*parse_text(ValueType::real, format_value(Value{awkward})).value) == awkward);
}

TEST_CASE("closest_key suggests by full key or by name within a section") {
  CHECK(closest_key("simulation.agnets").key == "simulation.agents");
  CHECK(closest_key("agents").key == "simulation.agents");
  CHECK(closest_key("consensus.quorom").key == "consensus.quorum");
  CHECK(closest_key("log.levle").key == "log.level");
}

TEST_CASE("environment names") {
  CHECK(environment_name("simulation.agents") == "DAIS_SIMULATION__AGENTS");
  CHECK(environment_name("simulation.step_interval_ms") == "DAIS_SIMULATION__STEP_INTERVAL_MS");
}

TEST_CASE("schema_help lists every key with type, default, allowed values and description") {
  const std::string help = schema_help();
  for (const KeySpec& spec : schema()) {
    CAPTURE(spec.key);
    const std::size_t at = help.find("  " + spec.key + "  (");
    REQUIRE(at != std::string::npos);
    const std::string entry = help.substr(at, help.find('\n', help.find('\n', at) + 1) - at);
    CHECK(entry.find(std::string(type_name(spec.type))) != std::string::npos);
    CHECK(entry.find("default " + format_value(spec.default_value)) != std::string::npos);
    CHECK(entry.find(allowed_values(spec)) != std::string::npos);
    CHECK(entry.find(environment_name(spec.key)) != std::string::npos);
    CHECK(entry.find(spec.description) != std::string::npos);
  }
  CHECK(help.find("simulation:\n") == 0);
}

TEST_CASE("consensus.protected holds IPv4 addresses only; the problem names the item") {
  const KeySpec& spec = *find_key("consensus.protected");
  CHECK(check_value(spec, Value{StringList{"10.0.0.1", "192.168.255.255", "0.0.0.0"}}) == "");
  CHECK(check_value(spec, Value{StringList{}}) == "");
  for (const char* bad : {"not-an-ip", "10.0.0", "10.0.0.256", "10.0.0.01", "::1", "10.0.0.1/24", " 10.0.0.1", ""}) {
    CAPTURE(bad);
    const std::string problem = check_value(spec, Value{StringList{"10.0.0.1", bad}});
    CHECK(problem.find("has item 2") == 0);
    CHECK(problem.find("is not an IPv4 address") != std::string::npos);
  }
  CHECK(allowed_values(spec).find("IPv4") != std::string::npos);
}

TEST_CASE("every string and list value is capped in size") {
  const KeySpec& text = *find_key("api.cors_origin");
  CHECK(check_value(text, Value{std::string(kMaxValueBytes, 'a')}) == "");
  CHECK(check_value(text, Value{std::string(kMaxValueBytes + 1, 'a')}) ==
        "is longer than " + std::to_string(kMaxValueBytes) + " bytes");
  const KeySpec& list = *find_key("consensus.protected");
  CHECK(check_value(list, Value{StringList(kMaxListItems, "10.0.0.1")}) == "");
  CHECK(check_value(list, Value{StringList(kMaxListItems + 1, "10.0.0.1")}) ==
        "has more than " + std::to_string(kMaxListItems) + " items");
  CHECK(check_value(list, Value{StringList{std::string(kMaxValueBytes + 1, '1')}}).find("has an item longer") == 0);
  // The message shows the start of an oversized value and its size, not all of it.
  const ConfigError error = bad_value_error(text, std::string(50000, 'x'), "--set", "is longer than 4096 bytes");
  CHECK(std::string(error.what()).size() < 1000);
  CHECK(std::string(error.what()).find("(50000 bytes)") != std::string::npos);
}

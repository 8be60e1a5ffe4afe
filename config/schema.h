// The configuration schema: every key DAIS knows, with its type, default,
// allowed values and a one-line description. The table in schema.cpp is the
// single source of truth; adding a key is one line there (and one entry in
// config/daisd.yaml, which a test keeps in step). Also: validation of a value
// against its key, the wording of every value error, and the help text.
// The table is built once, on first use (thread-safe), and never changes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/error.h"
#include "config/value.h"

namespace dais::config {

// One end of a numeric range.
struct Bound {
  double value;
  bool inclusive;
};

struct KeySpec {
  std::string key;  // "section.name"
  ValueType type = ValueType::string;
  Value default_value;
  bool has_range = false;  // int and double keys
  Bound min{0, true};
  Bound max{0, true};
  std::vector<std::string> choices;  // string keys with a fixed set of values
  // Extra rule for a string's form; returns "" when fine, else a problem phrase.
  std::string (*check_form)(std::string_view) = nullptr;
  std::string form;  // how that rule reads in "allowed: ..." (e.g. "HOST:PORT")
  // The same for each item of a list key (e.g. an IPv4 address).
  std::string (*check_item)(std::string_view) = nullptr;
  bool secret = false;  // never written to logs, events or printed configs
  std::string description;
};

// Every key, grouped by section, in the order they are documented.
const std::vector<KeySpec>& schema();

// nullptr when the key is unknown.
const KeySpec* find_key(std::string_view key);

// The known key nearest to an unknown one (edit distance against the full key
// and against its last part, so "agents" suggests "simulation.agents").
const KeySpec& closest_key(std::string_view unknown);

// Size caps on every value, so that no value can bloat RunStarted or memory:
// a string (or one list item) of at most kMaxValueBytes, a list of at most
// kMaxListItems items. A configuration file is at most kMaxFileBytes.
inline constexpr std::size_t kMaxValueBytes = 4096;
inline constexpr std::size_t kMaxListItems = 10000;
inline constexpr std::size_t kMaxFileBytes = 1 << 20;

// "" when the value has the key's type and is allowed; else a problem phrase
// such as "is out of range" or "is not one of the choices".
std::string check_value(const KeySpec& spec, const Value& value);

// What the key accepts, e.g. "an integer from 1 to 100000", "one of: reject, accept".
std::string allowed_values(const KeySpec& spec);

// True for keys that change how a run is executed, served, stored or logged,
// never what it simulates: simulation.threads, simulation.step_interval_ms,
// api.*, store.* and log.*. They stay out of RunStarted (DESIGN.md), so they
// may differ between a run, its resume and its replay.
bool is_runtime_key(std::string_view key);

// "simulation.agents" -> "DAIS_SIMULATION__AGENTS".
std::string environment_name(std::string_view key);
// "simulation.agents" -> "simulation"; and -> "agents".
std::string_view section_of(std::string_view key);
std::string_view name_in_section(std::string_view key);

// Errors with the project's wording. shown_value is already quoted/printable.
//   simulation.agents: "abc" (from daisd.yaml:12) is not an integer; allowed: an integer from 1 to 100000
ConfigError bad_value_error(const KeySpec& spec, std::string_view shown_value, std::string_view source,
                            std::string_view problem);
//   unknown configuration key "simulation.agnets" (value "5", from --set); did you mean "simulation.agents"?
ConfigError unknown_key_error(std::string_view key, std::string_view shown_value, std::string_view source);

// Every key with its type, default, allowed values, environment variable and
// description, grouped by section: for --help and the docs.
std::string schema_help();

}  // namespace dais::config

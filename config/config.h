// Config: the effective configuration of one run — every schema key with its
// value and where that value came from — and load(), which builds it from the
// sources in order, later winning:
//   defaults -> YAML file -> environment (DAIS_SECTION__KEY) -> --set key=value -> dedicated flags.
// Every value is validated against config/schema.h as it is applied; the first
// bad one throws ConfigError (see error.h; a program exits 2 on it).
// A Config is a plain value: copy it freely; const methods are safe to call
// from many threads at once, mutation is not.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/error.h"
#include "config/schema.h"
#include "config/value.h"

namespace dais::config {

// A dedicated command-line flag that sets one key, e.g. {"simulation.agents", "200", "--agents"}.
struct Override {
  std::string key;
  std::string value;  // text as typed, parsed by the key's type
  std::string flag;   // named as the source in errors and describe()
};

struct LoadRequest {
  std::optional<std::filesystem::path> file;  // YAML; absent = no file
  std::vector<std::string> environment;       // "NAME=VALUE" entries (pass environ, or a test's own)
  std::vector<std::string> sets;              // "key=value", from repeated --set
  std::vector<Override> flags;                // applied last, in order
};

class Config {
 public:
  // Every key at its schema default (source "default").
  Config();

  // Typed access. Asking for a key the schema lacks, or with the wrong type,
  // is a programming error: std::logic_error.
  std::int64_t get_int(std::string_view key) const;
  double get_double(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  std::string get_string(std::string_view key) const;
  std::vector<std::string> get_list(std::string_view key) const;
  const Value& get(std::string_view key) const;

  // Where the key's value came from: "default", "daisd.yaml:12",
  // "environment DAIS_SIMULATION__AGENTS", "--set", "--agents", "log".
  std::string source(std::string_view key) const;

  // Validate and store a value; ConfigError names key, value, source, allowed values.
  // Setting simulation.scenario refills the keys its preset covers that no source set.
  void set(std::string_view key, const Value& value, std::string_view source);
  // Same, from text parsed by the key's type (see value.h parse_text).
  void set_text(std::string_view key, std::string_view text, std::string_view source);

  // The effective configuration as a flat object key -> value with sorted
  // keys: what RunStarted records so a run can be reproduced. Secret keys
  // (api.token) are left out: the log is readable without the token.
  nlohmann::json to_json() const;
  // Rebuilds from to_json() output, validating every key (source "log").
  // Keys absent from the object keep their defaults (a log from an older
  // version); unknown keys and bad values throw ConfigError.
  static Config from_json(const nlohmann::json& json);

  // For daisd --print-config: valid YAML grouped by section, each key with
  // its effective value and a "# source" comment; secrets shown as "***".
  std::string describe() const;

 private:
  struct Entry {
    Value value;
    std::string source;
  };
  const Entry& entry(std::string_view key, ValueType type) const;
  // Refills the scenario-dependent keys no source set (config/scenario.h).
  void apply_scenario();

  std::map<std::string, Entry, std::less<>> entries_;
};

// Builds the configuration from every source in LoadRequest (order above).
Config load(const LoadRequest& request);

}  // namespace dais::config

// Configuration values: the five value types a key can have, parsing them from
// text (environment, --set, flags, YAML scalars), printing them, and converting
// them to and from JSON. Pure functions; thread-safe; no I/O.
// Parsing never throws: it returns either a value or a short problem phrase
// ("is not an integer") that the caller turns into a ConfigError naming the
// key and the source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace dais::config {

enum class ValueType { integer, real, boolean, string, string_list };

using StringList = std::vector<std::string>;
// Alternatives are in ValueType order, so value.index() == type.
using Value = std::variant<std::int64_t, double, bool, std::string, StringList>;

// "int", "double", "bool", "string", "string list".
std::string_view type_name(ValueType type);
ValueType type_of(const Value& value);

// A parse outcome: exactly one of value / problem is set.
struct Parsed {
  std::optional<Value> value;
  std::string problem;  // e.g. "is not an integer"; empty when value is set
};

// Text as it comes from the environment or the command line.
// int: decimal digits with an optional sign; double: any finite decimal or
// scientific number; bool: true/false/1/0/yes/no (any case); string: as is;
// string list: comma-separated items (trimmed, empty items dropped) or a YAML
// flow sequence "[a, b]". Numbers and bools ignore surrounding blanks.
Parsed parse_text(ValueType type, std::string_view text);

// JSON (number, bool, string, array of strings) of the matching type; an
// integral JSON number is accepted for a double key, never the reverse.
Parsed value_from_json(ValueType type, const nlohmann::json& json);
nlohmann::json value_to_json(const Value& value);

// Canonical text that is valid YAML and JSON: 10, 0.51, true, "reject",
// ["a", "b"]. Doubles use the shortest text that reads back exactly.
std::string format_value(const Value& value);

// Raw user text shown inside error messages: JSON-quoted so blanks and control
// characters are visible.
std::string quote(std::string_view text);

}  // namespace dais::config

#include "config/config.h"

#include <algorithm>
#include <stdexcept>

#include "config/scenario.h"
#include "config/sources.h"

namespace dais::config {

Config::Config() {
  for (const KeySpec& spec : schema()) entries_.emplace(spec.key, Entry{spec.default_value, "default"});
}

const Config::Entry& Config::entry(std::string_view key, ValueType type) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) throw std::logic_error("configuration key " + std::string(key) + " is not in the schema");
  if (type_of(it->second.value) != type)
    throw std::logic_error("configuration key " + std::string(key) + " is not of type " + std::string(type_name(type)));
  return it->second;
}

std::int64_t Config::get_int(std::string_view key) const {
  return std::get<std::int64_t>(entry(key, ValueType::integer).value);
}
double Config::get_double(std::string_view key) const { return std::get<double>(entry(key, ValueType::real).value); }
bool Config::get_bool(std::string_view key) const { return std::get<bool>(entry(key, ValueType::boolean).value); }
std::string Config::get_string(std::string_view key) const {
  return std::get<std::string>(entry(key, ValueType::string).value);
}
std::vector<std::string> Config::get_list(std::string_view key) const {
  return std::get<StringList>(entry(key, ValueType::string_list).value);
}

const Value& Config::get(std::string_view key) const {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) throw std::logic_error("configuration key " + std::string(key) + " is not in the schema");
  return entry(key, spec->type).value;
}

std::string Config::source(std::string_view key) const {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) throw std::logic_error("configuration key " + std::string(key) + " is not in the schema");
  return entry(key, spec->type).source;
}

void Config::set(std::string_view key, const Value& value, std::string_view source) {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) throw unknown_key_error(key, format_value(value), source);
  if (const std::string problem = check_value(*spec, value); !problem.empty())
    throw bad_value_error(*spec, format_value(value), source, problem);
  entries_.find(key)->second = Entry{value, std::string(source)};
  if (key == kScenarioKey) apply_scenario();
}

void Config::apply_scenario() {
  const std::string scenario = std::get<std::string>(entries_.find(kScenarioKey)->second.value);
  for (auto& [key, value] : scenario_defaults(scenario)) {
    Entry& e = entries_.find(key)->second;
    // Only what no source set: defaults and values an earlier preset filled in.
    if (e.source == "default" || e.source.rfind("scenario ", 0) == 0) e = Entry{value, scenario_source(scenario)};
  }
}

void Config::set_text(std::string_view key, std::string_view text, std::string_view source) {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) throw unknown_key_error(key, quote(text), source);
  Parsed parsed = parse_text(spec->type, text);
  if (!parsed.value) throw bad_value_error(*spec, quote(text), source, parsed.problem);
  if (const std::string problem = check_value(*spec, *parsed.value); !problem.empty())
    throw bad_value_error(*spec, quote(text), source, problem);
  entries_.find(key)->second = Entry{std::move(*parsed.value), std::string(source)};
  if (key == kScenarioKey) apply_scenario();
}

nlohmann::json Config::to_json() const {
  nlohmann::json json = nlohmann::json::object();  // std::map underneath: keys come out sorted
  for (const auto& [key, entry] : entries_)
    if (!find_key(key)->secret) json[key] = value_to_json(entry.value);
  return json;
}

Config Config::from_json(const nlohmann::json& json) {
  constexpr std::string_view kSource = "log";
  if (!json.is_object())
    throw ConfigError("configuration from the log is not a JSON object: " + json.dump(), "", json.dump(),
                      std::string(kSource));
  Config config;
  // Logs from before scenarios existed ran the classroom generator.
  if (!json.contains(kScenarioKey)) config.set(kScenarioKey, Value{std::string("classroom")}, kSource);
  for (const auto& [key, item] : json.items()) {
    const KeySpec* spec = find_key(key);
    if (spec == nullptr) throw unknown_key_error(key, item.dump(), kSource);
    Parsed parsed = value_from_json(spec->type, item);
    if (!parsed.value) throw bad_value_error(*spec, item.dump(), kSource, parsed.problem);
    config.set(key, *parsed.value, kSource);
  }
  return config;
}

std::string Config::describe() const {
  struct Line {
    std::string text;
    const std::string* source;
  };
  std::vector<Line> lines;
  std::string_view section;
  for (const KeySpec& spec : schema()) {
    if (section_of(spec.key) != section) {
      section = section_of(spec.key);
      lines.push_back({std::string(section) + ":", nullptr});
    }
    const Entry& e = entries_.find(spec.key)->second;
    const bool hide = spec.secret && !std::get<std::string>(e.value).empty();
    lines.push_back({"  " + std::string(name_in_section(spec.key)) + ": " + (hide ? "\"***\"" : format_value(e.value)),
                     &e.source});
  }
  std::size_t width = 0;
  for (const Line& line : lines)
    if (line.source != nullptr) width = std::max(width, std::min<std::size_t>(line.text.size(), 48));
  std::string text = "# Effective configuration: each key's value and where it came from.\n";
  for (const Line& line : lines) {
    text += line.text;
    if (line.source != nullptr)
      text += std::string(line.text.size() < width ? width - line.text.size() : 0, ' ') + "  # " + *line.source;
    text += '\n';
  }
  return text;
}

Config load(const LoadRequest& request) {
  Config config;
  if (request.file) apply_yaml_file(config, *request.file);
  apply_environment(config, request.environment);
  apply_sets(config, request.sets);
  apply_overrides(config, request.flags);
  return config;
}

}  // namespace dais::config

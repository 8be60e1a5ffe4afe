#include "config/sources.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include <yaml-cpp/yaml.h>

namespace dais::config {
namespace {

std::string located(std::string_view name, const YAML::Mark& mark) {
  return std::string(name) + ":" + std::to_string(mark.line + 1);
}

// A node as the user wrote it, for error messages.
std::string shown(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return quote(node.Scalar());
    case YAML::NodeType::Sequence: {
      std::string text = "[";
      for (const auto& item : node) {
        if (text.size() > 1) text += ", ";
        text += item.IsScalar() ? quote(item.Scalar()) : "...";
      }
      return text + "]";
    }
    case YAML::NodeType::Map: return "{...}";
    default: return "(empty)";
  }
}

bool is_section_prefix(std::string_view path) {
  for (const KeySpec& spec : schema())
    if (spec.key.size() > path.size() && spec.key.compare(0, path.size(), path) == 0 && spec.key[path.size()] == '.')
      return true;
  return false;
}

Value value_of(const KeySpec& spec, const YAML::Node& node, const std::string& source) {
  if (node.IsMap()) throw bad_value_error(spec, shown(node), source, "is a map, not a value");
  if (node.IsSequence()) {
    if (spec.type != ValueType::string_list) throw bad_value_error(spec, shown(node), source, "is a list, not a single value");
    StringList items;
    for (const auto& item : node) {
      if (!item.IsScalar()) throw bad_value_error(spec, shown(node), source, "is not a list of strings");
      items.push_back(item.Scalar());
    }
    return items;
  }
  if (node.IsNull()) {
    if (spec.type == ValueType::string) return std::string();
    if (spec.type == ValueType::string_list) return StringList{};
    throw bad_value_error(spec, shown(node), source, "is empty");
  }
  Parsed parsed = parse_text(spec.type, node.Scalar());
  if (!parsed.value) throw bad_value_error(spec, shown(node), source, parsed.problem);
  return std::move(*parsed.value);
}

class YamlWalker {
 public:
  YamlWalker(Config& config, std::string_view name) : config_(config), name_(name) {}

  void walk(const YAML::Node& map, const std::string& prefix) {
    for (const auto& item : map) {
      const YAML::Node& key_node = item.first;
      const YAML::Node& value = item.second;
      const std::string source = located(name_, key_node.Mark());
      if (!key_node.IsScalar())
        throw ConfigError(source + ": a configuration key must be a plain name, not " + shown(key_node), "", "", source);
      const std::string path = prefix + key_node.Scalar();
      if (const KeySpec* spec = find_key(path)) {
        remember(path, key_node.Mark(), source);
        config_.set(path, value_of(*spec, value, source), source);
      } else if (value.IsMap()) {
        walk(value, path + ".");
      } else if (!(value.IsNull() && is_section_prefix(path))) {  // an empty section is harmless
        throw unknown_key_error(path, shown(value), source);
      }
    }
  }

 private:
  // Nested and dotted spellings can name one key twice; silently keeping the
  // later one would hide a mistake in the file.
  void remember(const std::string& key, const YAML::Mark& mark, const std::string& source) {
    const auto [it, fresh] = lines_.emplace(key, mark.line + 1);
    if (!fresh)
      throw ConfigError(source + ": " + key + " is set twice in " + std::string(name_) + " (lines " +
                            std::to_string(it->second) + " and " + std::to_string(mark.line + 1) + ")",
                        key, "", source);
  }

  Config& config_;
  std::string_view name_;
  std::map<std::string, int> lines_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// "SIMULATION__AGENTS" -> "simulation.agents".
std::string key_from_environment(std::string_view path) {
  std::string key;
  for (std::size_t start = 0;;) {
    const std::size_t split = path.find("__", start);
    key += lower(path.substr(start, split - start));
    if (split == std::string_view::npos) return key;
    key += '.';
    start = split + 2;
  }
}

}  // namespace

void apply_yaml_file(Config& config, const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw ConfigError("cannot read configuration file " + name + ": it is a directory", "", "", name);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("cannot read configuration file " + name + ": " + std::strerror(errno), "", "", name);
  // Read at most one byte past the cap: a huge file or an endless one (/dev/zero) ends here, fast.
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ConfigError("cannot read configuration file " + name + ": read error", "", "", name);
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes)
    throw ConfigError("configuration file " + name + " is larger than " + std::to_string(kMaxFileBytes >> 20) +
                          " MiB; a configuration is a few hundred bytes of YAML",
                      "", "", name);
  apply_yaml_text(config, text, name);
}

void apply_yaml_text(Config& config, std::string_view yaml, std::string_view name) {
  if (yaml.size() > kMaxFileBytes)
    throw ConfigError("configuration " + std::string(name) + " is larger than " + std::to_string(kMaxFileBytes >> 20) +
                          " MiB; a configuration is a few hundred bytes of YAML",
                      "", "", std::string(name));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    const std::string where = located(name, e.mark);
    throw ConfigError(where + ": malformed YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) +
                          ", column " + std::to_string(e.mark.column + 1) + ")",
                      "", "", where);
  }
  if (root.IsNull()) return;  // an empty file, or only comments
  if (!root.IsMap()) {
    const std::string where = located(name, root.Mark());
    throw ConfigError(where + ": expected a map of sections at the top level (e.g. \"simulation: {agents: 10}\"), found " +
                          shown(root),
                      "", shown(root), where);
  }
  YamlWalker(config, name).walk(root, "");
}

void apply_environment(Config& config, const std::vector<std::string>& environment) {
  constexpr std::string_view kPrefix = "DAIS_";
  for (const std::string& entry : environment) {
    const std::size_t equals = entry.find('=');
    if (equals == std::string::npos) continue;
    const std::string_view name = std::string_view(entry).substr(0, equals);
    const std::string_view text = std::string_view(entry).substr(equals + 1);
    if (name.substr(0, kPrefix.size()) != kPrefix) continue;
    const std::string_view path = name.substr(kPrefix.size());
    if (path.find("__") == std::string_view::npos) continue;  // not shaped like a key: someone else's variable
    const std::string key = key_from_environment(path);
    const std::string source = "environment " + std::string(name);
    if (find_key(key) == nullptr) {
      const KeySpec& near = closest_key(key);
      // A misspelt secret variable must not print the secret it carries.
      const std::string value = near.secret ? std::string("hidden, as the key it resembles is secret") : quote(text);
      throw ConfigError("unknown configuration variable " + std::string(name) + " (value " + value +
                            ", from the environment): there is no key " + quote(key) + "; did you mean " +
                            environment_name(near.key) + " (" + near.key + ")?",
                        key, near.secret ? std::string("(hidden)") : quote(text), source);
    }
    config.set_text(key, text, source);
  }
}

void apply_sets(Config& config, const std::vector<std::string>& sets) {
  for (const std::string& assignment : sets) {
    const std::size_t equals = assignment.find('=');
    std::string key = equals == std::string::npos ? std::string() : assignment.substr(0, equals);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    while (!key.empty() && key.front() == ' ') key.erase(0, 1);
    if (key.empty())
      throw ConfigError("malformed --set " + quote(assignment) + ": expected key=value, e.g. --set simulation.agents=200",
                        "", quote(assignment), "--set");
    config.set_text(key, std::string_view(assignment).substr(equals + 1), "--set");
  }
}

void apply_overrides(Config& config, const std::vector<Override>& flags) {
  for (const Override& flag : flags) config.set_text(flag.key, flag.value, flag.flag);
}

}  // namespace dais::config

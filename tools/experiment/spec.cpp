#include "tools/experiment/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace dais::experiment {
namespace {

const std::vector<std::string> kTopLevelKeys = {"name", "description", "config", "base", "grid", "seeds", "threads"};

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
  throw SpecError(origin + ": " + message);
}

std::string scalar_of(const YAML::Node& node, const std::string& origin, const std::string& where) {
  if (!node.IsScalar()) fail(origin, where + " must be a single value (a number, true/false or a word)");
  if (node.Scalar().empty()) fail(origin, where + " is empty");
  return node.Scalar();
}

std::vector<Setting> parse_base(const YAML::Node& node, const std::string& origin) {
  std::vector<Setting> base;
  if (!node || node.IsNull()) return base;
  if (!node.IsMap()) fail(origin, "`base` must be a mapping of configuration keys to values");
  for (const auto& entry : node) {
    const std::string key = scalar_of(entry.first, origin, "a key in `base`");
    base.push_back({key, scalar_of(entry.second, origin, "`base." + key + "`")});
  }
  return base;
}

std::vector<SweptKey> parse_grid(const YAML::Node& node, const std::string& origin) {
  if (!node || node.IsNull()) fail(origin, "`grid` is missing: name at least one configuration key to sweep");
  if (!node.IsMap()) fail(origin, "`grid` must be a mapping of configuration keys to lists of values");
  std::vector<SweptKey> grid;
  for (const auto& entry : node) {
    SweptKey swept;
    swept.key = scalar_of(entry.first, origin, "a key in `grid`");
    const std::string where = "`grid." + swept.key + "`";
    if (!entry.second.IsSequence()) fail(origin, where + " must be a list of values, e.g. [true, false]");
    if (entry.second.size() == 0) fail(origin, where + " is an empty list: give at least one value");
    std::set<std::string> seen;
    swept.numeric = true;
    for (const auto& value : entry.second) {
      const std::string text = scalar_of(value, origin, "each value of " + where);
      if (!seen.insert(text).second) fail(origin, where + " lists the value " + text + " twice");
      swept.numeric = swept.numeric && parses_as_number(text);
      swept.values.push_back(text);
    }
    grid.push_back(std::move(swept));
  }
  if (grid.empty()) fail(origin, "`grid` is empty: name at least one configuration key to sweep");
  return grid;
}

std::vector<std::uint64_t> parse_seeds(const YAML::Node& node, const std::string& origin) {
  if (!node || node.IsNull()) fail(origin, "`seeds` is missing: give a list of integers, e.g. [1, 2, 3]");
  if (!node.IsSequence()) fail(origin, "`seeds` must be a list of integers, e.g. [1, 2, 3]");
  if (node.size() == 0) fail(origin, "`seeds` is an empty list: give at least one seed");
  std::vector<std::uint64_t> seeds;
  for (const auto& value : node) {
    const std::string text = value.IsScalar() ? value.Scalar() : std::string();
    std::uint64_t seed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
      fail(origin, "`seeds` must hold non-negative integers; `" + (text.empty() ? std::string("(a list or map)") : text) +
                       "` is not one");
    }
    if (std::find(seeds.begin(), seeds.end(), seed) != seeds.end()) {
      fail(origin, "`seeds` lists the seed " + text + " twice");
    }
    seeds.push_back(seed);
  }
  return seeds;
}

}  // namespace

bool parses_as_number(const std::string& text, double* value) {
  if (text.empty()) return false;
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  double parsed = 0.0;
  in >> parsed;
  if (in.fail() || !in.eof() || !std::isfinite(parsed)) return false;
  if (value) *value = parsed;
  return true;
}

ExperimentSpec parse_spec(const std::string& yaml_text, const std::string& origin,
                          const std::filesystem::path& directory) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    fail(origin, std::string("not valid YAML: ") + e.what());
  }
  if (!root.IsMap()) fail(origin, "an experiment file is a YAML mapping with keys " + joined(kTopLevelKeys));

  std::set<std::string> seen;
  for (const auto& entry : root) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string("(not a word)");
    if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end()) {
      fail(origin, "unknown top-level key `" + key + "` (allowed: " + joined(kTopLevelKeys) + ")");
    }
    if (!seen.insert(key).second) fail(origin, "top-level key `" + key + "` appears twice");
  }

  ExperimentSpec spec;
  spec.name = root["name"] ? scalar_of(root["name"], origin, "`name`") : std::filesystem::path(origin).stem().string();
  if (root["description"]) spec.description = scalar_of(root["description"], origin, "`description`");
  if (root["config"]) {
    std::filesystem::path config = scalar_of(root["config"], origin, "`config`");
    spec.config_file = config.is_absolute() ? config : directory / config;
  }
  if (root["threads"]) {
    const std::string text = scalar_of(root["threads"], origin, "`threads`");
    unsigned threads = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), threads);
    if (error != std::errc() || end != text.data() + text.size() || threads == 0) {
      fail(origin, "`threads` must be a positive integer (daisd worker threads per run), not " + text);
    }
    spec.threads = threads;
  }
  spec.base = parse_base(root["base"], origin);
  spec.grid = parse_grid(root["grid"], origin);
  spec.seeds = parse_seeds(root["seeds"], origin);

  std::set<std::string> keys;
  for (const auto& s : spec.base) {
    if (!keys.insert(s.key).second) fail(origin, "`base." + s.key + "` appears twice");
  }
  for (const auto& g : spec.grid) {
    if (!keys.insert(g.key).second) {
      fail(origin, "`" + g.key + "` is both fixed in `base` and swept in `grid` (or swept twice): keep one");
    }
    if (g.key == "simulation.seed") fail(origin, "sweep seeds with `seeds`, not `grid.simulation.seed`");
  }
  if (keys.count("simulation.seed")) fail(origin, "set seeds with `seeds`, not `base.simulation.seed`");
  return spec;
}

ExperimentSpec load_spec(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw SpecError(file.string() + ": cannot read the experiment file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_spec(text.str(), file.string(), file.parent_path());
}

}  // namespace dais::experiment

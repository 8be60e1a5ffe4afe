// The configuration sources load() applies, each validating as it goes and
// throwing ConfigError that names the key, the value and where it came from.
// Exposed separately so tools and tests can apply one source on its own.
// Stateless; each call mutates only the Config it is given.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace dais::config {

// Reads a YAML file: nested maps (simulation: {agents: 10}) and/or dotted keys
// (simulation.agents: 10). Each value's source is "FILE:LINE". An unreadable
// file, a file over kMaxFileBytes (only that much is read, so /dev/zero ends
// fast), malformed YAML (with its line), a key set twice, an unknown key or a
// bad value throws ConfigError.
void apply_yaml_file(Config& config, const std::filesystem::path& file);
// Same for YAML already in memory; name stands for the file in sources.
void apply_yaml_text(Config& config, std::string_view yaml, std::string_view name);

// "DAIS_SECTION__KEY=VALUE" entries. Variables without the DAIS_ prefix, or
// DAIS_ ones without "__" (not shaped like a key), are ignored; a DAIS_ one
// with "__" that names no key is an error suggesting the closest variable.
void apply_environment(Config& config, const std::vector<std::string>& environment);

// "key=value" strings from --set; one without '=' or without a key is an error.
void apply_sets(Config& config, const std::vector<std::string>& sets);

void apply_overrides(Config& config, const std::vector<Override>& flags);

}  // namespace dais::config

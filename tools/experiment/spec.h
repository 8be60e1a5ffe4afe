// An experiment file (YAML) describing a sweep: fixed configuration keys (`base`), swept keys
// (`grid`: every combination of their values is a point) and the seeds each point runs with.
// Parsing validates the whole file and throws SpecError with a message naming the problem
// (unknown top-level key, empty or non-list grid values, non-list or non-integer seeds, a key
// both fixed and swept...). Pure apart from reading the file; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dais::experiment {

class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One configuration key with its value as written in the file (daisd validates it).
struct Setting {
  std::string key;
  std::string value;
};

struct SweptKey {
  std::string key;
  std::vector<std::string> values;  // in file order, never empty
  bool numeric = false;             // every value parses as a number (plots use a numeric axis)
};

struct ExperimentSpec {
  std::string name;         // `name`, or the file's stem
  std::string description;  // optional `description`
  std::optional<std::filesystem::path> config_file;  // optional `config`, relative to the experiment file
  std::vector<Setting> base;   // in file order
  std::vector<SweptKey> grid;  // in file order; at least one key
  std::vector<std::uint64_t> seeds;  // in file order, distinct, at least one
  unsigned threads = 1;  // daisd --threads per run (runs already run in parallel)
};

// `origin` names the file in error messages; `directory` resolves a relative `config`.
ExperimentSpec parse_spec(const std::string& yaml_text, const std::string& origin,
                          const std::filesystem::path& directory);
ExperimentSpec load_spec(const std::filesystem::path& file);

// True when the whole text is a finite decimal number (e.g. "0.15", "1000", "-2e3").
bool parses_as_number(const std::string& text, double* value = nullptr);

}  // namespace dais::experiment

// libFuzzer target: the configuration loader. The first byte chooses the
// source: a YAML file's text (apply_yaml_text), or --set pairs, one per line
// (apply_sets), or DAIS_ variables, one per line (apply_environment). A bad
// input must end in a ConfigError (which daisd prints and exits 2 on); any
// other exception, a crash or a sanitizer report is a finding. Whatever loads
// must also survive the trip through JSON that RunStarted makes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/sources.h"

using namespace dais::config;

namespace {
std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  Config config;
  try {
    switch (data[0] % 3) {
      case 0: apply_yaml_text(config, text, "fuzz.yaml"); break;
      case 1: apply_sets(config, lines_of(text)); break;
      default: {
        std::vector<std::string> environment;
        for (std::string& line : lines_of(text)) environment.push_back("DAIS_" + line);
        apply_environment(config, environment);
      }
    }
  } catch (const ConfigError&) {
    return 0;
  }
  // What loaded goes into RunStarted as JSON and must read back unchanged.
  const Config restored = Config::from_json(config.to_json());
  if (restored.to_json() != config.to_json()) std::abort();
  (void)config.describe();
  return 0;
}

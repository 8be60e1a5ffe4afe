// dais-bench: benchmarks that print figures and their ratio against a named reference.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "tools/bench/registry.h"

namespace dais::bench {
std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> registry;
  return registry;
}
}  // namespace dais::bench

static void usage(std::FILE* out) {
  std::fprintf(out, "usage: dais-bench SUBCOMMAND [options] [--json]\n\nsubcommands:\n");
  for (const auto& [name, command] : dais::bench::commands()) {
    std::fprintf(out, "  %-10s %s\n", name.c_str(), command.summary.c_str());
  }
  std::fprintf(out, "\n'dais-bench SUBCOMMAND --help' shows its options.\n");
}

int main(int argc, char** argv) {
  // Figures go to stdout (often as JSON); library log lines must not mix with them.
  spdlog::set_default_logger(spdlog::stderr_color_mt("dais-bench"));
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const auto& registry = dais::bench::commands();
  const auto it = registry.find(argv[1]);
  if (it == registry.end()) {
    std::fprintf(stderr, "dais-bench: unknown subcommand '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
  }
  try {
    return it->second.run(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dais-bench %s: %s\n", argv[1], e.what());
    return 1;
  }
}

// How every DAIS tool ends its command-line parsing: CLI11 prints help or the usage error itself;
// the caller exits with the code returned (0 after --help/--version, 2 on a usage error) or goes on
// when there is none. Header-only; no state.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

namespace dais::tools {

inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return std::nullopt;
}

}  // namespace dais::tools

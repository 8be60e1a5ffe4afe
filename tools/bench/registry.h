// dais-bench subcommands register themselves here: each bench_*.cpp defines
// one static `Registration` naming its subcommand, a one-line summary and a
// function that receives the arguments after the subcommand and returns the
// process exit code (0 ok, 2 usage error). Output is JSON on stdout with --json.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace dais::bench {

using Main = std::function<int(std::vector<std::string> args)>;

struct Command {
  std::string summary;
  Main run;
};

std::map<std::string, Command>& commands();

struct Registration {
  Registration(const std::string& name, const std::string& summary, Main run) {
    commands().emplace(name, Command{summary, std::move(run)});
  }
};

}  // namespace dais::bench

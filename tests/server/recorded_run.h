// Running a recorded-traffic configuration in tests (test_recorded_traffic, test_traffic_mix):
// Run options, a run to its end with what the checks read (summary, head, whether each of the
// sample network's 4 agents blocks its scanner), and the RunError a refused configuration gives.
// Header-only; each call opens its own store under `data`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "agents/features.h"
#include "server/run.h"
#include "tests/capture/csv_samples.h"
#include "tests/server/test_support.h"

namespace dais::test {

inline server::Run::Options recorded_options(unsigned threads = 1, const std::string& version = "test") {
  server::Run::Options o;
  o.version = version;
  o.threads = threads;
  return o;
}

struct RecordedFinished {
  server::RunSummary summary;
  std::vector<bool> blocks_scanner;  // per agent, at the end
  std::string head;
};

inline RecordedFinished run_recorded_to_end(const std::filesystem::path& data, const config::Config& c,
                                            unsigned threads = 1, const std::string& version = "test") {
  auto store = open_store(data);
  auto run = server::Run::open(*store, c, recorded_options(threads, version));
  while (!run->finished()) run->step();
  RecordedFinished f;
  f.summary = run->summary();
  const auto scanner = *agents::parse_ipv4(kScanner);
  for (std::uint32_t a = 0; a < 4; ++a) f.blocks_scanner.push_back(run->engine().blocks(a, scanner));
  f.head = f.summary.head_hash;
  return f;
}

// The message of the RunError opening `c` on `data` throws; "" when it opens.
inline std::string recorded_run_error(const std::filesystem::path& data, const config::Config& c) {
  try {
    auto store = open_store(data);
    server::Run::open(*store, c, recorded_options());
  } catch (const server::RunError& e) {
    return e.what();
  }
  return "";
}

}  // namespace dais::test

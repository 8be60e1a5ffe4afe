// dais-replay DIR: re-runs a simulation from its log's RunStarted and operator
// inputs, in memory, and compares every regenerated event byte for byte with
// the log (model digests included). A run on recorded traffic reads the files
// RunStarted names (where its configuration put them, or in --traffic-dir) and
// refuses (2), naming the file, when one is missing or its SHA-256 differs. Exit 0 when identical; 1 at the first
// divergence (naming seq, type and fields); 3 when the log was written by
// another program version; 2 for usage errors or a directory that is not a log.
// A log (or --to) that ends inside a step exits 0 too, since every logged event
// matched, but the summary says that the last step is incomplete ("complete":
// false and "incomplete_step" in --json).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "eventstore/guarded_scan.h"
#include "eventstore/store.h"
#include "server/progress.h"
#include "server/run.h"

int main(int argc, char** argv) {
  CLI::App app{"dais-replay: reproduces a DAIS run from its log and checks it is identical, hash for hash"};
  std::string dir;
  std::optional<std::uint64_t> to_seq;
  unsigned threads = 0;
  bool json = false, quiet = false;
  app.add_option("DIR", dir, "Data directory of the run")->required();
  app.add_option("--to", to_seq, "Stop after this seq (default: the head)");
  app.add_option("--threads", threads, "Worker threads for the re-execution (0 = cores; the result never depends on it)");
  std::string traffic_dir;
  app.add_option("--traffic-dir", traffic_dir,
                 "Folder holding the run's recorded traffic files, when they are no longer where its configuration says");
  app.add_flag("--json", json, "Print the result as one JSON object");
  app.add_flag("--quiet", quiet, "No progress output");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // LMDB faults or asserts on some damaged pages: the work runs in a child process, so such a
  // crash ends in a message naming the file instead of a silent signal (guarded_scan.h).
  return dais::eventstore::run_guarded("dais-replay", dir, 2, [&]() -> int {
    std::unique_ptr<dais::eventstore::Store> store;
    try {
      dais::eventstore::StoreOptions options;
      options.read_only = true;
      options.create = false;
      store = dais::eventstore::Store::open(dir, options);
    } catch (const dais::eventstore::StoreError& e) {
      std::fprintf(stderr, "dais-replay: %s\n", e.what());
      return 2;
    }

    dais::server::ProgressReporter progress("replay", !quiet && !json);
    dais::server::Run::Options options;
    options.version = DAIS_VERSION;
    options.threads = threads;
    if (!traffic_dir.empty()) options.traffic_dir = traffic_dir;
    options.on_progress = [&](const dais::server::Progress& p) {
      progress.update(p.step, 0, std::to_string(p.head_seq + 1) + " events checked");
    };
    const auto started = std::chrono::steady_clock::now();
    auto report = [&](int code, nlohmann::json result, const std::string& line) {
      progress.finish();
      result["identical"] = code == 0;
      result["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (json) {
        std::printf("%s\n", result.dump().c_str());
      } else {
        std::fprintf(code == 0 ? stdout : stderr, "%s\n", line.c_str());
      }
      return code;
    };
    try {
      const auto run = dais::server::Run::replay(*store, to_seq, options);
      const auto head = run->head();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      nlohmann::json result = {{"events", head.count},
                               {"steps", run->completed_steps()},
                               {"head_seq", head.seq()},
                               {"head_hash", dais::to_hex(head.hash)},
                               {"complete", !run->partial_step()}};
      char line[640];
      std::snprintf(line, sizeof line, "identical: %llu events, %llu steps re-executed in %.2f s, head seq %llu %s",
                    static_cast<unsigned long long>(head.count), static_cast<unsigned long long>(run->completed_steps()),
                    seconds, static_cast<unsigned long long>(head.seq()), dais::to_hex(head.hash).c_str());
      std::string text = line;
      if (const auto& partial = run->partial_step()) {
        // Every logged event matched, but the log stops before the step's end:
        // the last step is not reproduced whole, and the summary says so.
        result["incomplete_step"] = {{"step", partial->step}, {"logged", partial->logged}, {"expected", partial->expected}};
        std::snprintf(line, sizeof line,
                      "\nincomplete: the last step (%llu) is cut: the log holds %zu of its %zu events; those match",
                      static_cast<unsigned long long>(partial->step), partial->logged, partial->expected);
        text += line;
      }
      return report(0, std::move(result), text);
    } catch (const dais::server::DivergenceError& e) {
      const auto& d = e.divergence;
      return report(1, {{"seq", d.seq}, {"type", d.type}, {"regenerated_type", d.regenerated_type}, {"fields", d.fields}},
                    std::string("dais-replay: ") + e.what());
    } catch (const dais::server::VersionMismatchError& e) {
      return report(3, {{"logged_version", e.logged_version}, {"version", e.our_version}},
                    std::string("dais-replay: ") + e.what());
    } catch (const std::exception& e) {
      return report(2, {{"error", e.what()}}, std::string("dais-replay: ") + e.what());
    }
  });
}

// dais-bench verify: Store::verify() throughput (all checks, on --threads
// threads) against bare single-threaded SHA-256 over the same event bytes held
// in memory. Builds a log of --events realistic events in a scratch directory
// (no-sync) unless --data names an existing log (opened read-only). The best
// of --rounds alternating rounds of each is reported.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

#include "common/sha256.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "tools/bench/event_log_data.h"
#include "tools/bench/registry.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace es = dais::eventstore;

int run(std::vector<std::string> args) {
  CLI::App app{"event store verify() vs bare SHA-256 of the same bytes", "dais-bench verify"};
  std::uint64_t events = 1000000;
  std::string data_dir;
  unsigned threads = 0;
  bool json = false;
  int rounds = 3;
  app.add_option("--events", events, "events in the log built for the run")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("--data", data_dir, "verify this existing log instead (read-only)");
  app.add_option("--threads", threads, "verify threads (default: one per hardware thread)");
  app.add_flag("--json", json, "print JSON");
  app.add_option("--rounds", rounds, "rounds of each; the best counts")->check(CLI::Range(1, 100));
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  dais::TempDir scratch;
  std::unique_ptr<es::Store> store;
  if (data_dir.empty()) {
    es::StoreOptions options;
    options.sync = es::SyncMode::none;
    auto writer = es::Store::open(scratch.path() / "log", options);
    dais::bench::fill_log(*writer, events, 1000, dais::bench::event_draft_pool(4096));
    writer.reset();
    data_dir = (scratch.path() / "log").string();
  }
  es::StoreOptions ro;
  ro.read_only = true;
  store = es::Store::open(data_dir, ro);

  // The baseline's input, in memory (this also warms the page cache for verify).
  std::string bytes;
  std::vector<std::size_t> ends;
  store->scan(0, [&](const es::StoredEvent& e) {
    bytes += e.bytes;
    ends.push_back(bytes.size());
    return true;
  });
  events = ends.size();

  es::VerifyOptions options;
  options.threads = threads;
  unsigned char fold = 0;  // keeps the hashing observable

  // Rounds alternate ours and the baseline; the best round of each counts.
  double seconds = 1e300, base_seconds = 1e300;
  for (int round = 0; round < rounds; ++round) {
    const auto started = Clock::now();
    const es::VerifyReport report = store->verify(0, std::nullopt, options);
    seconds = std::min(seconds, std::chrono::duration<double>(Clock::now() - started).count());
    if (!report.ok) throw std::runtime_error("the log does not verify: " + report.reason);

    // The fastest plain OpenSSL path (dais::sha256: SHA256_Init/Update/Final, see common/sha256.cpp).
    const auto base_started = Clock::now();
    for (std::size_t i = 0, begin = 0; i < ends.size(); begin = ends[i++]) {
      fold ^= dais::sha256(std::string_view(bytes).substr(begin, ends[i] - begin))[0];
    }
    base_seconds = std::min(base_seconds, std::chrono::duration<double>(Clock::now() - base_started).count());
  }

  const double ours = static_cast<double>(events) / seconds;
  const double baseline = static_cast<double>(events) / base_seconds;
  const unsigned used_threads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  if (json) {
    nlohmann::json out{{"bench", "verify"},
                       {"events", events},
                       {"event_bytes_mean", static_cast<double>(bytes.size()) / static_cast<double>(events)},
                       {"threads", used_threads},
                       {"rounds", rounds},
                       {"seconds", seconds},
                       {"events_per_s", ours},
                       {"baseline", "bare single-threaded SHA-256 over the same event bytes in memory"},
                       {"baseline_seconds", base_seconds},
                       {"baseline_events_per_s", baseline},
                       {"ratio", ours / baseline},
                       {"digest_fold", fold}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("verify: %llu events, %u threads\n", static_cast<unsigned long long>(events), used_threads);
    std::printf("  verify()       %12.0f events/s (%.3f s)\n", ours, seconds);
    std::printf("  bare SHA-256   %12.0f events/s (%.3f s)\n", baseline, base_seconds);
    std::printf("  ratio          %12.3f\n", ours / baseline);
  }
  return 0;
}

const dais::bench::Registration registration("verify", "event store verify() vs bare SHA-256 of the same bytes", run);

}  // namespace

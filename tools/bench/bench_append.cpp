// dais-bench append: event store append throughput (SyncMode::none, fresh
// directory, ~300-byte events) against plain LMDB MDB_APPEND puts of the very
// same stored values (hash + event bytes) with the same batch size, with no
// hashing or JSON work, in a fresh directory of the same run. Only the append
// calls (ours) and the put+commit loops (baseline) are timed; the best of
// --rounds alternating rounds of each is reported. It also times bare SHA-256
// of the same event bytes, one event after another as the chain requires, and
// prints the ratio an append would reach if it cost exactly one baseline put
// plus that hash and nothing else (the bound for hashing on the append path).
// The Merkle tree's cost: each round also appends the same events to a store
// with StoreOptions::merkle_tree off (ratio tree on / off, goal >= 0.8), and
// the last round's log answers random inclusion and consistency proofs
// (eventstore/tree_queries.h, one read snapshot each) for --proof-seconds, as
// library calls and as HTTP requests to the API server (GET /v1/proof/*, a
// random size and seq per request, --http-connections keep-alive loopback
// connections). Where the tree's CPU time goes is printed beside the ratio:
// leaf hashes of the same events as the append path takes them (in one pass
// with the chain hash, so only their extra cost counts; bare leaf hashes are
// shown beside) and node hashing into tiles in memory (merkle::TileAppender),
// the rest being tile reads and writes in LMDB. All of it runs on the calling
// thread: no worker threads on either side. Besides wall time, the append
// rounds' process CPU time is reported with its own tree on/off ratio: on a
// loaded machine wall time mostly measures the wait for a core. Its kernel
// share and the bytes the rounds wrote show what storing the tiles costs; the
// hashing bound is the CPU ratio if storing them cost nothing.
#include <lmdb.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include <sys/resource.h>
#include <time.h>

#include "api/server.h"
#include "projections/projections.h"
#include "common/sha256.h"
#include "common/temp_dir.h"
#include "eventstore/log_format.h"
#include "eventstore/merkle.h"
#include "eventstore/store.h"
#include "eventstore/tree_queries.h"
#include "tools/bench/event_log_data.h"
#include "tools/bench/http_load.h"
#include "tools/bench/registry.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace es = dais::eventstore;

// CPU seconds used by this process (all its threads, user and kernel): on a
// shared machine a busy neighbour inflates wall time by however long this
// process waited for a core, but not this. The append rounds run while no other
// thread of the benchmark works (the store's periodic sync thread counts).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Kernel (system) CPU seconds of this process: the share of the append rounds'
// CPU spent in pwrite and page faults, i.e. on the pages LMDB writes.
double process_system_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_stime.tv_sec) + static_cast<double>(usage.ru_stime.tv_usec) * 1e-6;
}

// Bytes this process has passed to write calls (Linux /proc/self/io `wchar`; LMDB
// commits with pwrite): what a round wrote, tree pages included. 0 where unavailable.
std::uint64_t process_bytes_written() {
  std::ifstream io("/proc/self/io");
  std::string name;
  std::uint64_t value = 0;
  while (io >> name >> value) {
    if (name == "wchar:") return value;
  }
  return 0;
}

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string("baseline LMDB: ") + what + ": " + mdb_strerror(rc));
}

// Serves a store's log and tree (the proof routes); the rest of the API is not benchmarked here.
class StoreOnlyBackend final : public dais::api::Backend {
 public:
  explicit StoreOnlyBackend(const es::Store& store) : store_(store) {}
  const es::Store& store() const override { return store_; }
  std::shared_ptr<const dais::projections::Projections> projections() const override { return projections_; }
  dais::api::ControlResult pause() override { return {409, {{"error", "benchmark backend"}}}; }
  dais::api::ControlResult resume() override { return pause(); }
  dais::api::ControlResult step_once() override { return pause(); }
  dais::api::ControlResult inject_attack(const nlohmann::json&) override { return pause(); }
  dais::api::ControlResult remove_blacklist(const nlohmann::json&) override { return pause(); }
  dais::api::HealthReport health() const override { return {true, nlohmann::json::object()}; }

 private:
  const es::Store& store_;
  std::shared_ptr<const dais::projections::Projections> projections_ =
      std::make_shared<const dais::projections::Projections>();
};

// The tree's work without LMDB, on the log's entries in cache: the leaf hashes'
// cost as the append path pays it (the chain hash and the leaf hash in one pass,
// merkle::entry_and_leaf_hash, minus the chain hash alone), the bare leaf hashes
// for comparison, and node hashes into tiles in memory.
struct TreeWorkSeconds {
  double leaves = 0;        // the leaf hashes beside the chain hash (one pass)
  double leaves_alone = 0;  // merkle::leaf_hash on its own
  double nodes = 0;
  unsigned char digest_fold = 0;  // keeps the hashing observable
};
TreeWorkSeconds tree_work_seconds(const es::Store& store, std::uint64_t events) {
  TreeWorkSeconds seconds;
  std::vector<es::merkle::Hash> leaves;
  leaves.reserve(events);
  std::vector<std::string> bytes;
  unsigned char fold = 0;
  const auto timed = [](auto&& body) {  // CPU time: the difference below must not be scheduling noise
    const double started = process_cpu_seconds();
    body();
    return process_cpu_seconds() - started;
  };
  for (std::uint64_t first = 0; first < events; first += 4096) {
    bytes.clear();
    for (auto& e : store.read_range(first, 4096)) bytes.push_back(std::move(e.bytes));
    const double chain = timed([&] {
      for (const auto& b : bytes) fold ^= dais::sha256(b)[0];
    });
    const double both = timed([&] {
      es::merkle::Hash entry, leaf;
      for (const auto& b : bytes) {
        es::merkle::entry_and_leaf_hash(b, entry, leaf);
        fold ^= entry[0] ^ leaf[0];
      }
    });
    seconds.leaves += both - chain;
    seconds.leaves_alone += timed([&] {
      for (const auto& b : bytes) leaves.push_back(es::merkle::leaf_hash(b));
    });
  }
  seconds.nodes = timed([&] {
    es::merkle::TileAppender appender(0, [](unsigned, std::uint64_t) { return std::string(); });
    appender.add(leaves);  // as the append path adds a batch
    fold ^= static_cast<unsigned char>(appender.dirty().size());
  });
  seconds.digest_fold = fold;
  return seconds;
}

struct BaselineSeconds {
  double lmdb = 0;    // plain LMDB puts and commits
  double sha256 = 0;  // bare SHA-256 of each event's bytes, in cache
  unsigned char digest_fold = 0;  // keeps the hashing observable
};

// Plain LMDB: one write transaction per batch of pre-built values, MDB_APPEND;
// and, timed apart, bare SHA-256 of each value's event bytes.
BaselineSeconds baseline_seconds(es::Store& source, std::uint64_t events, std::size_t batch, std::size_t map_bytes) {
  dais::TempDir dir;
  MDB_env* env = nullptr;
  check(mdb_env_create(&env), "create");
  check(mdb_env_set_maxdbs(env, 4), "maxdbs");
  check(mdb_env_set_mapsize(env, map_bytes), "mapsize");
  check(mdb_env_open(env, dir.path().c_str(), MDB_NOSYNC | MDB_NOTLS, 0644), "open");
  MDB_dbi dbi;
  {
    MDB_txn* txn;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "begin");
    check(mdb_dbi_open(txn, "events", MDB_CREATE, &dbi), "dbi");
    check(mdb_txn_commit(txn), "commit");
  }
  BaselineSeconds seconds;
  std::vector<std::string> values;
  for (std::uint64_t first = 0; first < events; first += batch) {
    values.clear();
    for (const auto& e : source.read_range(first, batch)) {
      values.push_back(std::string(reinterpret_cast<const char*>(e.hash.data()), e.hash.size()) + e.bytes);
    }
    const auto hash_started = Clock::now();
    for (const std::string& value : values) {
      seconds.digest_fold ^= dais::sha256(std::string_view(value).substr(es::format::kHashSize))[0];
    }
    seconds.sha256 += std::chrono::duration<double>(Clock::now() - hash_started).count();
    const auto started = Clock::now();
    MDB_txn* txn;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "begin");
    MDB_cursor* cursor;
    check(mdb_cursor_open(txn, dbi, &cursor), "cursor");
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto key = es::format::encode_key(first + i);
      MDB_val k{key.size(), const_cast<char*>(key.data())}, v{values[i].size(), values[i].data()};
      check(mdb_cursor_put(cursor, &k, &v, MDB_APPEND), "put");
    }
    mdb_cursor_close(cursor);
    check(mdb_txn_commit(txn), "commit");
    seconds.lmdb += std::chrono::duration<double>(Clock::now() - started).count();
  }
  mdb_env_close(env);
  return seconds;
}

int run(std::vector<std::string> args) {
  CLI::App app{"event store appends vs plain LMDB puts of the same bytes", "dais-bench append"};
  std::uint64_t events = 1000000;
  std::size_t batch = 1000;
  bool json = false;
  int rounds = 3;
  double proof_seconds = 1.0;
  std::size_t http_connections = 8;
  app.add_option("--http-connections", http_connections, "keep-alive connections for the HTTP proofs")
      ->check(CLI::Range(1, 1000));
  app.add_option("--proof-seconds", proof_seconds, "seconds to spend on each kind of proof")->check(CLI::Range(0.0, 600.0));
  unsigned periodic_sync_ms = es::StoreOptions{}.periodic_sync_ms;
  std::size_t initial_map_mb = es::StoreOptions{}.initial_map_bytes >> 20;
  app.add_option("--periodic-sync-ms", periodic_sync_ms, "the store's periodic sync interval (0: none)");
  app.add_option("--initial-map-mb", initial_map_mb, "the store's initial map size")->check(CLI::Range(1, 1 << 20));
  app.add_option("--events", events, "events to append")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("--batch", batch, "events per write transaction")->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  app.add_flag("--json", json, "print JSON");
  app.add_option("--rounds", rounds, "rounds of each; the best counts")->check(CLI::Range(1, 100));
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  const auto pool = dais::bench::event_draft_pool(4096);
  es::StoreOptions options;
  options.sync = es::SyncMode::none;
  options.periodic_sync_ms = periodic_sync_ms;
  options.initial_map_bytes = initial_map_mb << 20;
  const std::size_t baseline_map_bytes = std::size_t{1} << 36;  // never full: the baseline's best case

  // Rounds alternate ours and the baseline, each in fresh directories; the
  // best round of each counts, so a busy machine penalises neither side.
  double seconds = 1e300, no_tree_seconds = 1e300, base_seconds = 1e300, sha_seconds = 1e300, mean_bytes = 0;
  unsigned char digest_fold = 0;
  double inclusion_per_s = 0, consistency_per_s = 0, http_inclusion_per_s = 0, http_consistency_per_s = 0;
  std::uint64_t http_errors = 0;
  TreeWorkSeconds tree_work{1e300, 1e300, 1e300};
  // Per side, the CPU figures of its round with the least CPU time.
  struct RoundCpu {
    double cpu = 1e300;
    double system = 0;
    std::uint64_t written = 0;
  };
  RoundCpu with_tree, without_tree;
  const auto append_all = [&](es::Store& store, RoundCpu& best) {
    double round_seconds = 0, round_cpu = 0, round_system = 0;
    const std::uint64_t written_before = process_bytes_written();
    std::vector<es::EventDraft> drafts;
    for (std::uint64_t done = 0, step = 0; done < events; ++step) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch, events - done));
      drafts.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        drafts[i] = pool[(done + i) % pool.size()];
        drafts[i].step = step;
      }
      const auto started = Clock::now();
      const double cpu_started = process_cpu_seconds();
      const double system_started = process_system_seconds();
      store.append(drafts);
      round_system += process_system_seconds() - system_started;
      round_cpu += process_cpu_seconds() - cpu_started;
      round_seconds += std::chrono::duration<double>(Clock::now() - started).count();
      done += n;
    }
    if (round_cpu < best.cpu) best = RoundCpu{round_cpu, round_system, process_bytes_written() - written_before};
    return round_seconds;
  };
  for (int round = 0; round < rounds; ++round) {
    {
      dais::TempDir dir;
      es::StoreOptions no_tree = options;
      no_tree.merkle_tree = false;
      auto store = es::Store::open(dir.path() / "log", no_tree);
      no_tree_seconds = std::min(no_tree_seconds, append_all(*store, without_tree));
    }
    dais::TempDir dir;
    auto store = es::Store::open(dir.path() / "log", options);
    const double round_seconds = append_all(*store, with_tree);
    seconds = std::min(seconds, round_seconds);
    std::uint64_t event_bytes = 0;
    const auto sample = store->read_range(0, 1000);
    for (const auto& e : sample) event_bytes += e.bytes.size();
    mean_bytes = static_cast<double>(event_bytes) / static_cast<double>(sample.size());
    const BaselineSeconds base = baseline_seconds(*store, events, batch, baseline_map_bytes);
    base_seconds = std::min(base_seconds, base.lmdb);
    sha_seconds = std::min(sha_seconds, base.sha256);
    digest_fold ^= base.digest_fold;
    if (round == rounds - 1 && proof_seconds > 0) {
      std::mt19937_64 rng(42);
      const auto time_proofs = [&](auto&& prove) {
        std::uint64_t done = 0;
        const auto started = Clock::now();
        double spent = 0;
        while (spent < proof_seconds) {
          for (int i = 0; i < 256; ++i, ++done) digest_fold ^= prove()[0][0];
          spent = std::chrono::duration<double>(Clock::now() - started).count();
        }
        return static_cast<double>(done) / spent;
      };
      inclusion_per_s = time_proofs([&] {
        const std::uint64_t size = 1 + rng() % events;
        auto proof = es::inclusion_proof(*store, rng() % size, size);
        proof.emplace_back();  // a proof of a one-leaf tree is empty
        return proof;
      });
      consistency_per_s = time_proofs([&] {
        const std::uint64_t to = 1 + rng() % events;
        auto proof = es::consistency_proof(*store, 1 + rng() % to, to);
        proof.emplace_back();
        return proof;
      });
    }
    if (round == rounds - 1 && proof_seconds > 0) {
      StoreOnlyBackend backend(*store);
      dais::api::EventHub hub;
      dais::api::Metrics metrics;
      dais::api::ServerOptions server_options;
      server_options.listen = "127.0.0.1:0";
      server_options.rate_limit = 0;
      server_options.max_connections = http_connections + 16;
      server_options.max_connections_per_address = http_connections + 16;
      dais::api::Server server(backend, hub, metrics, server_options);
      server.start();
      std::mt19937_64 rng(7);
      const auto inclusion = dais::bench::run_load(server.port(), [&] {
        const std::uint64_t size = 1 + rng() % events;
        return "/v1/proof/inclusion?seq=" + std::to_string(rng() % size) + "&size=" + std::to_string(size);
      }, http_connections, proof_seconds);
      const auto consistency = dais::bench::run_load(server.port(), [&] {
        const std::uint64_t to = 1 + rng() % events;
        return "/v1/proof/consistency?from=" + std::to_string(1 + rng() % to) + "&to=" + std::to_string(to);
      }, http_connections, proof_seconds);
      server.stop();
      http_inclusion_per_s = static_cast<double>(inclusion.requests) / inclusion.seconds;
      http_consistency_per_s = static_cast<double>(consistency.requests) / consistency.seconds;
      http_errors = inclusion.errors + consistency.errors;
    }
    const TreeWorkSeconds work = tree_work_seconds(*store, events);
    tree_work.leaves = std::min(tree_work.leaves, work.leaves);
    tree_work.leaves_alone = std::min(tree_work.leaves_alone, work.leaves_alone);
    tree_work.nodes = std::min(tree_work.nodes, work.nodes);
    digest_fold ^= work.digest_fold;
  }

  const double cpu_seconds = with_tree.cpu, no_tree_cpu_seconds = without_tree.cpu;
  // The CPU ratio if storing the tree cost nothing: only its leaf hashes (beside the
  // chain hash) and node hashes, as measured in memory above.
  const double hashing_bound = no_tree_cpu_seconds / (no_tree_cpu_seconds + tree_work.leaves + tree_work.nodes);
  const double mb = 1.0 / (1 << 20);
  const double ours = static_cast<double>(events) / seconds;
  const double no_tree = static_cast<double>(events) / no_tree_seconds;
  const double baseline = static_cast<double>(events) / base_seconds;
  const double sha256 = static_cast<double>(events) / sha_seconds;
  const double bound = static_cast<double>(events) / (base_seconds + sha_seconds);
  if (json) {
    nlohmann::json out{{"bench", "append"},          {"events", events},
                       {"batch", batch},             {"sync", "none"}, {"periodic_sync_ms", periodic_sync_ms},
                       {"rounds", rounds},
                       {"event_bytes_mean", mean_bytes}, {"seconds", seconds},
                       {"events_per_s", ours},       {"baseline", "plain LMDB MDB_APPEND puts of the same values"},
                       {"baseline_seconds", base_seconds}, {"baseline_events_per_s", baseline},
                       {"ratio", ours / baseline},
                       {"sha256_events_per_s", sha256},
                       {"lmdb_plus_sha256_events_per_s", bound},
                       {"lmdb_plus_sha256_ratio", bound / baseline},
                       {"no_tree_events_per_s", no_tree},
                       {"tree_on_off_ratio", ours / no_tree},
                       {"inclusion_proofs_per_s", inclusion_per_s},
                       {"consistency_proofs_per_s", consistency_per_s},
                       {"tree_seconds", seconds - no_tree_seconds},
                       {"cpu_seconds", cpu_seconds},
                       {"no_tree_cpu_seconds", no_tree_cpu_seconds},
                       {"tree_on_off_cpu_ratio", no_tree_cpu_seconds / cpu_seconds},
                       {"tree_cpu_seconds", cpu_seconds - no_tree_cpu_seconds},
                       {"system_seconds", with_tree.system},
                       {"no_tree_system_seconds", without_tree.system},
                       {"bytes_written", with_tree.written},
                       {"no_tree_bytes_written", without_tree.written},
                       {"tree_hashing_bound_cpu_ratio", hashing_bound},
                       {"tree_leaf_hash_seconds", tree_work.leaves},
                       {"tree_leaf_hash_alone_seconds", tree_work.leaves_alone},
                       {"tree_node_hash_seconds", tree_work.nodes},
                       {"http_connections", http_connections},
                       {"http_inclusion_proofs_per_s", http_inclusion_per_s},
                       {"http_consistency_proofs_per_s", http_consistency_per_s},
                       {"http_errors", http_errors},
                       {"digest_fold", digest_fold}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("append: %llu events of %.0f bytes in batches of %zu (no-sync)\n",
                static_cast<unsigned long long>(events), mean_bytes, batch);
    std::printf("  event store    %12.0f events/s (%.3f s)\n", ours, seconds);
    std::printf("  without tree   %12.0f events/s (%.3f s): tree on/off ratio %.3f\n", no_tree, no_tree_seconds,
                ours / no_tree);
    std::printf("  CPU time       %12.3f s with the tree, %.3f s without: tree on/off ratio %.3f (not inflated by "
                "waiting for a core)\n",
                cpu_seconds, no_tree_cpu_seconds, no_tree_cpu_seconds / cpu_seconds);
    const double tree_cpu = cpu_seconds - no_tree_cpu_seconds;
    std::printf("  the tree's     %12.3f s of CPU: leaf hashes %.3f s (in one pass with the chain hash; %.3f s alone), "
                "node hashes into tiles %.3f s, LMDB tiles and the rest %.3f s\n",
                tree_cpu, tree_work.leaves, tree_work.leaves_alone, tree_work.nodes,
                tree_cpu - tree_work.leaves - tree_work.nodes);
    std::printf("  kernel CPU     %12.3f s with the tree, %.3f s without (pwrite of %.1f MiB vs %.1f MiB, page faults)\n",
                with_tree.system, without_tree.system, static_cast<double>(with_tree.written) * mb,
                static_cast<double>(without_tree.written) * mb);
    std::printf("  hashing bound  %12.3f tree on/off CPU ratio if storing the tree cost nothing (its hashes only)\n",
                hashing_bound);
    std::printf("  plain LMDB     %12.0f events/s (%.3f s)\n", baseline, base_seconds);
    std::printf("  ratio          %12.3f\n", ours / baseline);
    std::printf("  bare SHA-256   %12.0f events/s (%.3f s)\n", sha256, sha_seconds);
    std::printf("  LMDB + SHA-256 %12.0f events/s: ratio %.3f if an append cost only these two\n", bound,
                bound / baseline);
    std::printf("  proofs         %12.0f inclusion/s, %.0f consistency/s (random sizes, library calls)\n",
                inclusion_per_s, consistency_per_s);
    std::printf("  HTTP proofs    %12.0f inclusion/s, %.0f consistency/s (GET /v1/proof/*, %zu connections, %llu "
                "errors)\n",
                http_inclusion_per_s, http_consistency_per_s, http_connections,
                static_cast<unsigned long long>(http_errors));
  }
  return 0;
}

const dais::bench::Registration registration("append", "event store append throughput vs plain LMDB puts", run);

}  // namespace

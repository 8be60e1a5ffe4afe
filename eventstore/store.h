// The hash-chained event log on LMDB (DESIGN.md "The log", docs/LOG_FORMAT.md).
//
// One LMDB environment per data directory. Sub-database `events`: key = seq as
// 8 bytes big-endian from 0; value = SHA-256(event bytes) (32 bytes) followed by
// the event bytes, a UTF-8 JSON object
//   {"seq":N,"type":"T","step":S,"prev":"<64 hex>","data":{...}}
// built by the store itself, so seq and prev can never be wrong. Sub-database
// `meta` holds the format marker and caller key/values (e.g. projection
// snapshots) written in the same transaction as the events they describe.
//
// Thread safety: a Store is safe to share between threads. Appends are
// serialised internally (one writer); reads run concurrently in their own
// LMDB read transactions (MVCC) and never block the writer, except that
// growing the map waits until no transaction of this process is open (so a
// scan() callback must never append to the same store, and should be quick).
// Open a directory at most once per process (LMDB's locks are per process):
// a second open of the same directory throws; share the Store instead.
// Errors: every failure throws StoreError with a message naming the directory
// and the cause. Nothing is repaired silently: a store whose head entry is
// inconsistent opens (so tools can inspect it) but refuses appends. Failures no
// call can throw (a background or closing sync) go to StoreOptions::report_failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"
#include "eventstore/merkle.h"

namespace dais::eventstore {

using Hash = dais::Digest;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A read-only (or create = false) open of an LMDB environment that was created but never written:
// what a process killed while creating a new log leaves. A writable open with create makes it a new log.
class BlankLogError : public StoreError {
 public:
  using StoreError::StoreError;
};

enum class SyncMode {
  full,  // fsync on every commit: an acknowledged append survives power loss
  none,  // no fsync on commit; the OS flushes, plus a periodic sync (see docs/LOG_FORMAT.md)
};

// StoreOptions::report_failure's default: one line on stderr.
void report_failure_to_stderr(std::string_view problem);

struct StoreOptions {
  SyncMode sync = SyncMode::full;
  std::size_t initial_map_bytes = std::size_t{64} << 20;  // grows automatically
  unsigned periodic_sync_ms = 1000;  // SyncMode::none only; 0 disables
  bool read_only = false;            // tools that only read (verify, replay source)
  bool create = true;                // create the directory and an empty log if absent
  // Give a new log (or, on a writable open, a log written before the tree existed) the Merkle
  // tree, kept in each append's transaction. Off only to measure its cost (dais-bench append):
  // a log that has the tree keeps it either way; a later open with it on builds it.
  bool merkle_tree = true;
  // Told of failures that no caller can be: the periodic sync (called on its thread, so it
  // must be thread-safe) and the sync on close. `problem` names the directory. daisd routes
  // it to its "store" logger; empty drops such failures.
  std::function<void(std::string_view problem)> report_failure = report_failure_to_stderr;
};

// What a caller appends: the store adds seq and prev.
// `type` must match [A-Za-z][A-Za-z0-9_]*; `data_json` must be one JSON object
// (the caller serialises it; it is stored byte for byte).
struct EventDraft {
  std::string type;
  std::uint64_t step = 0;
  std::string data_json;
};

struct StoredEvent {
  std::uint64_t seq = 0;
  Hash hash{};
  std::string bytes;  // the exact stored event JSON
  std::string type;   // its "type": the draft's on append, read from the envelope on reads ("" if unreadable)
};

struct Head {
  std::uint64_t count = 0;  // number of events; the head seq is count - 1
  Hash hash{};              // hash of the head event; zeros when empty
  bool empty() const { return count == 0; }
  std::uint64_t seq() const { return count - 1; }
};

// For a non-empty batch: the seqs it received and the events exactly as they
// were committed (so a caller publishes them without reading them back). For an
// empty batch (meta only) appended == 0, events is empty and
// first_seq == last_seq == head.count (no such event).
struct AppendResult {
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::size_t appended = 0;
  Head head;
  std::vector<StoredEvent> events;
};

// A key/value written to the `meta` sub-database in the same transaction as a
// batch. The key must be 1..256 bytes and not the reserved "format".
struct MetaPut {
  std::string key;
  std::string value;
};

enum class Problem {
  none,
  hash_mismatch,   // SHA-256 of the stored bytes differs from the stored hash
  broken_link,     // prev differs from the stored hash of seq - 1
  seq_mismatch,    // the JSON seq differs from the key, or keys are not contiguous
  missing_entry,   // a seq in the range has no entry
  bad_json,        // the bytes are not a JSON object with seq/type/step/prev/data
  truncated_value  // the value is shorter than a hash plus '{}'
};

const char* problem_name(Problem p);

struct VerifyReport {
  bool ok = true;
  std::uint64_t checked = 0;              // entries checked (and found good)
  std::optional<std::uint64_t> bad_seq;   // first bad seq
  Problem problem = Problem::none;
  std::string reason;                     // one line for humans
  Hash last_hash{};                       // hash of the last good entry checked; zeros if none
};

struct VerifyOptions {
  unsigned threads = 0;  // hash-checking threads; 0 = one per hardware thread
  // Called from the verifying thread after each chunk: (entries checked, entries in the range).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

class Store {
 public:
  // Opens (or creates) the log in `dir`. Refuses a directory that holds
  // something other than a DAIS log, naming what it found.
  static std::unique_ptr<Store> open(const std::filesystem::path& dir, const StoreOptions& options = {});

  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appends the batch in one write transaction (with `meta` in the same
  // transaction) and returns what it committed. Throws on a read-only store, a
  // broken head, or bad drafts; on any throw nothing of the batch is stored.
  virtual AppendResult append(std::span<const EventDraft> batch, std::span<const MetaPut> meta = {}) = 0;

  virtual Head head() const = 0;
  // Reads return entries as stored, without checking them (verify() does);
  // an entry too short to hold a hash throws StoreError naming its seq.
  virtual std::optional<StoredEvent> get(std::uint64_t seq) const = 0;
  // Up to `limit` events from `from` on, in key order.
  virtual std::vector<StoredEvent> read_range(std::uint64_t from, std::size_t limit) const = 0;
  // Calls `visit` for each event from `from` to the end (or until it returns false),
  // inside one read transaction: a consistent snapshot even while appends go on.
  virtual void scan(std::uint64_t from, const std::function<bool(const StoredEvent&)>& visit) const = 0;

  // Checks entries [from, to] (to defaults to the head) and the link into `from`:
  // value length, SHA-256, JSON shape, seq == key, contiguous keys, prev links.
  // Reports the first bad seq. An explicit `to` past the head is a missing
  // entry; `from` past the head with no `to` checks nothing and is ok.
  // Each chunk of entries is read in its own read transaction (entries are
  // immutable), so a long verify never blocks map growth. Throws StoreError
  // when from > to.
  VerifyReport verify(std::uint64_t from = 0, std::optional<std::uint64_t> to = std::nullopt) const {
    return verify(from, to, VerifyOptions{});
  }
  virtual VerifyReport verify(std::uint64_t from, std::optional<std::uint64_t> to,
                              const VerifyOptions& options) const = 0;
  // True when the head entry checked out on open (appends are allowed).
  virtual bool head_intact() const = 0;
  // Why the head check failed on open; empty when head_intact().
  virtual std::string head_problem() const = 0;

  // The Merkle tree over the entries (docs/MERKLE.md). Leaves in the stored tree: head().count,
  // except for a log written before the tree existed and opened read-only (then what a
  // writable open last built), or a store opened with merkle_tree off.
  virtual std::uint64_t tree_size() const = 0;
  // The stored hashes of tile (level, index), width·32 bytes as of now; empty when absent.
  virtual std::string read_tile(unsigned level, std::uint64_t index) const = 0;
  // Calls body(tree size, reader) inside one read snapshot; the reader gives the hash of a
  // complete subtree of that tree from its tiles. Keep body short: it holds a read transaction.
  virtual void read_tree(const std::function<void(std::uint64_t, const merkle::HashReader&)>& body) const = 0;

  virtual std::optional<std::string> get_meta(std::string_view key) const = 0;
  virtual void sync() = 0;  // forces a flush to disk now (no-op when read-only)
  virtual bool read_only() const = 0;
  virtual const std::filesystem::path& directory() const = 0;
  // Writes a compacted copy of the log (free pages dropped) as `out_dir`/data.mdb, from one
  // read transaction: a consistent snapshot even while this or another process appends
  // (LMDB's mdb_env_copy2 with MDB_CP_COMPACT). `out_dir` must exist and hold no data.mdb.
  // Throws StoreError naming the directory when the copy fails.
  virtual void copy_compacted(const std::filesystem::path& out_dir) const = 0;

 protected:
  Store() = default;
};

}  // namespace dais::eventstore

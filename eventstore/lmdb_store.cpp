// The Store of store.h on LMDB: opening the directory (what it holds is
// decided by lmdb_layout.h), appends (one write transaction per batch,
// MDB_APPEND), reads, durability modes, and verification (verifier.h).
#include <lmdb.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "eventstore/data_file_check.h"
#include "eventstore/entry_check.h"
#include "eventstore/event_codec.h"
#include "eventstore/lmdb_env.h"
#include "eventstore/lmdb_layout.h"
#include "eventstore/log_directory.h"
#include "eventstore/lmdb_tree.h"
#include "eventstore/log_format.h"
#include "eventstore/periodic_sync.h"
#include "eventstore/store.h"
#include "eventstore/verifier.h"

namespace dais::eventstore {

const char* problem_name(Problem p) {
  switch (p) {
    case Problem::none: return "none";
    case Problem::hash_mismatch: return "hash_mismatch";
    case Problem::broken_link: return "broken_link";
    case Problem::seq_mismatch: return "seq_mismatch";
    case Problem::missing_entry: return "missing_entry";
    case Problem::bad_json: return "bad_json";
    case Problem::truncated_value: return "truncated_value";
  }
  return "unknown";
}

namespace {

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

class LmdbStore final : public Store {
 public:
  LmdbStore(const std::filesystem::path& dir, const StoreOptions& options);
  ~LmdbStore() override;

  AppendResult append(std::span<const EventDraft> batch, std::span<const MetaPut> meta) override;
  Head head() const override;
  // From the log itself; `txnid` receives the id of the snapshot it was read in.
  Head read_head(std::uint64_t* txnid = nullptr) const;
  void remember_head(const Head& head, std::uint64_t txnid);
  std::optional<StoredEvent> get(std::uint64_t seq) const override;
  std::vector<StoredEvent> read_range(std::uint64_t from, std::size_t limit) const override;
  void scan(std::uint64_t from, const std::function<bool(const StoredEvent&)>& visit) const override;
  using Store::verify;
  VerifyReport verify(std::uint64_t from, std::optional<std::uint64_t> to,
                      const VerifyOptions& options) const override;
  bool head_intact() const override { return head_problem_.empty(); }
  std::string head_problem() const override { return head_problem_; }
  std::uint64_t tree_size() const override;
  std::string read_tile(unsigned level, std::uint64_t index) const override;
  void read_tree(const std::function<void(std::uint64_t, const merkle::HashReader&)>& body) const override;
  std::optional<std::string> get_meta(std::string_view key) const override;
  void sync() override;
  bool read_only() const override { return options_.read_only; }
  const std::filesystem::path& directory() const override { return dir_; }
  void copy_compacted(const std::filesystem::path& out_dir) const override;

 private:
  // An ended read transaction whose map lock is still held (see copy_compacted).
  LmdbEnv::ReadTxn begin_read_adopting_map() const {
    auto txn = env_->begin_read();
    txn.commit();
    return txn;
  }
  void validate(std::span<const EventDraft> batch, std::span<const MetaPut> meta) const;
  void catch_up_tree();

  std::filesystem::path dir_;
  StoreOptions options_;
  DirectoryClaim claim_;
  std::unique_ptr<LmdbEnv> env_;
  Handles dbs_;
  std::string head_problem_;
  std::mutex write_mutex_;
  // The head after this store's last commit, and that commit's transaction id:
  // while no other process has written since, head() is a copy instead of a
  // read transaction (GET /v1/chain asks for it on every request).
  mutable std::mutex head_mutex_;
  std::optional<Head> committed_head_;
  std::uint64_t committed_txnid_ = 0;
  std::unique_ptr<PeriodicSync> periodic_sync_;
};

LmdbStore::LmdbStore(const std::filesystem::path& dir, const StoreOptions& options)
    : dir_(dir), options_(options), claim_(dir) {
  const auto inspection = inspect_directory(dir);
  const bool writable = !options.read_only;
  bool fresh = false;
  switch (inspection.content) {
    case DirectoryContent::absent:
      if (!writable || !options.create) throw StoreError(dir.string() + ": no DAIS log here (no such directory)");
      std::filesystem::create_directories(dir);
      fresh = true;
      break;
    case DirectoryContent::empty:
      if (!writable || !options.create) throw StoreError(dir.string() + ": no DAIS log here (the directory is empty)");
      fresh = true;
      break;
    case DirectoryContent::lmdb_env: {
      // Before LMDB maps it: a file shorter than its meta page says would be a SIGBUS on first read,
      // and an empty one would become a new environment over the lost log.
      if (auto problem = data_file_problem(dir / "data.mdb")) {
        throw StoreError(*problem + "; nothing was changed (restore data.mdb from a copy, or move " + dir.string() +
                         " away to start a new run)");
      }
      // Look before touching: a read-only probe changes nothing in the directory
      // (except LMDB's lock file, removed again if it was not there).
      std::unique_ptr<LmdbEnv> probe;
      EnvKind kind;
      try {
        probe = std::make_unique<LmdbEnv>(dir, MDB_RDONLY, options.initial_map_bytes);
        kind = classify(*probe);
      } catch (const LmdbError& e) {
        probe.reset();
        remove_created_lock_file(dir, inspection);
        refuse(dir, std::string("data.mdb is not a readable LMDB environment (") + e.what() + ")");
      } catch (...) {
        probe.reset();
        remove_created_lock_file(dir, inspection);
        throw;
      }
      if (kind == EnvKind::blank) {
        if (!writable || !options.create) {
          probe.reset();
          remove_created_lock_file(dir, inspection);
          throw BlankLogError(dir.string() + ": no DAIS log here (an empty LMDB environment, never written)");
        }
        fresh = true;
      }
      if (!writable) env_ = std::move(probe);  // same flags: keep it
      break;
    }
  }

  if (!env_) {
    const unsigned flags = options.sync == SyncMode::none ? MDB_NOSYNC : 0u;
    env_ = std::make_unique<LmdbEnv>(dir, writable ? flags : MDB_RDONLY, options.initial_map_bytes);
  }
  dbs_ = fresh ? create_log(*env_, options.merkle_tree) : open_handles(*env_);
  head_problem_ = check_head(*env_, dbs_.events);
  if (head_problem_.empty() && dbs_.has_merkle) {
    auto txn = env_->begin_read();
    const std::uint64_t leaves = read_tree_size(*env_, txn.get(), dbs_.merkle);
    MDB_stat stat;
    env_->check(mdb_stat(txn.get(), dbs_.events, &stat), "cannot count the entries");
    // Written in the same transaction as the entries, so any difference is damage.
    if (leaves != stat.ms_entries) {
      head_problem_ = "the Merkle tree holds " + std::to_string(leaves) + " leaves but the log " +
                      std::to_string(stat.ms_entries) + " entries (they are written together: the file is damaged)";
    }
  }
  if (writable && options.merkle_tree && !dbs_.has_merkle && head_problem_.empty()) catch_up_tree();
  if (writable) {
    std::uint64_t txnid = 0;
    const Head head = read_head(&txnid);
    remember_head(head, txnid);
  }

  if (writable && options.sync == SyncMode::none && options.periodic_sync_ms > 0) {
    periodic_sync_ = std::make_unique<PeriodicSync>(
        std::chrono::milliseconds(options.periodic_sync_ms), [this] { env_->sync(); },
        [this](const std::exception& e) {
          if (options_.report_failure) options_.report_failure(dir_.string() + ": periodic sync failed: " + e.what());
        });
  }
}

// A log written before the tree existed (or with it off) gets its tree here,
// in bounded transactions, before the first append.
void LmdbStore::catch_up_tree() {
  const std::uint64_t count = read_head().count;
  create_merkle(*env_, dbs_);
  constexpr std::uint64_t kChunk = 100000;
  for (;;) {
    std::uint64_t size = 0;
    env_->write([&](MDB_txn* txn) {
      const std::uint64_t from = read_tree_size(*env_, txn, dbs_.merkle);
      size = extend_tree_from_events(*env_, txn, dbs_.merkle, dbs_.events, std::min(count, from + kChunk));
    });
    if (size >= count) return;
  }
}

LmdbStore::~LmdbStore() {
  periodic_sync_.reset();
  if (!options_.read_only) {
    try {
      env_->sync();
    } catch (const std::exception& e) {
      if (options_.report_failure) options_.report_failure(dir_.string() + ": final sync failed: " + e.what());
    }
  }
}

void LmdbStore::validate(std::span<const EventDraft> batch, std::span<const MetaPut> meta) const {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (auto problem = draft_problem(batch[i])) {
      throw StoreError(dir_.string() + ": cannot append event " + std::to_string(i) + " of the batch: " + *problem);
    }
  }
  for (const MetaPut& put : meta) {
    if (put.key.empty() || put.key.size() > format::kMaxMetaKeySize) {
      throw StoreError(dir_.string() + ": meta key must be 1 to " + std::to_string(format::kMaxMetaKeySize) +
                       " bytes, not " + std::to_string(put.key.size()));
    }
    if (put.key == format::kMarkerKey) {
      throw StoreError(dir_.string() + ": meta key 'format' is reserved for the log format marker");
    }
  }
}

AppendResult LmdbStore::append(std::span<const EventDraft> batch, std::span<const MetaPut> meta) {
  if (options_.read_only) throw StoreError(dir_.string() + ": opened read-only; cannot append");
  validate(batch, meta);
  std::lock_guard lock(write_mutex_);
  if (!head_problem_.empty()) {
    throw StoreError(dir_.string() + ": refusing to append: the log's head is inconsistent (" + head_problem_ +
                     "); nothing is repaired automatically: run dais-verify " + dir_.string());
  }
  AppendResult result;
  std::uint64_t txnid = 0;
  env_->write([&](MDB_txn* txn) {
    txnid = mdb_txn_id(txn);
    Cursor cursor(*env_, txn, dbs_.events);
    MDB_val key, value;
    std::uint64_t next = 0;
    Hash prev{};
    const int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_LAST);
    if (rc == 0) {
      if (key.mv_size != format::kKeySize || value.mv_size < format::kHashSize) {
        throw StoreError(dir_.string() + ": refusing to append: the head entry is malformed; run dais-verify");
      }
      next = format::decode_key(key.mv_data) + 1;
      std::memcpy(prev.data(), value.mv_data, format::kHashSize);
    } else if (rc != MDB_NOTFOUND) {
      env_->fail(rc, "cannot read the head entry");
    }
    result.first_seq = next;
    result.events.clear();
    result.events.reserve(batch.size());
    // Leaf hashes are taken with the chain hash, in one pass over each event's bytes.
    std::vector<merkle::Hash> leaves;
    if (dbs_.has_merkle) leaves.reserve(batch.size());
    for (const EventDraft& draft : batch) {
      // MDB_RESERVE: the event is built and hashed straight into its page, then
      // copied out once for the caller.
      const auto key_bytes = format::encode_key(next);
      MDB_val k{key_bytes.size(), const_cast<char*>(key_bytes.data())};
      MDB_val v{encoded_value_size(next, draft), nullptr};
      env_->check(mdb_cursor_put(cursor.get(), &k, &v, MDB_APPEND | MDB_RESERVE), "cannot append an event");
      if (dbs_.has_merkle) {
        prev = encode_event_into(next, draft, prev, static_cast<char*>(v.mv_data), leaves.emplace_back());
      } else {
        prev = encode_event_into(next, draft, prev, static_cast<char*>(v.mv_data));
      }
      StoredEvent& stored = result.events.emplace_back();
      stored.seq = next;
      stored.hash = prev;
      stored.bytes.assign(static_cast<const char*>(v.mv_data) + format::kHashSize, v.mv_size - format::kHashSize);
      stored.type = draft.type;
      ++next;
    }
    if (dbs_.has_merkle) {
      // The tree follows the chain in this same transaction (a crash keeps both or neither).
      const std::uint64_t leaves_in_tree = read_tree_size(*env_, txn, dbs_.merkle);
      if (leaves_in_tree != result.first_seq) {
        throw StoreError(dir_.string() + ": refusing to append: the Merkle tree holds " +
                         std::to_string(leaves_in_tree) +
                         " leaves but the log " + std::to_string(result.first_seq) + " entries; run dais-verify");
      }
      add_leaves(*env_, txn, dbs_.merkle, leaves_in_tree, leaves);
    }
    for (const MetaPut& put : meta) {
      MDB_val k = val(put.key), v = val(put.value);
      env_->check(mdb_put(txn, dbs_.meta, &k, &v, 0), "cannot write meta key '" + put.key + "'");
    }
    result.appended = batch.size();
    result.last_seq = batch.empty() ? next : next - 1;
    result.head = Head{next, prev};
  });
  remember_head(result.head, txnid);
  return result;
}

void LmdbStore::remember_head(const Head& head, std::uint64_t txnid) {
  std::lock_guard lock(head_mutex_);
  committed_head_ = head;
  committed_txnid_ = txnid;
}

Head LmdbStore::head() const {
  {
    std::lock_guard lock(head_mutex_);
    if (committed_head_ && env_->last_txnid() == committed_txnid_) return *committed_head_;
  }
  return read_head();
}

Head LmdbStore::read_head(std::uint64_t* txnid) const {
  auto txn = env_->begin_read();
  if (txnid != nullptr) *txnid = mdb_txn_id(txn.get());
  Cursor cursor(*env_, txn.get(), dbs_.events);
  MDB_val key, value;
  const int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_LAST);
  if (rc == MDB_NOTFOUND) return Head{};
  env_->check(rc, "cannot read the head entry");
  Head h;
  if (key.mv_size == format::kKeySize) h.count = format::decode_key(key.mv_data) + 1;
  // A value too short for a hash leaves zeros; head_intact() already says why.
  std::memcpy(h.hash.data(), value.mv_data, std::min(value.mv_size, format::kHashSize));
  return h;
}

std::optional<StoredEvent> LmdbStore::get(std::uint64_t seq) const {
  auto txn = env_->begin_read();
  const auto key_bytes = format::encode_key(seq);
  MDB_val key{key_bytes.size(), const_cast<char*>(key_bytes.data())}, value;
  const int rc = mdb_get(txn.get(), dbs_.events, &key, &value);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  env_->check(rc, "cannot read seq " + std::to_string(seq));
  return to_stored(dir_, key, value);
}

std::vector<StoredEvent> LmdbStore::read_range(std::uint64_t from, std::size_t limit) const {
  std::vector<StoredEvent> out;
  if (limit == 0) return out;
  auto txn = env_->begin_read();
  Cursor cursor(*env_, txn.get(), dbs_.events);
  const auto key_bytes = format::encode_key(from);
  MDB_val key{key_bytes.size(), const_cast<char*>(key_bytes.data())}, value;
  int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_RANGE);
  for (; rc == 0 && out.size() < limit; rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT)) {
    out.push_back(to_stored(dir_, key, value));
  }
  if (rc != 0 && rc != MDB_NOTFOUND) env_->fail(rc, "cannot read events");
  return out;
}

void LmdbStore::scan(std::uint64_t from, const std::function<bool(const StoredEvent&)>& visit) const {
  auto txn = env_->begin_read();
  Cursor cursor(*env_, txn.get(), dbs_.events);
  const auto key_bytes = format::encode_key(from);
  MDB_val key{key_bytes.size(), const_cast<char*>(key_bytes.data())}, value;
  int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_RANGE);
  for (; rc == 0; rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT)) {
    if (!visit(to_stored(dir_, key, value))) return;
  }
  if (rc != MDB_NOTFOUND) env_->fail(rc, "cannot read events");
}

VerifyReport LmdbStore::verify(std::uint64_t from, std::optional<std::uint64_t> to,
                               const VerifyOptions& options) const {
  return verify_events(*env_, dbs_.events, from, to, options);
}

std::uint64_t LmdbStore::tree_size() const {
  if (!dbs_.has_merkle) return 0;
  auto txn = env_->begin_read();
  return read_tree_size(*env_, txn.get(), dbs_.merkle);
}

std::string LmdbStore::read_tile(unsigned level, std::uint64_t index) const {
  if (!dbs_.has_merkle) return {};
  auto txn = env_->begin_read();
  return eventstore::read_tile(*env_, txn.get(), dbs_.merkle, level, index);
}

void LmdbStore::read_tree(const std::function<void(std::uint64_t, const merkle::HashReader&)>& body) const {
  if (!dbs_.has_merkle) {
    body(0, [this](unsigned, std::uint64_t) -> merkle::Hash {
      throw StoreError(dir_.string() + ": this log has no Merkle tree yet (open it writable once to build it)");
    });
    return;
  }
  auto txn = env_->begin_read();
  MDB_txn* t = txn.get();
  const merkle::TileLoader load = [this, t](unsigned level, std::uint64_t index) {
    return eventstore::read_tile(*env_, t, dbs_.merkle, level, index);
  };
  const merkle::HashReader reader = [this, &load](unsigned level, std::uint64_t index) {
    try {
      return merkle::hash_from_tiles(level, index, load);
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const StoreError*>(&e) != nullptr) throw;
      throw StoreError(dir_.string() + ": Merkle " + e.what() + "; run dais-verify");
    }
  };
  body(read_tree_size(*env_, t, dbs_.merkle), reader);
}

std::optional<std::string> LmdbStore::get_meta(std::string_view key_text) const {
  auto txn = env_->begin_read();
  MDB_val key = val(key_text), value;
  if (key_text.empty() || key_text.size() > format::kMaxMetaKeySize) return std::nullopt;
  const int rc = mdb_get(txn.get(), dbs_.meta, &key, &value);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  env_->check(rc, "cannot read meta key '" + std::string(key_text) + "'");
  return std::string(view(value));
}

void LmdbStore::sync() {
  if (!options_.read_only) env_->sync();
}

void LmdbStore::copy_compacted(const std::filesystem::path& out_dir) const {
  const auto out_file = out_dir / "data.mdb";
  if (std::filesystem::exists(out_file)) {
    throw StoreError(out_dir.string() + ": already holds a data.mdb; refusing to overwrite it");
  }
  int rc = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    // begin_read() adopts a map another process has grown and holds this process's map lock
    // shared, so the copy's own read transaction starts on the current map and no resize here
    // runs under it. A writer growing the map in between makes the copy fail with
    // MDB_MAP_RESIZED before it wrote anything: then it is tried again.
    auto txn = begin_read_adopting_map();
    rc = mdb_env_copy2(env_->handle(), out_dir.c_str(), MDB_CP_COMPACT);
    if (rc != MDB_MAP_RESIZED) break;
    std::error_code ignored;
    std::filesystem::remove(out_file, ignored);
  }
  if (rc != 0) {
    std::error_code ignored;
    std::filesystem::remove(out_file, ignored);
    throw StoreError(dir_.string() + ": cannot copy the log to " + out_dir.string() + ": " + mdb_strerror(rc));
  }
}

}  // namespace

std::unique_ptr<Store> Store::open(const std::filesystem::path& dir, const StoreOptions& options) {
  return std::make_unique<LmdbStore>(dir, options);
}

void report_failure_to_stderr(std::string_view problem) {
  std::fprintf(stderr, "dais eventstore %.*s\n", static_cast<int>(problem.size()), problem.data());
}

}  // namespace dais::eventstore

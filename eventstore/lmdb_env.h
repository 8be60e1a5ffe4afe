// RAII over one LMDB environment: opening it, read and write transactions,
// and growing the map when a write runs out of room. Every LMDB failure throws
// LmdbError (a StoreError that keeps LMDB's return code) naming the directory.
// Thread safety: read transactions may begin on any thread (MDB_NOTLS) and run
// concurrently; write() must be called by one thread at a time (the caller
// serialises writers). Every transaction holds a shared lock on the map;
// growing the map takes it exclusively, because LMDB requires that no
// transaction of this process is active while the map is resized.
#pragma once

#include <lmdb.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <shared_mutex>
#include <string_view>

#include "eventstore/store.h"

namespace dais::eventstore {

class LmdbError : public StoreError {
 public:
  LmdbError(const std::string& message, int code) : StoreError(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class LmdbEnv {
 public:
  // Opens the environment in `dir` (which must exist) with `flags` (MDB_NOTLS
  // is always added) and a map of at least `map_bytes`, or the size a previous
  // writer left, whichever is larger.
  LmdbEnv(const std::filesystem::path& dir, unsigned flags, std::size_t map_bytes);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // A read-only transaction; aborted when destroyed unless committed.
  class ReadTxn {
   public:
    ReadTxn(ReadTxn&& other) noexcept;
    ReadTxn& operator=(ReadTxn&&) = delete;
    ~ReadTxn();
    MDB_txn* get() const { return txn_; }
    // Commits, which keeps sub-database handles opened in this transaction.
    void commit();

   private:
    friend class LmdbEnv;
    ReadTxn(const LmdbEnv& env, std::shared_lock<std::shared_mutex> lock, MDB_txn* txn);
    const LmdbEnv* env_;
    std::shared_lock<std::shared_mutex> lock_;
    MDB_txn* txn_;
  };

  ReadTxn begin_read() const;

  // Runs body(txn) in a write transaction and commits it. When the map is
  // full (during body or the commit) the transaction is aborted, the map
  // doubled, and body runs again from scratch: body must depend only on its
  // inputs and on what it reads through txn. Any other throw aborts and
  // propagates; nothing of that transaction is stored.
  void write(const std::function<void(MDB_txn*)>& body);

  void sync();  // flushes to disk now (mdb_env_sync with force)
  std::size_t map_bytes() const;
  // The id of the last committed write transaction of any process (no transaction needed).
  std::uint64_t last_txnid() const;
  MDB_env* handle() const { return env_; }
  const std::filesystem::path& dir() const { return dir_; }

  // Throws LmdbError "<dir>: <what>: <LMDB message>" when rc != 0.
  void check(int rc, std::string_view what) const;
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  MDB_txn* begin(unsigned flags, std::shared_lock<std::shared_mutex>& lock) const;
  void resize(std::size_t bytes) const;  // 0 adopts the size another process set
  void grow() const;                     // doubles the map

  std::filesystem::path dir_;
  MDB_env* env_ = nullptr;
  mutable std::shared_mutex map_mutex_;
};

// Closes the cursor when it goes out of scope (inside its transaction).
class Cursor {
 public:
  Cursor(const LmdbEnv& env, MDB_txn* txn, MDB_dbi dbi);
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace dais::eventstore

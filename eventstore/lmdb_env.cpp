#include "eventstore/lmdb_env.h"

#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

namespace dais::eventstore {

namespace {

constexpr unsigned kMaxDbs = 8;         // events, meta, and room for more beside them
constexpr unsigned kMaxReaders = 512;   // concurrent read transactions of all processes

std::size_t round_to_pages(std::size_t bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return std::max(page, (bytes + page - 1) / page * page);
}

}  // namespace

void LmdbEnv::fail(int rc, std::string_view what) const {
  throw LmdbError(dir_.string() + ": " + std::string(what) + ": " + mdb_strerror(rc), rc);
}

void LmdbEnv::check(int rc, std::string_view what) const {
  if (rc != 0) fail(rc, what);
}

LmdbEnv::LmdbEnv(const std::filesystem::path& dir, unsigned flags, std::size_t map_bytes) : dir_(dir) {
  check(mdb_env_create(&env_), "cannot create an LMDB environment");
  try {
    check(mdb_env_set_maxdbs(env_, kMaxDbs), "cannot set the number of sub-databases");
    check(mdb_env_set_maxreaders(env_, kMaxReaders), "cannot set the number of readers");
    check(mdb_env_set_mapsize(env_, round_to_pages(map_bytes)), "cannot set the map size");
    check(mdb_env_open(env_, dir.c_str(), flags | MDB_NOTLS, 0644), "cannot open the LMDB environment");
    // Adopt the size a previous writer grew the map to, if larger than asked.
    check(mdb_env_set_mapsize(env_, 0), "cannot adopt the stored map size");
    if (this->map_bytes() < round_to_pages(map_bytes)) {
      check(mdb_env_set_mapsize(env_, round_to_pages(map_bytes)), "cannot set the map size");
    }
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

LmdbEnv::~LmdbEnv() { mdb_env_close(env_); }

std::size_t LmdbEnv::map_bytes() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

std::uint64_t LmdbEnv::last_txnid() const {
  std::shared_lock lock(map_mutex_);  // reads the meta pages, which a resize unmaps
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_last_txnid;
}

void LmdbEnv::sync() { check(mdb_env_sync(env_, 1), "cannot sync to disk"); }

void LmdbEnv::resize(std::size_t bytes) const {
  std::unique_lock lock(map_mutex_);
  check(mdb_env_set_mapsize(env_, bytes), "cannot resize the map");
}

void LmdbEnv::grow() const {
  std::unique_lock lock(map_mutex_);
  check(mdb_env_set_mapsize(env_, round_to_pages(map_bytes() * 2)), "cannot grow the map");
}

MDB_txn* LmdbEnv::begin(unsigned flags, std::shared_lock<std::shared_mutex>& lock) const {
  for (;;) {
    lock = std::shared_lock(map_mutex_);
    MDB_txn* txn = nullptr;
    const int rc = mdb_txn_begin(env_, nullptr, flags, &txn);
    if (rc == 0) return txn;
    if (rc != MDB_MAP_RESIZED) fail(rc, "cannot begin a transaction");
    // Another process grew the map beyond ours: adopt its size, then retry.
    lock.unlock();
    resize(0);
  }
}

LmdbEnv::ReadTxn LmdbEnv::begin_read() const {
  std::shared_lock<std::shared_mutex> lock;
  MDB_txn* txn = begin(MDB_RDONLY, lock);
  return ReadTxn(*this, std::move(lock), txn);
}

LmdbEnv::ReadTxn::ReadTxn(const LmdbEnv& env, std::shared_lock<std::shared_mutex> lock, MDB_txn* txn)
    : env_(&env), lock_(std::move(lock)), txn_(txn) {}

LmdbEnv::ReadTxn::ReadTxn(ReadTxn&& other) noexcept
    : env_(other.env_), lock_(std::move(other.lock_)), txn_(std::exchange(other.txn_, nullptr)) {}

LmdbEnv::ReadTxn::~ReadTxn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

void LmdbEnv::ReadTxn::commit() {
  const int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  env_->check(rc, "cannot commit a read transaction");
}

void LmdbEnv::write(const std::function<void(MDB_txn*)>& body) {
  for (;;) {
    int rc = 0;
    {
      std::shared_lock<std::shared_mutex> lock;
      MDB_txn* txn = begin(0, lock);
      try {
        body(txn);
      } catch (const LmdbError& e) {
        mdb_txn_abort(txn);
        if (e.code() != MDB_MAP_FULL) throw;
        rc = MDB_MAP_FULL;
      } catch (...) {
        mdb_txn_abort(txn);
        throw;
      }
      if (rc == 0) {
        rc = mdb_txn_commit(txn);  // frees txn whatever the outcome
        if (rc == 0) return;
        if (rc != MDB_MAP_FULL) fail(rc, "cannot commit");
      }
    }
    // The shared lock is released: grow once every transaction of this process has ended.
    grow();
  }
}

Cursor::Cursor(const LmdbEnv& env, MDB_txn* txn, MDB_dbi dbi) {
  env.check(mdb_cursor_open(txn, dbi, &cursor_), "cannot open a cursor");
}

}  // namespace dais::eventstore

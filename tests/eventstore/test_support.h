// Helpers shared by the event store tests: drafts, raw LMDB access to damage
// a log on purpose, and running dais-verify.
#pragma once

#include <lmdb.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "eventstore/log_format.h"
#include "eventstore/store.h"
#include "tests/support/child_process.h"

namespace dais::eventstore::testing {

inline EventDraft draft(std::uint64_t step, const std::string& type = "VoteCast", int n = 0) {
  return EventDraft{type, step,
                    R"({"signature_id":"sig-)" + std::to_string(n) + R"(","voter":)" + std::to_string(n % 7) +
                        R"(,"approve":true,"similarity":0.875})"};
}

inline std::vector<EventDraft> drafts(std::size_t count, std::uint64_t step = 1, int first = 0) {
  std::vector<EventDraft> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(draft(step, "VoteCast", first + static_cast<int>(i)));
  return out;
}

// Writes a log of `count` events in batches of `batch`, then closes it.
inline void write_log(const std::filesystem::path& dir, std::size_t count, std::size_t batch = 10) {
  auto store = Store::open(dir);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(batch, count - done);
    store->append(drafts(n, done / batch, static_cast<int>(done)));
    done += n;
  }
}

// RFC 9162's MTH written out recursively over leaf hashes: the reference the
// stored tree is compared with.
inline merkle::Hash naive_root(const std::vector<merkle::Hash>& leaves, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return leaves[lo];
  std::size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return merkle::node_hash(naive_root(leaves, lo, lo + k), naive_root(leaves, lo + k, hi));
}

// The leaf hashes of the first `count` entries, read back from the store.
inline std::vector<merkle::Hash> leaves_of(const Store& store, std::uint64_t count) {
  std::vector<merkle::Hash> leaves;
  store.scan(0, [&](const StoredEvent& e) {
    if (e.seq >= count) return false;
    leaves.push_back(merkle::leaf_hash(e.bytes));
    return true;
  });
  return leaves;
}

// Raw LMDB access to a closed log, to damage it the way a disk or a bug could.
class RawLog {
 public:
  explicit RawLog(const std::filesystem::path& dir) {
    check(mdb_env_create(&env_));
    check(mdb_env_set_maxdbs(env_, 8));
    check(mdb_env_set_mapsize(env_, std::size_t{1} << 30));
    check(mdb_env_open(env_, dir.c_str(), 0, 0644));
    check(mdb_txn_begin(env_, nullptr, 0, &txn_));
    check(mdb_dbi_open(txn_, format::kEventsDb, 0, &events_));
  }
  ~RawLog() {
    if (txn_) mdb_txn_abort(txn_);
    mdb_env_close(env_);
  }
  std::string get(std::uint64_t seq) {
    auto key = format::encode_key(seq);
    MDB_val k{key.size(), key.data()}, v;
    check(mdb_get(txn_, events_, &k, &v));
    return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
  }
  void put(std::uint64_t seq, const std::string& value) {
    auto key = format::encode_key(seq);
    MDB_val k{key.size(), key.data()}, v{value.size(), const_cast<char*>(value.data())};
    check(mdb_put(txn_, events_, &k, &v, 0));
  }
  void del(std::uint64_t seq) {
    auto key = format::encode_key(seq);
    MDB_val k{key.size(), key.data()};
    check(mdb_del(txn_, events_, &k, nullptr));
  }
  // A tile of the Merkle sub-database (key: level byte + 8-byte index).
  std::string get_tile(unsigned level, std::uint64_t index) {
    MDB_val k = tile_key(level, index), v;
    check(mdb_get(txn_, merkle(), &k, &v));
    return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
  }
  void put_tile(unsigned level, std::uint64_t index, const std::string& value) {
    MDB_val k = tile_key(level, index), v{value.size(), const_cast<char*>(value.data())};
    check(mdb_put(txn_, merkle(), &k, &v, 0));
  }
  void commit() {
    check(mdb_txn_commit(txn_));
    txn_ = nullptr;
  }

 private:
  MDB_dbi merkle() {
    if (merkle_ == 0) check(mdb_dbi_open(txn_, format::kMerkleDb, 0, &merkle_));
    return merkle_;
  }
  MDB_val tile_key(unsigned level, std::uint64_t index) {
    tile_key_[0] = static_cast<char>(level);
    const auto rest = format::encode_key(index);
    std::copy(rest.begin(), rest.end(), tile_key_.begin() + 1);
    return MDB_val{tile_key_.size(), tile_key_.data()};
  }
  static void check(int rc) {
    if (rc != 0) throw std::runtime_error(std::string("raw LMDB: ") + mdb_strerror(rc));
  }
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
  MDB_dbi events_ = 0;
  MDB_dbi merkle_ = 0;
  std::array<char, format::kTileKeySize> tile_key_{};
};

// dais-verify with `args`, its stdout and stderr together in `output`.
inline dais::test::RunResult run_verify_tool(const std::vector<std::string>& args) {
  std::vector<std::string> argv{dais::test::program("dais-verify")};
  argv.insert(argv.end(), args.begin(), args.end());
  return dais::test::run(argv, {.streams = dais::test::Streams::merged});
}

}  // namespace dais::eventstore::testing

#include "eventstore/lmdb_tree.h"

#include <vector>

#include "eventstore/log_format.h"

namespace dais::eventstore {

namespace {

std::array<char, format::kTileKeySize> tile_key(unsigned level, std::uint64_t index) {
  std::array<char, format::kTileKeySize> key{};
  key[0] = static_cast<char>(level);
  const auto rest = format::encode_key(index);
  std::copy(rest.begin(), rest.end(), key.begin() + 1);
  return key;
}

}  // namespace

std::uint64_t read_tree_size(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree) {
  MDB_val key{format::kTreeSizeKey.size(), const_cast<char*>(format::kTreeSizeKey.data())}, value;
  const int rc = mdb_get(txn, tree, &key, &value);
  if (rc == MDB_NOTFOUND) return 0;
  env.check(rc, "cannot read the Merkle tree size");
  if (value.mv_size != format::kKeySize) {
    throw StoreError(env.dir().string() + ": the Merkle tree size is " + std::to_string(value.mv_size) +
                     " bytes, not 8; run dais-verify");
  }
  return format::decode_key(value.mv_data);
}

std::string read_tile(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree, unsigned level, std::uint64_t index) {
  auto key_bytes = tile_key(level, index);
  MDB_val key{key_bytes.size(), key_bytes.data()}, value;
  const int rc = mdb_get(txn, tree, &key, &value);
  if (rc == MDB_NOTFOUND) return {};
  env.check(rc, "cannot read a Merkle tile");
  return std::string(static_cast<const char*>(value.mv_data), value.mv_size);
}

void add_leaves(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree, std::uint64_t size,
                std::span<const merkle::Hash> leaves) {
  if (leaves.empty()) return;
  merkle::TileAppender appender(
      size, [&](unsigned level, std::uint64_t index) { return read_tile(env, txn, tree, level, index); });
  try {
    appender.add(leaves);
  } catch (const std::runtime_error& e) {
    throw StoreError(env.dir().string() + ": " + e.what() + "; run dais-verify");
  }
  for (const auto& [where, bytes] : appender.dirty()) {
    auto key_bytes = tile_key(where.first, where.second);
    MDB_val key{key_bytes.size(), key_bytes.data()};
    MDB_val value{bytes.size(), const_cast<char*>(bytes.data())};
    env.check(mdb_put(txn, tree, &key, &value, 0), "cannot write a Merkle tile");
  }
  const auto size_bytes = format::encode_key(appender.size());
  MDB_val key{format::kTreeSizeKey.size(), const_cast<char*>(format::kTreeSizeKey.data())};
  MDB_val value{size_bytes.size(), const_cast<char*>(size_bytes.data())};
  env.check(mdb_put(txn, tree, &key, &value, 0), "cannot write the Merkle tree size");
}

std::uint64_t extend_tree_from_events(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree, MDB_dbi events,
                                      std::uint64_t to) {
  const std::uint64_t size = read_tree_size(env, txn, tree);
  if (size >= to) return size;
  std::vector<merkle::Hash> leaves;
  leaves.reserve(to - size);
  Cursor cursor(env, txn, events);
  const auto key_bytes = format::encode_key(size);
  MDB_val key{key_bytes.size(), const_cast<char*>(key_bytes.data())}, value;
  int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_KEY);
  for (std::uint64_t seq = size; seq < to; ++seq) {
    if (rc != 0 && rc != MDB_NOTFOUND) env.check(rc, "cannot read events for the Merkle tree");
    if (rc == MDB_NOTFOUND || key.mv_size != format::kKeySize || format::decode_key(key.mv_data) != seq ||
        value.mv_size < format::kHashSize) {
      throw StoreError(env.dir().string() + ": cannot extend the Merkle tree: entry " + std::to_string(seq) +
                       " is missing or malformed; run dais-verify");
    }
    leaves.push_back(merkle::leaf_hash(std::string_view(static_cast<const char*>(value.mv_data) + format::kHashSize,
                                                        value.mv_size - format::kHashSize)));
    rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT);
  }
  add_leaves(env, txn, tree, size, leaves);
  return to;
}

}  // namespace dais::eventstore

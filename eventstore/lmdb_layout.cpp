#include "eventstore/lmdb_layout.h"

#include <cstring>

#include "eventstore/entry_check.h"
#include "eventstore/event_codec.h"
#include "eventstore/log_format.h"

namespace dais::eventstore {

namespace {

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

}  // namespace

void refuse(const std::filesystem::path& dir, const std::string& what) {
  throw StoreError(dir.string() + ": not a DAIS log: " + what + "; refusing to touch it");
}

EnvKind classify(const LmdbEnv& env) {
  auto txn = env.begin_read();
  MDB_dbi meta;
  int rc = mdb_dbi_open(txn.get(), format::kMetaDb, 0, &meta);
  if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
    MDB_dbi main_db;
    env.check(mdb_dbi_open(txn.get(), nullptr, 0, &main_db), "cannot open the main database");
    MDB_stat stat;
    env.check(mdb_stat(txn.get(), main_db, &stat), "cannot read the main database");
    if (stat.ms_entries == 0) return EnvKind::blank;
    std::string names;
    Cursor cursor(env, txn.get(), main_db);
    MDB_val key, value;
    int n = 0;
    for (rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_FIRST); rc == 0 && n < 5;
         rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT), ++n) {
      names += (n ? ", '" : "'") + std::string(view(key)) + "'";
    }
    refuse(env.dir(), "an LMDB environment without the DAIS format marker (its main database holds " +
                          std::to_string(stat.ms_entries) + " keys: " + names + ")");
  }
  env.check(rc, "cannot open the meta sub-database");
  const auto key_bytes = std::string(format::kMarkerKey);
  MDB_val key = val(key_bytes), value;
  rc = mdb_get(txn.get(), meta, &key, &value);
  if (rc == MDB_NOTFOUND) refuse(env.dir(), "an LMDB environment whose 'meta' sub-database has no 'format' key");
  env.check(rc, "cannot read the format marker");
  if (view(value) != format::kMarker) {
    throw StoreError(env.dir().string() + ": log format '" + std::string(view(value)) +
                     "' is not supported (this program reads '" + std::string(format::kMarker) + "')");
  }
  MDB_dbi events;
  rc = mdb_dbi_open(txn.get(), format::kEventsDb, 0, &events);
  if (rc == MDB_NOTFOUND) refuse(env.dir(), "an LMDB environment with the DAIS format marker but no 'events'");
  env.check(rc, "cannot open the events sub-database");
  return EnvKind::dais_log;
}

Handles create_log(LmdbEnv& env, bool with_tree) {
  Handles h;
  env.write([&](MDB_txn* txn) {
    env.check(mdb_dbi_open(txn, format::kEventsDb, MDB_CREATE, &h.events), "cannot create the events sub-database");
    env.check(mdb_dbi_open(txn, format::kMetaDb, MDB_CREATE, &h.meta), "cannot create the meta sub-database");
    if (with_tree) {
      env.check(mdb_dbi_open(txn, format::kMerkleDb, MDB_CREATE, &h.merkle), "cannot create the merkle sub-database");
    }
    h.has_merkle = with_tree;
    const auto key_bytes = std::string(format::kMarkerKey);
    MDB_val key = val(key_bytes), value = val(format::kMarker);
    env.check(mdb_put(txn, h.meta, &key, &value, 0), "cannot write the format marker");
  });
  return h;
}

Handles open_handles(const LmdbEnv& env) {
  Handles h;
  auto txn = env.begin_read();
  env.check(mdb_dbi_open(txn.get(), format::kEventsDb, 0, &h.events), "cannot open the events sub-database");
  env.check(mdb_dbi_open(txn.get(), format::kMetaDb, 0, &h.meta), "cannot open the meta sub-database");
  const int rc = mdb_dbi_open(txn.get(), format::kMerkleDb, 0, &h.merkle);
  if (rc != MDB_NOTFOUND) env.check(rc, "cannot open the merkle sub-database");
  h.has_merkle = rc == 0;
  txn.commit();  // keeps the handles for the environment's lifetime
  return h;
}

void create_merkle(LmdbEnv& env, Handles& handles) {
  env.write([&](MDB_txn* txn) {
    env.check(mdb_dbi_open(txn, format::kMerkleDb, MDB_CREATE, &handles.merkle),
              "cannot create the merkle sub-database");
  });
  handles.has_merkle = true;
}

StoredEvent to_stored(const std::filesystem::path& dir, const MDB_val& key, const MDB_val& value) {
  StoredEvent e;
  e.seq = key.mv_size == format::kKeySize ? format::decode_key(key.mv_data) : 0;
  if (key.mv_size != format::kKeySize || value.mv_size < format::kHashSize) {
    throw StoreError(dir.string() + ": entry with key " + to_hex(view(key)) + " is malformed (key of " +
                     std::to_string(key.mv_size) + " bytes, value of " + std::to_string(value.mv_size) +
                     " bytes); run dais-verify");
  }
  std::memcpy(e.hash.data(), value.mv_data, format::kHashSize);
  e.bytes.assign(static_cast<const char*>(value.mv_data) + format::kHashSize, value.mv_size - format::kHashSize);
  e.type = decode_type(e.bytes);
  return e;
}

std::string check_head(const LmdbEnv& env, MDB_dbi events) {
  auto txn = env.begin_read();
  Cursor cursor(env, txn.get(), events);
  MDB_val key, value;
  int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_LAST);
  if (rc == MDB_NOTFOUND) return {};
  env.check(rc, "cannot read the head entry");
  if (key.mv_size != format::kKeySize) {
    return "the last key is " + std::to_string(key.mv_size) + " bytes, not an 8-byte seq";
  }
  const std::uint64_t seq = format::decode_key(key.mv_data);
  std::string reason;
  Hash prev;
  if (check_entry(seq, view(value), prev, &reason) != Problem::none) {
    return "head seq " + std::to_string(seq) + ": " + reason;
  }
  if (seq == 0) {
    if (prev != Hash{}) return "head seq 0: prev is not 64 zeros";
  } else {
    MDB_val before_value;
    rc = mdb_cursor_get(cursor.get(), &key, &before_value, MDB_PREV);
    if (rc == MDB_NOTFOUND || key.mv_size != format::kKeySize || format::decode_key(key.mv_data) != seq - 1) {
      return "head seq " + std::to_string(seq) + ": seq " + std::to_string(seq - 1) + " is missing";
    }
    env.check(rc, "cannot read the entry before the head");
    if (before_value.mv_size < format::kHashSize ||
        std::memcmp(before_value.mv_data, prev.data(), format::kHashSize) != 0) {
      return "head seq " + std::to_string(seq) + ": prev differs from the stored hash of seq " +
             std::to_string(seq - 1);
    }
  }
  MDB_stat stat;
  env.check(mdb_stat(txn.get(), events, &stat), "cannot count the entries");
  if (stat.ms_entries != seq + 1) {
    return "the head is seq " + std::to_string(seq) + " but the log holds " + std::to_string(stat.ms_entries) +
           " entries, so some are missing";
  }
  return {};
}

}  // namespace dais::eventstore

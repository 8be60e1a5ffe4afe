// What an LMDB environment of the event store holds, and the entries' layout
// in it: deciding whether a directory's environment is a DAIS log, a blank
// environment or something else; creating and opening the log's
// sub-databases; turning an LMDB entry into a StoredEvent; and the check of
// the head entry on open. Used by LmdbStore only.
// Pure functions over an open environment; thread-safe as LmdbEnv is.
// Errors: StoreError (refuse() for a directory that is not a DAIS log).
#pragma once

#include <lmdb.h>

#include <filesystem>
#include <string>

#include "eventstore/lmdb_env.h"
#include "eventstore/store.h"

namespace dais::eventstore {

// What an existing LMDB environment turned out to be.
enum class EnvKind { dais_log, blank };

struct Handles {
  MDB_dbi events = 0;
  MDB_dbi meta = 0;
  MDB_dbi merkle = 0;
  bool has_merkle = false;  // false for a log written before the tree, opened read-only
};

// Throws StoreError: `dir` holds `what`, which is not a DAIS log.
[[noreturn]] void refuse(const std::filesystem::path& dir, const std::string& what);

// Reads an existing environment (opened read-only) and decides whether it is
// a DAIS log, a blank environment (created but never written: adopted), or
// something else (refused, naming what it holds).
EnvKind classify(const LmdbEnv& env);

// Creates the sub-databases and the format marker of a new log (the Merkle one when with_tree).
Handles create_log(LmdbEnv& env, bool with_tree);
// Opens the sub-databases of an existing log for the environment's lifetime.
Handles open_handles(const LmdbEnv& env);
// Creates the Merkle sub-database of a log written before it existed (writable env).
void create_merkle(LmdbEnv& env, Handles& handles);

// The entry as a StoredEvent (type read from its envelope); throws StoreError
// naming the key for an entry too short to hold a hash.
StoredEvent to_stored(const std::filesystem::path& dir, const MDB_val& key, const MDB_val& value);

// Checks the last entry on its own and its link to seq - 1, and that the
// number of entries matches the head seq (no hole below). Returns why it is
// inconsistent, or an empty string.
std::string check_head(const LmdbEnv& env, MDB_dbi events);

}  // namespace dais::eventstore

// The Merkle tree's storage in LMDB (sub-database `merkle`, docs/MERKLE.md):
// reading the tree size and tiles inside a transaction, and extending the tree
// by leaves inside the same write transaction that appends their events, so
// the tree and the chain can never disagree after a crash. Used by LmdbStore.
// Thread safety: as the transaction passed in (one thread per transaction).
// Errors: LmdbError for LMDB failures; StoreError for a tree whose stored
// tiles do not fit its size (damage), naming the directory.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <span>
#include <string>

#include "eventstore/lmdb_env.h"
#include "eventstore/merkle.h"

namespace dais::eventstore {

// Leaves in the stored tree (0 when the sub-database has none yet).
std::uint64_t read_tree_size(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree);

// The stored hashes of tile (level, index), width·32 bytes; empty when absent.
std::string read_tile(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree, unsigned level, std::uint64_t index);

// Adds `leaves` after the stored tree's `size` leaves and writes the changed tiles
// and the new size.
void add_leaves(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree, std::uint64_t size,
                std::span<const merkle::Hash> leaves);

// Extends the stored tree with the leaves of events [tree size, to) read from
// `events` (a log written before the tree existed, or with it turned off).
// Returns the new tree size.
std::uint64_t extend_tree_from_events(const LmdbEnv& env, MDB_txn* txn, MDB_dbi tree, MDB_dbi events,
                                      std::uint64_t to);

}  // namespace dais::eventstore

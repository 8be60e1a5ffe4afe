// Verifies a range of the `events` sub-database chunk by chunk: worker
// threads each walk a slice of the chunk with their own read transaction and
// check entries on their own (entry_check.h); then the calling thread checks
// keys and prev links in order and reports the first bad seq. Transactions
// last one chunk, so a long verification never blocks map growth for long.
// Thread-safe (only reads); throws StoreError on LMDB failures or from > to.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <optional>

#include "eventstore/lmdb_env.h"
#include "eventstore/store.h"

namespace dais::eventstore {

VerifyReport verify_events(const LmdbEnv& env, MDB_dbi events, std::uint64_t from,
                           std::optional<std::uint64_t> to, const VerifyOptions& options);

}  // namespace dais::eventstore

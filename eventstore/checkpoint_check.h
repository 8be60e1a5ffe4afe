// Checks a signed checkpoint offline against a log (dais-verify --checkpoint):
// the signature by the verifier key, the tree size against the log's length,
// and the root against the RFC 6962 tree recomputed from the entries
// themselves (not from the stored tiles, which are then compared too).
// Thread safety: as Store reads. Errors: never throws for a bad checkpoint
// (the result says why); StoreError when the log cannot be read.
#pragma once

#include <string>
#include <string_view>

#include "eventstore/checkpoint.h"
#include "eventstore/signed_note.h"
#include "eventstore/store.h"

namespace dais::eventstore {

struct CheckpointVerdict {
  bool ok = false;
  std::string reason;      // why it was rejected; empty when ok
  Checkpoint checkpoint;   // as parsed (when it parsed)
  bool tiles_checked = false;  // the stored tiles covered the size and agreed
};

// The root of the RFC 6962 tree over the first `size` entries, computed from
// their bytes with O(log n) memory. Throws StoreError when an entry is missing.
merkle::Hash root_from_entries(const Store& store, std::uint64_t size);

// Reads every stored tile and checks the tree against the entries (size, tile widths, root
// recomputed from the entries). Empty when they agree; otherwise why not. daisd runs it, in a
// child process, before it signs anything of an existing log.
std::string tree_problem(const Store& store);

CheckpointVerdict check_checkpoint(const Store& store, std::string_view signed_note, const note::VerifierKey& key);

}  // namespace dais::eventstore

// Signs the store's tree head as a C2SP checkpoint after each commit and
// keeps the latest signed note for readers (GET /checkpoint, the stream).
// Checkpoints are beside the chain, never in it: the log's bytes do not
// depend on the key (docs/MERKLE.md).
// Thread safety: refresh() and latest() may be called from any threads.
// Ownership: holds a reference to the store, which must outlive it.
// Errors: refresh() throws StoreError (reading the tree) or note::NoteError.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "eventstore/checkpoint.h"
#include "eventstore/signed_note.h"
#include "eventstore/store.h"

namespace dais::eventstore {

struct SignedCheckpoint {
  Checkpoint checkpoint;
  std::string note;  // the checkpoint text and its signature line
};

class Checkpointer {
 public:
  Checkpointer(const Store& store, note::SigningKey key);
  // Signs the tree as it is now (unless the latest checkpoint already has its size) and returns it.
  std::shared_ptr<const SignedCheckpoint> refresh();
  // The latest signed checkpoint; null before the first refresh().
  std::shared_ptr<const SignedCheckpoint> latest() const;
  const note::VerifierKey& verifier() const { return key_.verifier(); }

 private:
  const Store& store_;
  note::SigningKey key_;
  std::mutex refresh_mutex_;  // one signer at a time
  mutable std::mutex latest_mutex_;
  std::shared_ptr<const SignedCheckpoint> latest_;
};

}  // namespace dais::eventstore

#include "eventstore/checkpointer.h"

#include "eventstore/tree_queries.h"

namespace dais::eventstore {

Checkpointer::Checkpointer(const Store& store, note::SigningKey key) : store_(store), key_(std::move(key)) {}

std::shared_ptr<const SignedCheckpoint> Checkpointer::refresh() {
  std::lock_guard lock(refresh_mutex_);
  const TreeHead head = tree_head(store_);
  if (auto current = latest(); current && current->checkpoint.size == head.size) return current;
  auto signed_checkpoint = std::make_shared<SignedCheckpoint>();
  signed_checkpoint->checkpoint = Checkpoint{key_.verifier().name, head.size, head.root};
  signed_checkpoint->note = key_.sign(checkpoint_text(signed_checkpoint->checkpoint));
  std::lock_guard latest_lock(latest_mutex_);
  latest_ = signed_checkpoint;
  return latest_;
}

std::shared_ptr<const SignedCheckpoint> Checkpointer::latest() const {
  std::lock_guard lock(latest_mutex_);
  return latest_;
}

}  // namespace dais::eventstore

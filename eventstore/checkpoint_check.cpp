#include "eventstore/checkpoint_check.h"

#include <vector>

#include "eventstore/tree_queries.h"

namespace dais::eventstore {

merkle::Hash root_from_entries(const Store& store, std::uint64_t size) {
  if (size == 0) return sha256("");
  // The complete subtrees so far, left to right, with their heights: a binary counter.
  std::vector<std::pair<unsigned, merkle::Hash>> stack;
  std::uint64_t next = 0;
  store.scan(0, [&](const StoredEvent& e) {
    if (e.seq != next) return false;
    stack.emplace_back(0, merkle::leaf_hash(e.bytes));
    while (stack.size() >= 2 && stack[stack.size() - 2].first == stack.back().first) {
      const auto right = stack.back();
      stack.pop_back();
      stack.back() = {right.first + 1, merkle::node_hash(stack.back().second, right.second)};
    }
    return ++next < size;
  });
  if (next != size) {
    throw StoreError(store.directory().string() + ": entry " + std::to_string(next) + " is missing");
  }
  merkle::Hash root = stack.back().second;
  for (std::size_t i = stack.size() - 1; i-- > 0;) root = merkle::node_hash(stack[i].second, root);
  return root;
}

CheckpointVerdict check_checkpoint(const Store& store, std::string_view signed_note, const note::VerifierKey& key) {
  CheckpointVerdict v;
  std::string text;
  try {
    text = note::open(signed_note, key);
  } catch (const note::NoteError& e) {
    v.reason = std::string("signature: ") + e.what();
    return v;
  }
  std::string why;
  const auto parsed = parse_checkpoint(text, &why);
  if (!parsed) {
    v.reason = "not a checkpoint: " + why;
    return v;
  }
  v.checkpoint = *parsed;
  if (parsed->origin != key.name) {
    v.reason = "the checkpoint's origin '" + parsed->origin + "' is not the key's name '" + key.name + "'";
    return v;
  }
  const std::uint64_t count = store.head().count;
  if (parsed->size > count) {
    v.reason = "the checkpoint covers " + std::to_string(parsed->size) + " entries but the log holds only " +
               std::to_string(count) + " (truncated, or the checkpoint is of another log)";
    return v;
  }
  const merkle::Hash root = root_from_entries(store, parsed->size);
  if (root != parsed->root) {
    v.reason = "the log's first " + std::to_string(parsed->size) + " entries have Merkle root " + to_hex(root) +
               ", the checkpoint says " + to_hex(parsed->root) + " (the log was rewritten, or the checkpoint is of another log)";
    return v;
  }
  if (store.tree_size() >= parsed->size) {
    if (tree_root(store, parsed->size) != root) {
      v.reason = "the entries match the checkpoint but the stored Merkle tiles do not (the tiles are damaged; "
                 "proofs served from them would fail)";
      return v;
    }
    v.tiles_checked = true;
  }
  v.ok = true;
  return v;
}

}  // namespace dais::eventstore

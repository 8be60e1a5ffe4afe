#include "eventstore/checkpoint_check.h"

#include <algorithm>
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

std::string tree_problem(const Store& store) {
  if (!store.head_intact()) return store.head_problem();
  const std::uint64_t size = store.tree_size();
  const std::uint64_t count = store.head().count;
  if (size > count) {
    return "the Merkle tree holds " + std::to_string(size) + " leaves but the log only " + std::to_string(count);
  }
  // Every tile the log's entries could need is read (also past the tree's size, where a writable
  // open will extend the tree), so damage anywhere in the tree shows here and not in a later append.
  for (unsigned level = 0; merkle::tile_width(level, 0, count) > 0; ++level) {
    for (std::uint64_t index = 0;; ++index) {
      if (merkle::tile_width(level, index, count) == 0) break;
      const unsigned width = merkle::tile_width(level, index, size);
      const std::size_t stored = store.read_tile(level, index).size();
      if (stored != std::size_t{width} * 32) {
        return "Merkle tile " + merkle::tile_path({level, index, std::max(width, 1u)}) + " holds " +
               std::to_string(stored) + " bytes, not " + std::to_string(width * 32) + " for a tree of " +
               std::to_string(size);
      }
    }
  }
  if (size > 0 && tree_root(store, size) != root_from_entries(store, size)) {
    return "the stored Merkle tiles do not match the entries (a tile is damaged)";
  }
  return {};
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

// The RFC 6962 / RFC 9162 Merkle tree over the log's entries, as pure
// functions: leaf and node hashes, the tree hash, inclusion and consistency
// proofs (built and checked), and the tlog-tiles layout (height 8) the store
// keeps the tree in (docs/MERKLE.md). Leaf index = seq; leaf hash =
// SHA-256(0x00 ‖ the stored event bytes); node = SHA-256(0x01 ‖ left ‖ right).
//
// Hashes of complete subtrees are read through a HashReader, so the same code
// runs over an in-memory vector (tests), LMDB tiles (the store) or tiles
// fetched over HTTP. A subtree at (level L, index K) covers leaves
// [K·2^L, (K+1)·2^L).
// Thread safety: pure functions; TileAppender is a plain value (one thread).
// Errors: std::invalid_argument for arguments outside the tree (index >= size,
// from > to, ...); the verify_* functions return false instead of throwing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/sha256.h"

namespace dais::eventstore::merkle {

using Hash = dais::Digest;

inline constexpr unsigned kTileHeight = 8;
inline constexpr unsigned kTileWidth = 1u << kTileHeight;  // hashes in a full tile

Hash leaf_hash(std::string_view entry_bytes);
Hash node_hash(const Hash& left, const Hash& right);
// SHA-256(entry) (the log's chain hash, docs/LOG_FORMAT.md) and leaf_hash(entry),
// computed together in one pass over the bytes (common/sha256_pair.h): the
// append path needs both, and the second costs far less this way than alone.
void entry_and_leaf_hash(std::string_view entry_bytes, Hash& entry, Hash& leaf);
// The root of a complete subtree from its `count` leftmost hashes (a power of
// two, 1 to 256: at most a tile), 32 bytes each, stored contiguously at
// `hashes`; sibling nodes are hashed two at a time. std::invalid_argument for
// any other count.
Hash subtree_root(const char* hashes, std::size_t count);

// Hash of the complete subtree at (level, index). May throw (e.g. a missing tile).
using HashReader = std::function<Hash(unsigned level, std::uint64_t index)>;

// MTH(D[0:size]); the hash of the empty tree (SHA-256 of nothing) for size 0.
Hash tree_hash(std::uint64_t size, const HashReader& read);
// PATH(index, D[0:size]) of RFC 9162 §2.1.3.1; index < size.
std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size, const HashReader& read);
// PROOF(from, D[0:to]) of RFC 9162 §2.1.4.1; 0 < from <= to (empty when from == to).
std::vector<Hash> consistency_proof(std::uint64_t from, std::uint64_t to, const HashReader& read);

// RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `size` with `root`?
bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size, std::span<const Hash> proof,
                      const Hash& root);
// RFC 9162 §2.1.4.2: is the tree (to, new_root) an extension of (from, old_root)?
bool verify_consistency(std::uint64_t from, std::uint64_t to, std::span<const Hash> proof, const Hash& old_root,
                        const Hash& new_root);

// A tile of tlog-tiles: the hashes at level kTileHeight·level, indexes
// [index·256, index·256 + width). width 256 = full, else partial.
struct TileId {
  unsigned level = 0;
  std::uint64_t index = 0;
  unsigned width = kTileWidth;
  bool operator==(const TileId&) const = default;
};

// Width of tile (level, index) in the tree of `size` (0: no such tile yet).
unsigned tile_width(unsigned level, std::uint64_t index, std::uint64_t size);
// "tile/8/L/x001/234[.p/W]" (no leading slash), as tlog-tiles names it.
std::string tile_path(const TileId& tile);
// The inverse, for a path after "tile/8/"... given whole ("tile/8/0/x001/234.p/7");
// nullopt for anything that is not a well-formed height-8 hash tile path.
std::optional<TileId> parse_tile_path(std::string_view path);

// Loads the stored bytes (width·32) of tile (level, index); empty when absent.
using TileLoader = std::function<std::string(unsigned level, std::uint64_t index)>;

// Hash of the complete subtree (level, index), computed from the tile holding
// its leaves' level (at most 128 node hashes). Throws std::runtime_error when
// the tile is missing or too narrow.
Hash hash_from_tiles(unsigned level, std::uint64_t index, const TileLoader& load);

// Adds leaves to a tree stored as tiles: feeds each leaf hash into the level-0
// tile and carries each completed tile's root up a level. Only the last tile
// of each level ever changes, so at most one tile per level is dirty.
class TileAppender {
 public:
  // `size`: leaves already in the stored tree; `load` reads its last tiles.
  TileAppender(std::uint64_t size, TileLoader load);
  void add(const Hash& leaf);
  // The same as add() for each leaf in turn, but copies each run of leaves into
  // its level-0 tile at once (the append path adds a whole batch).
  void add(std::span<const Hash> leaves);
  std::uint64_t size() const { return size_; }
  // The changed tiles: (level, index) -> all its hashes (width·32 bytes).
  const std::map<std::pair<unsigned, std::uint64_t>, std::string>& dirty() const { return dirty_; }

 private:
  std::string& tile(unsigned level, std::uint64_t index);
  // Tile holding `position` of `level`, checked to end exactly there.
  std::string& tile_at(unsigned level, std::uint64_t position);
  void push(unsigned level, std::uint64_t position, const Hash& hash);

  std::uint64_t size_;
  TileLoader load_;
  std::map<std::pair<unsigned, std::uint64_t>, std::string> dirty_;
};

}  // namespace dais::eventstore::merkle

#include "eventstore/merkle.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "common/sha256_pair.h"

namespace dais::eventstore::merkle {

namespace {

// Largest power of two strictly below n (n >= 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[lo:hi]) following RFC 9162's split; an aligned power-of-two range is
// one complete subtree and read in one go.
Hash range_hash(std::uint64_t lo, std::uint64_t hi, const HashReader& read) {
  const std::uint64_t n = hi - lo;
  if (std::has_single_bit(n) && lo % n == 0) {
    const auto level = static_cast<unsigned>(std::countr_zero(n));
    return read(level, lo >> level);
  }
  const std::uint64_t k = split_point(n);
  return node_hash(range_hash(lo, lo + k, read), range_hash(lo + k, hi, read));
}

void path(std::uint64_t m, std::uint64_t lo, std::uint64_t hi, const HashReader& read, std::vector<Hash>& out) {
  if (hi - lo <= 1) return;
  const std::uint64_t k = split_point(hi - lo);
  if (m < lo + k) {
    path(m, lo, lo + k, read, out);
    out.push_back(range_hash(lo + k, hi, read));
  } else {
    path(m, lo + k, hi, read, out);
    out.push_back(range_hash(lo, lo + k, read));
  }
}

// SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1, m counted from lo.
void subproof(std::uint64_t m, std::uint64_t lo, std::uint64_t hi, bool whole, const HashReader& read,
              std::vector<Hash>& out) {
  const std::uint64_t n = hi - lo;
  if (m == n) {
    if (!whole) out.push_back(range_hash(lo, hi, read));
    return;
  }
  const std::uint64_t k = split_point(n);
  if (m <= k) {
    subproof(m, lo, lo + k, whole, read, out);
    out.push_back(range_hash(lo + k, hi, read));
  } else {
    subproof(m - k, lo + k, hi, false, read, out);
    out.push_back(range_hash(lo, lo + k, read));
  }
}

void append_index(std::string& out, std::uint64_t n) {
  std::vector<unsigned> groups;
  do {
    groups.push_back(static_cast<unsigned>(n % 1000));
    n /= 1000;
  } while (n > 0);
  char buf[8];
  for (std::size_t i = groups.size(); i-- > 0;) {
    std::snprintf(buf, sizeof buf, i > 0 ? "x%03u/" : "%03u", groups[i]);
    out += buf;
  }
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

bool parse_group(std::string_view s, std::uint64_t& out) {
  if (s.size() != 3) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

}  // namespace

Hash leaf_hash(std::string_view entry_bytes) { return sha256_prefixed(0x00, entry_bytes); }

Hash node_hash(const Hash& left, const Hash& right) {
  char buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  return sha256(std::string_view(buf, sizeof buf));
}

void entry_and_leaf_hash(std::string_view entry_bytes, Hash& entry, Hash& leaf) {
  sha256_pair({entry_bytes, std::nullopt}, {entry_bytes, std::uint8_t{0x00}}, entry, leaf);
}

Hash subtree_root(const char* hashes, std::size_t count) {
  // One level at a time: node i of the next level is SHA-256(0x01 || the 64 bytes of
  // children 2i and 2i+1), which lie side by side, so a level is one sha256_prefixed_64
  // call (two nodes per pass through the rounds), folded in place after the first.
  // 128 nodes is the most a tile needs (its 256 hashes' first level up).
  if (count == 0 || count > kTileWidth || !std::has_single_bit(count)) {
    throw std::invalid_argument("a complete subtree within a tile has 1 to 256 leaves, a power of two, not " +
                                std::to_string(count));
  }
  char level[kTileWidth / 2 * 32];
  Hash out;
  if (count == 1) {
    std::memcpy(out.data(), hashes, 32);
    return out;
  }
  const char* from = hashes;
  while (count > 1) {
    count /= 2;
    sha256_prefixed_64(0x01, from, count, level);
    from = level;
  }
  std::memcpy(out.data(), level, 32);
  return out;
}

Hash tree_hash(std::uint64_t size, const HashReader& read) {
  if (size == 0) return sha256("");
  return range_hash(0, size, read);
}

std::vector<Hash> inclusion_proof(std::uint64_t index, std::uint64_t size, const HashReader& read) {
  if (index >= size) {
    throw std::invalid_argument("leaf " + std::to_string(index) + " is not in a tree of " + std::to_string(size) +
                                " leaves");
  }
  std::vector<Hash> out;
  path(index, 0, size, read, out);
  return out;
}

std::vector<Hash> consistency_proof(std::uint64_t from, std::uint64_t to, const HashReader& read) {
  if (from == 0 || from > to) {
    throw std::invalid_argument("no consistency proof from size " + std::to_string(from) + " to size " +
                                std::to_string(to) + " (needs 0 < from <= to)");
  }
  std::vector<Hash> out;
  if (from < to) subproof(from, 0, to, true, read, out);
  return out;
}

bool verify_inclusion(const Hash& leaf, std::uint64_t index, std::uint64_t size, std::span<const Hash> proof,
                      const Hash& root) {
  if (index >= size) return false;
  std::uint64_t fn = index, sn = size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::uint64_t from, std::uint64_t to, std::span<const Hash> proof, const Hash& old_root,
                        const Hash& new_root) {
  if (from == 0 || from > to) return false;
  if (from == to) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<Hash> path(proof.begin(), proof.end());
  if (std::has_single_bit(from)) path.insert(path.begin(), old_root);
  std::uint64_t fn = from - 1, sn = to - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

unsigned tile_width(unsigned level, std::uint64_t index, std::uint64_t size) {
  if (kTileHeight * level >= 64) return 0;
  const std::uint64_t hashes = size >> (kTileHeight * level);
  const std::uint64_t first = index * kTileWidth;
  if (index > (UINT64_MAX / kTileWidth) || first >= hashes) return 0;
  return static_cast<unsigned>(std::min<std::uint64_t>(kTileWidth, hashes - first));
}

std::string tile_path(const TileId& tile) {
  std::string out = "tile/8/" + std::to_string(tile.level) + "/";
  append_index(out, tile.index);
  if (tile.width < kTileWidth) out += ".p/" + std::to_string(tile.width);
  return out;
}

std::optional<TileId> parse_tile_path(std::string_view p) {
  constexpr std::string_view prefix = "tile/8/";
  if (p.substr(0, prefix.size()) != prefix) return std::nullopt;
  p.remove_prefix(prefix.size());
  TileId tile;
  const auto slash = p.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::uint64_t level = 0;
  if (!parse_decimal(p.substr(0, slash), level) || level * kTileHeight >= 64) return std::nullopt;
  tile.level = static_cast<unsigned>(level);
  p.remove_prefix(slash + 1);
  // Index groups: "xDDD/" ... then "DDD", optionally ".p/W".
  std::uint64_t index = 0;
  bool first = true;
  while (!p.empty() && p[0] == 'x') {
    const auto end = p.find('/');
    if (end == std::string_view::npos) return std::nullopt;
    std::uint64_t group = 0;
    if (!parse_group(p.substr(1, end - 1), group)) return std::nullopt;
    if (first && group == 0) return std::nullopt;  // not canonical
    if (index > UINT64_MAX / 1000) return std::nullopt;
    index = index * 1000 + group;
    first = false;
    p.remove_prefix(end + 1);
  }
  std::uint64_t last = 0;
  if (!parse_group(p.substr(0, 3), last)) return std::nullopt;
  if (index > (UINT64_MAX - last) / 1000) return std::nullopt;
  tile.index = index * 1000 + last;
  p.remove_prefix(3);
  if (p.empty()) return tile;
  constexpr std::string_view partial = ".p/";
  if (p.substr(0, partial.size()) != partial) return std::nullopt;
  std::uint64_t width = 0;
  if (!parse_decimal(p.substr(partial.size()), width) || width == 0 || width >= kTileWidth) return std::nullopt;
  tile.width = static_cast<unsigned>(width);
  return tile;
}

Hash hash_from_tiles(unsigned level, std::uint64_t index, const TileLoader& load) {
  if (level >= 64) throw std::invalid_argument("no subtree at level " + std::to_string(level));
  const unsigned tile_level = level / kTileHeight;
  const unsigned sub = level % kTileHeight;
  const std::uint64_t first = index << sub;  // position at level tile_level·8
  const std::uint64_t tile_index = first / kTileWidth;
  const std::size_t start = first % kTileWidth;
  const std::size_t count = std::size_t{1} << sub;
  const std::string bytes = load(tile_level, tile_index);
  if (bytes.size() < (start + count) * 32) {
    throw std::runtime_error("tile " + tile_path({tile_level, tile_index, kTileWidth}) + " holds " +
                             std::to_string(bytes.size() / 32) + " hashes; the subtree needs " +
                             std::to_string(start + count));
  }
  return subtree_root(bytes.data() + start * 32, count);
}

TileAppender::TileAppender(std::uint64_t size, TileLoader load) : size_(size), load_(std::move(load)) {}

std::string& TileAppender::tile(unsigned level, std::uint64_t index) {
  const auto key = std::make_pair(level, index);
  auto it = dirty_.find(key);
  if (it == dirty_.end()) {
    it = dirty_.emplace(key, load_(level, index)).first;
    it->second.reserve(kTileWidth * 32);  // filled 32 bytes at a time: grow it once
  }
  return it->second;
}

std::string& TileAppender::tile_at(unsigned level, std::uint64_t position) {
  std::string& bytes = tile(level, position / kTileWidth);
  const std::size_t expected = (position % kTileWidth) * 32;
  if (bytes.size() != expected) {
    throw std::runtime_error("stored Merkle tile " + tile_path({level, position / kTileWidth, kTileWidth}) +
                             " holds " + std::to_string(bytes.size()) + " bytes where " + std::to_string(expected) +
                             " were expected");
  }
  return bytes;
}

void TileAppender::push(unsigned level, std::uint64_t position, const Hash& hash) {
  std::string& bytes = tile_at(level, position);
  bytes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  if (bytes.size() == kTileWidth * 32) push(level + 1, position / kTileWidth, subtree_root(bytes.data(), kTileWidth));
}

void TileAppender::add(const Hash& leaf) {
  push(0, size_, leaf);
  ++size_;
}

void TileAppender::add(std::span<const Hash> leaves) {
  static_assert(sizeof(Hash) == 32, "leaf hashes lie side by side, 32 bytes each");
  while (!leaves.empty()) {
    std::string& bytes = tile_at(0, size_);
    const std::size_t n = std::min<std::size_t>(leaves.size(), kTileWidth - size_ % kTileWidth);
    bytes.append(reinterpret_cast<const char*>(leaves.data()), n * 32);
    const std::uint64_t index = size_ / kTileWidth;
    size_ += n;
    leaves = leaves.subspan(n);
    if (bytes.size() == kTileWidth * 32) push(1, index, subtree_root(bytes.data(), kTileWidth));
  }
}

}  // namespace dais::eventstore::merkle

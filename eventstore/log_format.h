// Constants of the on-disk log format, shared by the writer, the verifier and
// the tools; docs/LOG_FORMAT.md describes the same format for other languages.
// Pure constants and inline helpers; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dais::eventstore::format {

inline constexpr const char* kEventsDb = "events";
inline constexpr const char* kMetaDb = "meta";
// The Merkle tree beside the chain (docs/MERKLE.md): tiles keyed by level (1 byte)
// and tile index (8 bytes big-endian), value = the tile's hashes; plus kTreeSizeKey.
inline constexpr const char* kMerkleDb = "merkle";
inline constexpr std::string_view kTreeSizeKey = "size";  // leaves in the tree, 8 bytes big-endian
inline constexpr std::size_t kTileKeySize = 9;
// Key in `meta` whose value marks a directory as a DAIS log of this format.
inline constexpr std::string_view kMarkerKey = "format";
inline constexpr std::string_view kMarker = "dais-log/1";

inline constexpr std::size_t kKeySize = 8;    // seq, big-endian
inline constexpr std::size_t kHashSize = 32;  // SHA-256 of the event bytes
inline constexpr std::size_t kMinValueSize = kHashSize + 2;  // a hash and "{}"
inline constexpr std::size_t kMaxTypeSize = 64;
inline constexpr std::size_t kMaxMetaKeySize = 256;

inline std::array<char, kKeySize> encode_key(std::uint64_t seq) {
  std::array<char, kKeySize> key{};
  for (std::size_t i = 0; i < kKeySize; ++i) {
    key[kKeySize - 1 - i] = static_cast<char>(seq >> (8 * i) & 0xff);
  }
  return key;
}

// `bytes` must point at kKeySize bytes.
inline std::uint64_t decode_key(const void* bytes) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < kKeySize; ++i) seq = seq << 8 | p[i];
  return seq;
}

}  // namespace dais::eventstore::format

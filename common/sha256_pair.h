// Two independent SHA-256 digests computed together, and a row of 64-byte
// messages hashed two by two (a Merkle tree level). On x86-64 CPUs with the
// SHA extensions (SHA-NI) the two messages' blocks go through the rounds
// interleaved: one message alone is bound by the round instruction's latency,
// so the second one costs little extra (the log's chain hash and Merkle leaf
// hash of the same entry; two sibling nodes of the Merkle tree). Elsewhere it
// is two ordinary sha256() calls (OpenSSL). The digests are those of FIPS 180-4
// either way.
// Pure functions; thread-safe; no allocation. No errors (the OpenSSL fallback
// throws std::runtime_error only if OpenSSL itself fails).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/sha256.h"

namespace dais {

// A message to hash: an optional one-byte prefix (RFC 6962's 0x00 / 0x01), then `bytes`.
struct Sha256Input {
  std::string_view bytes;
  std::optional<std::uint8_t> prefix;
};

// SHA-256 of `a` into `out_a` and of `b` into `out_b`.
void sha256_pair(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b);

// SHA-256(prefix ‖ message i) of `count` 64-byte messages lying side by side at
// `messages`, into `count` 32-byte digests side by side at `out`: one level of
// a Merkle tree (RFC 6962 node hashes: prefix 0x01, each pair of children),
// two nodes at a time, with neither the copies nor the padding logic of the
// general sha256_pair (these messages always take exactly two blocks). `out`
// may be `messages` itself (a level folded in place): digest i is written
// only after message i has been read, and lies before message i + 1.
void sha256_prefixed_64(std::uint8_t prefix, const char* messages, std::size_t count, char* out);

namespace sha256_pair_detail {
// Whether this CPU runs the SHA-NI path (tests compare both paths with OpenSSL).
bool sha_ni_available();
// Each path on its own; sha256_pair picks one. The SHA-NI one must only be
// called when sha_ni_available().
void pair_sha_ni(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b);
void pair_portable(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b);
void prefixed_64_sha_ni(std::uint8_t prefix, const char* messages, std::size_t count, char* out);
void prefixed_64_portable(std::uint8_t prefix, const char* messages, std::size_t count, char* out);
}  // namespace sha256_pair_detail

}  // namespace dais

// SHA-256 and lower-case hex helpers shared by every layer (OpenSSL underneath).
// Pure functions; thread-safe; no allocation beyond the returned strings.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dais {

using Digest = std::array<std::uint8_t, 32>;

// SHA-256 of exactly these bytes.
Digest sha256(std::string_view bytes);

// SHA-256 of one byte followed by `bytes`, without copying them (RFC 6962's domain-separated hashes).
Digest sha256_prefixed(std::uint8_t prefix, std::string_view bytes);

// Incremental SHA-256 for data that arrives in pieces (e.g. a serialised model).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  Digest finish();

 private:
  void* ctx_;
};

// 64 lower-case hex characters.
std::string to_hex(const Digest& digest);
// Lower-case hex of any bytes.
std::string to_hex(std::string_view bytes);
// Parses exactly 64 hex characters (either case); nullopt otherwise.
std::optional<Digest> digest_from_hex(std::string_view hex);

}  // namespace dais

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "common/sha256.h"
#include "common/sha256_pair.h"

namespace {

using dais::Sha256Input;
namespace detail = dais::sha256_pair_detail;

dais::Digest reference(const Sha256Input& in) {
  return in.prefix ? dais::sha256_prefixed(*in.prefix, in.bytes) : dais::sha256(in.bytes);
}

// Bytes that differ at every position, so a block read from the wrong offset shows.
std::string pattern(std::size_t n, unsigned salt) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + salt * 7 + (i >> 8)) & 0xff);
  return s;
}

template <typename Pair>
void check_against_openssl(Pair pair) {
  const std::optional<std::uint8_t> prefixes[] = {std::nullopt, std::uint8_t{0x00}, std::uint8_t{0x01}};
  // Every length up to five blocks (each padding case: 55/56/63/64 bytes in the last block), with
  // the two messages of different lengths and prefixes, read from unaligned addresses.
  const std::string source = pattern(400, 1);
  for (std::size_t n = 0; n <= 330; ++n) {
    for (const auto& prefix : prefixes) {
      const std::size_t m = (n * 7) % 331;
      const Sha256Input a{std::string_view(source).substr(1 + n % 3, n), prefix};
      const std::optional<std::uint8_t> other = prefix ? std::nullopt : std::optional(std::uint8_t{0});
      const Sha256Input b{std::string_view(source).substr(n % 5, m), other};
      dais::Digest da, db;
      pair(a, b, da, db);
      CHECK_MESSAGE(da == reference(a), "length " << n);
      CHECK_MESSAGE(db == reference(b), "length " << m);
    }
  }
  // A long message beside a short one (one lane goes on alone).
  const std::string big = pattern(100000, 2);
  dais::Digest da, db;
  pair(Sha256Input{big, std::uint8_t{0}}, Sha256Input{"abc", std::nullopt}, da, db);
  CHECK(da == dais::sha256_prefixed(0, big));
  CHECK(dais::to_hex(db) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  pair(Sha256Input{"", std::nullopt}, Sha256Input{big, std::nullopt}, da, db);
  CHECK(dais::to_hex(da) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(db == dais::sha256(big));
}

}  // namespace

TEST_CASE("sha256_pair gives the FIPS 180-4 digests of both messages") {
  dais::Digest da, db;
  dais::sha256_pair({"abc", std::nullopt}, {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", std::nullopt},
                    da, db);
  CHECK(dais::to_hex(da) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(dais::to_hex(db) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("the portable path agrees with OpenSSL at every length") {
  check_against_openssl(detail::pair_portable);
}

TEST_CASE("the SHA-NI path agrees with OpenSSL at every length") {
  if (!detail::sha_ni_available()) {
    MESSAGE("this CPU has no SHA extensions: sha256_pair uses the portable path, tested above");
    return;
  }
  check_against_openssl(detail::pair_sha_ni);
}

namespace {

template <typename Level>
void check_prefixed_64(Level level) {
  // 0..9 messages (pairs and an odd one out), both RFC 6962 prefixes, from an unaligned address.
  const std::string source = pattern(64 * 9 + 3, 3);
  for (const std::uint8_t prefix : {std::uint8_t{0x00}, std::uint8_t{0x01}}) {
    for (std::size_t count = 0; count <= 9; ++count) {
      CAPTURE(count);
      std::string out(32 * count + 32, '\x5a');
      level(prefix, source.data() + 3, count, out.data());
      for (std::size_t i = 0; i < count; ++i) {
        const dais::Digest expected = dais::sha256_prefixed(prefix, std::string_view(source).substr(3 + 64 * i, 64));
        CHECK_MESSAGE(std::string_view(out).substr(32 * i, 32) ==
                          std::string_view(reinterpret_cast<const char*>(expected.data()), 32),
                      "message " << i);
      }
      CHECK(out.substr(32 * count) == std::string(32, '\x5a'));  // nothing written past the last digest
      // In place: the digests overwrite the messages they came from.
      std::string in_place = source.substr(3, 64 * count);
      level(prefix, in_place.data(), count, in_place.data());
      CHECK(in_place.substr(0, 32 * count) == out.substr(0, 32 * count));
    }
  }
}

}  // namespace

TEST_CASE("sha256_prefixed_64 hashes a level of 64-byte messages as sha256_prefixed does, in place too") {
  check_prefixed_64(detail::prefixed_64_portable);
  if (!detail::sha_ni_available()) {
    MESSAGE("this CPU has no SHA extensions: only the portable path is tested");
    return;
  }
  check_prefixed_64(detail::prefixed_64_sha_ni);
}

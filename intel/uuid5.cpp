#include "intel/uuid5.h"

#include <array>
#include <cstdint>
#include <stdexcept>

#include <openssl/sha.h>

#include "common/hex.h"

namespace dais::intel {

namespace {

std::array<unsigned char, 16> parse_uuid(std::string_view text) {
  std::array<unsigned char, 16> out{};
  if (text.size() != 36) throw std::invalid_argument("not a UUID: " + std::string(text));
  std::size_t byte = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') throw std::invalid_argument("not a UUID: " + std::string(text));
      ++i;
      continue;
    }
    const int hi = hex_digit_value(text[i]), lo = hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0) throw std::invalid_argument("not a UUID: " + std::string(text));
    out[byte++] = static_cast<unsigned char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

std::string uuid5(std::string_view namespace_uuid, std::string_view name) {
  const auto ns = parse_uuid(namespace_uuid);
  std::string input(reinterpret_cast<const char*>(ns.data()), ns.size());
  input.append(name);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0F]);
  }
  return out;
}

}  // namespace dais::intel

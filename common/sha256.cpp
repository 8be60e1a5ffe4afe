// OpenSSL 3 deprecates SHA256_Init/Update/Final in favour of EVP, but EVP
// adds about 0.1 us per call (provider dispatch, context set-up): a third of
// hashing one 300-byte event, which is what the log's append and verify paths
// do per event. So this uses the direct functions while OpenSSL still has
// them (the same assembly, SHA-NI included), and EVP otherwise.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "common/sha256.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace dais {

#if !defined(OPENSSL_NO_DEPRECATED_3_0)

namespace {
SHA256_CTX* ctx_of(void* p) { return static_cast<SHA256_CTX*>(p); }
}  // namespace

Digest sha256(std::string_view bytes) {
  SHA256_CTX ctx;
  Digest out;
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, bytes.data(), bytes.size()) != 1 ||
      SHA256_Final(out.data(), &ctx) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  return out;
}

Digest sha256_prefixed(std::uint8_t prefix, std::string_view bytes) {
  SHA256_CTX ctx;
  Digest out;
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, &prefix, 1) != 1 ||
      SHA256_Update(&ctx, bytes.data(), bytes.size()) != 1 || SHA256_Final(out.data(), &ctx) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  return out;
}

Sha256::Sha256() : ctx_(new SHA256_CTX) {
  if (SHA256_Init(ctx_of(ctx_)) != 1) {
    delete ctx_of(ctx_);
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
  }
}

Sha256::~Sha256() { delete ctx_of(ctx_); }

void Sha256::update(const void* data, std::size_t size) { SHA256_Update(ctx_of(ctx_), data, size); }

Digest Sha256::finish() {
  Digest out;
  SHA256_Final(out.data(), ctx_of(ctx_));
  return out;
}

#else  // an OpenSSL built without the deprecated API: EVP, with the algorithm fetched once per thread

namespace {
struct ThreadHasher {
  ThreadHasher() : md(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx(EVP_MD_CTX_new()) {
    if (md == nullptr || ctx == nullptr) throw std::runtime_error("OpenSSL: SHA-256 unavailable");
  }
  ~ThreadHasher() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  ThreadHasher(const ThreadHasher&) = delete;
  ThreadHasher& operator=(const ThreadHasher&) = delete;
  EVP_MD* md;
  EVP_MD_CTX* ctx;
};
EVP_MD_CTX* ctx_of(void* p) { return static_cast<EVP_MD_CTX*>(p); }
}  // namespace

Digest sha256(std::string_view bytes) {
  thread_local ThreadHasher hasher;
  Digest out;
  unsigned int len = 0;
  if (EVP_DigestInit_ex(hasher.ctx, hasher.md, nullptr) != 1 ||
      EVP_DigestUpdate(hasher.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(hasher.ctx, out.data(), &len) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  return out;
}

Digest sha256_prefixed(std::uint8_t prefix, std::string_view bytes) {
  thread_local ThreadHasher hasher;
  Digest out;
  unsigned int len = 0;
  if (EVP_DigestInit_ex(hasher.ctx, hasher.md, nullptr) != 1 || EVP_DigestUpdate(hasher.ctx, &prefix, 1) != 1 ||
      EVP_DigestUpdate(hasher.ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(hasher.ctx, out.data(), &len) != 1) {
    throw std::runtime_error("OpenSSL: SHA-256 failed");
  }
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_of(ctx_), EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(ctx_of(ctx_));
    throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_of(ctx_)); }

void Sha256::update(const void* data, std::size_t size) { EVP_DigestUpdate(ctx_of(ctx_), data, size); }

Digest Sha256::finish() {
  Digest out;
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_of(ctx_), out.data(), &len);
  return out;
}

#endif

namespace {
constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string to_hex(std::string_view bytes) {
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHexDigits[b >> 4];
    out[2 * i + 1] = kHexDigits[b & 0x0f];
  }
  return out;
}

std::string to_hex(const Digest& digest) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::optional<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Digest out;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace dais

#include "eventstore/sha256_hasher.h"

#include <openssl/evp.h>

namespace dais::eventstore {

namespace {

// Fetched once and kept for the life of the process (never freed, so it
// outlives every thread_local hasher).
const EVP_MD* sha256_algorithm() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw StoreError("OpenSSL: SHA-256 is not available");
  return md;
}

EVP_MD_CTX* ctx_of(void* p) { return static_cast<EVP_MD_CTX*>(p); }

}  // namespace

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw StoreError("OpenSSL: cannot allocate a digest context");
  sha256_algorithm();
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_of(ctx_)); }

Hash Sha256Hasher::hash(std::string_view bytes) {
  Hash out;
  unsigned int size = 0;
  if (EVP_DigestInit_ex2(ctx_of(ctx_), sha256_algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx_of(ctx_), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_of(ctx_), out.data(), &size) != 1 || size != out.size()) {
    throw StoreError("OpenSSL: SHA-256 failed");
  }
  return out;
}

Sha256Hasher& Sha256Hasher::for_this_thread() {
  thread_local Sha256Hasher hasher;
  return hasher;
}

}  // namespace dais::eventstore

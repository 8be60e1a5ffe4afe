// SHA-256 for hot loops: OpenSSL 3's one-shot SHA256() looks the algorithm up
// on every call (about as costly as hashing a 300-byte event), so this keeps
// one fetched algorithm for the process and one reusable context per hasher.
// A hasher is not shared between threads: use one per thread. Throws
// StoreError if OpenSSL cannot provide SHA-256.
#pragma once

#include <string_view>

#include "eventstore/store.h"

namespace dais::eventstore {

class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  Hash hash(std::string_view bytes);

  // The calling thread's own hasher.
  static Sha256Hasher& for_this_thread();

 private:
  void* ctx_;
};

}  // namespace dais::eventstore

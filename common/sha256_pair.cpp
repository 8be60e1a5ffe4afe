// The SHA-NI path follows Intel's "SHA extensions" white paper (the round
// structure of every SHA-NI implementation, OpenSSL's included) with the two
// messages' round groups interleaved: sha256rnds2 has a latency of several
// cycles but accepts a new instruction more often, so a second independent
// dependency chain fills the gaps. Messages are read in place; only the first
// block of a prefixed message and the padded tail are assembled in buffers.
#include "common/sha256_pair.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DAIS_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace dais {

namespace sha256_pair_detail {

void pair_portable(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b) {
  out_a = a.prefix ? sha256_prefixed(*a.prefix, a.bytes) : sha256(a.bytes);
  out_b = b.prefix ? sha256_prefixed(*b.prefix, b.bytes) : sha256(b.bytes);
}

void prefixed_64_portable(std::uint8_t prefix, const char* messages, std::size_t count, char* out) {
  for (std::size_t i = 0; i < count; ++i) {
    const Digest d = sha256_prefixed(prefix, std::string_view(messages + 64 * i, 64));
    std::memcpy(out + 32 * i, d.data(), d.size());
  }
}

#if DAIS_SHA_NI

namespace {

alignas(16) constexpr std::uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t kInitial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// One message cut into 64-byte blocks, padding included (FIPS 180-4 §5.1.1).
class Blocks {
 public:
  explicit Blocks(const Sha256Input& in) : in_(in) {
    const std::uint64_t total = in.bytes.size() + (in.prefix ? 1 : 0);
    body_blocks_ = static_cast<std::size_t>(total / 64);
    const std::size_t rest = static_cast<std::size_t>(total % 64);
    tail_blocks_ = rest + 9 <= 64 ? 1 : 2;
    const std::size_t end = tail_blocks_ * 64;
    copy_message(tail_, body_blocks_ * 64, rest);
    tail_[rest] = static_cast<char>(0x80);
    // Only the bytes between the marker and the length (a fixed-size memset of the whole
    // buffer compiles to `rep stosq`, which costs more than a short block's rounds).
    std::memset(tail_ + rest + 1, 0, end - 8 - (rest + 1));
    const std::uint64_t bits = __builtin_bswap64(total * 8);  // big-endian
    std::memcpy(tail_ + end - 8, &bits, 8);
    if (in.prefix && body_blocks_ > 0) copy_message(first_, 0, 64);
  }
  std::size_t count() const { return body_blocks_ + tail_blocks_; }
  const char* block(std::size_t k) const {
    if (k >= body_blocks_) return tail_ + (k - body_blocks_) * 64;
    if (!in_.prefix) return in_.bytes.data() + k * 64;
    return k == 0 ? first_ : in_.bytes.data() + k * 64 - 1;
  }

 private:
  // Message bytes [from, from + n) into `out`, the prefix counted as byte 0.
  void copy_message(char* out, std::size_t from, std::size_t n) const {
    if (n == 0) return;
    if (in_.prefix) {
      if (from == 0) {
        *out++ = static_cast<char>(*in_.prefix);
        --n;
      } else {
        --from;
      }
    }
    std::memcpy(out, in_.bytes.data() + from, n);
  }

  const Sha256Input& in_;
  std::size_t body_blocks_ = 0;
  std::size_t tail_blocks_ = 1;
  char first_[64];
  char tail_[128];
};

// The state of one message in the SHA-NI register order (ABEF, CDGH).
struct Lane {
  __m128i abef;
  __m128i cdgh;
};

__attribute__((target("sha,sse4.1"))) Lane initial_lane() {
  __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kInitial[0]));
  __m128i s1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kInitial[4]));
  tmp = _mm_shuffle_epi32(tmp, 0xB1);  // CDAB
  s1 = _mm_shuffle_epi32(s1, 0x1B);    // EFGH
  return Lane{_mm_alignr_epi8(tmp, s1, 8), _mm_blend_epi16(s1, tmp, 0xF0)};
}

__attribute__((target("sha,sse4.1"))) void store_lane(const Lane& lane, Digest& out) {
  const __m128i tmp = _mm_shuffle_epi32(lane.abef, 0x1B);  // FEBA
  const __m128i s1 = _mm_shuffle_epi32(lane.cdgh, 0xB1);   // DCHG
  const __m128i dcba = _mm_blend_epi16(tmp, s1, 0xF0);
  const __m128i hgfe = _mm_alignr_epi8(s1, tmp, 8);
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data()), _mm_shuffle_epi8(dcba, swap));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data() + 16), _mm_shuffle_epi8(hgfe, swap));
}

// One block for each of N lanes, round group by round group (4 rounds each),
// the lanes interleaved within every group. The loops unroll completely, so
// the conditions on `g` cost nothing.
template <int N>
__attribute__((target("sha,sse4.1"), always_inline)) inline void compress(Lane (&lanes)[N],
                                                                          const char* const (&data)[N]) {
  const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i w[N][4];
  Lane saved[N];
#pragma GCC unroll 2
  for (int l = 0; l < N; ++l) saved[l] = lanes[l];
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {
    __m128i msg[N];
#pragma GCC unroll 2
    for (int l = 0; l < N; ++l) {
      if (g < 4) {
        w[l][g % 4] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data[l] + 16 * g)), swap);
      }
      msg[l] = _mm_add_epi32(w[l][g % 4], _mm_load_si128(reinterpret_cast<const __m128i*>(&kRound[4 * g])));
      lanes[l].cdgh = _mm_sha256rnds2_epu32(lanes[l].cdgh, lanes[l].abef, msg[l]);
    }
#pragma GCC unroll 2
    for (int l = 0; l < N; ++l) {
      if (g >= 3 && g <= 14) {  // the schedule's next four words
        const __m128i tmp = _mm_alignr_epi8(w[l][g % 4], w[l][(g + 3) % 4], 4);
        w[l][(g + 1) % 4] = _mm_sha256msg2_epu32(_mm_add_epi32(w[l][(g + 1) % 4], tmp), w[l][g % 4]);
      }
      msg[l] = _mm_shuffle_epi32(msg[l], 0x0E);
      lanes[l].abef = _mm_sha256rnds2_epu32(lanes[l].abef, lanes[l].cdgh, msg[l]);
      if (g >= 1 && g <= 12) w[l][(g + 3) % 4] = _mm_sha256msg1_epu32(w[l][(g + 3) % 4], w[l][g % 4]);
    }
  }
#pragma GCC unroll 2
  for (int l = 0; l < N; ++l) {
    lanes[l].abef = _mm_add_epi32(lanes[l].abef, saved[l].abef);
    lanes[l].cdgh = _mm_add_epi32(lanes[l].cdgh, saved[l].cdgh);
  }
}

__attribute__((target("sha,sse4.1"))) void compress_two(Lane (&lanes)[2], const char* const (&data)[2]) {
  compress<2>(lanes, data);
}

__attribute__((target("sha,sse4.1"))) void compress_one(Lane& lane, const char* data) {
  Lane lanes[1] = {lane};
  const char* const blocks[1] = {data};
  compress<1>(lanes, blocks);
  lane = lanes[0];
}

// The two padded blocks of prefix ‖ 64 bytes: the prefix and the first 63
// bytes; then the last byte, the 0x80 marker and the length, 65 bytes = 520 bits.
void two_blocks_of_65(std::uint8_t prefix, const char* message, char (&blocks)[2][64]) {
  blocks[0][0] = static_cast<char>(prefix);
  std::memcpy(blocks[0] + 1, message, 63);
  std::memset(blocks[1], 0, 64);
  blocks[1][0] = message[63];
  blocks[1][1] = static_cast<char>(0x80);
  blocks[1][62] = 0x02;
  blocks[1][63] = 0x08;
}

bool cpu_has_sha_ni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool ssse3 = (c & (1u << 9)) != 0, sse41 = (c & (1u << 19)) != 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return ssse3 && sse41 && (b & (1u << 29)) != 0;
}

}  // namespace

bool sha_ni_available() {
  static const bool available = cpu_has_sha_ni();
  return available;
}

void pair_sha_ni(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b) {
  const Blocks blocks_a(a), blocks_b(b);
  Lane lanes[2] = {initial_lane(), initial_lane()};
  const std::size_t both = std::min(blocks_a.count(), blocks_b.count());
  for (std::size_t k = 0; k < both; ++k) {
    const char* const data[2] = {blocks_a.block(k), blocks_b.block(k)};
    compress_two(lanes, data);
  }
  for (std::size_t k = both; k < blocks_a.count(); ++k) compress_one(lanes[0], blocks_a.block(k));
  for (std::size_t k = both; k < blocks_b.count(); ++k) compress_one(lanes[1], blocks_b.block(k));
  store_lane(lanes[0], out_a);
  store_lane(lanes[1], out_b);
}

void prefixed_64_sha_ni(std::uint8_t prefix, const char* messages, std::size_t count, char* out) {
  std::size_t i = 0;
  for (; i + 1 < count; i += 2) {
    alignas(16) char a[2][64];
    alignas(16) char b[2][64];
    two_blocks_of_65(prefix, messages + 64 * i, a);
    two_blocks_of_65(prefix, messages + 64 * (i + 1), b);
    Lane lanes[2] = {initial_lane(), initial_lane()};
    const char* const first[2] = {a[0], b[0]};
    compress_two(lanes, first);
    const char* const second[2] = {a[1], b[1]};
    compress_two(lanes, second);
    Digest da, db;
    store_lane(lanes[0], da);
    store_lane(lanes[1], db);
    std::memcpy(out + 32 * i, da.data(), 32);
    std::memcpy(out + 32 * (i + 1), db.data(), 32);
  }
  if (i < count) {
    alignas(16) char a[2][64];
    two_blocks_of_65(prefix, messages + 64 * i, a);
    Lane lane = initial_lane();
    compress_one(lane, a[0]);
    compress_one(lane, a[1]);
    Digest d;
    store_lane(lane, d);
    std::memcpy(out + 32 * i, d.data(), 32);
  }
}

#else  // not x86-64: the portable path only

bool sha_ni_available() { return false; }

void pair_sha_ni(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b) {
  pair_portable(a, b, out_a, out_b);
}

void prefixed_64_sha_ni(std::uint8_t prefix, const char* messages, std::size_t count, char* out) {
  prefixed_64_portable(prefix, messages, count, out);
}

#endif

}  // namespace sha256_pair_detail

void sha256_pair(const Sha256Input& a, const Sha256Input& b, Digest& out_a, Digest& out_b) {
  if (sha256_pair_detail::sha_ni_available()) {
    sha256_pair_detail::pair_sha_ni(a, b, out_a, out_b);
  } else {
    sha256_pair_detail::pair_portable(a, b, out_a, out_b);
  }
}

void sha256_prefixed_64(std::uint8_t prefix, const char* messages, std::size_t count, char* out) {
  if (sha256_pair_detail::sha_ni_available()) {
    sha256_pair_detail::prefixed_64_sha_ni(prefix, messages, count, out);
  } else {
    sha256_pair_detail::prefixed_64_portable(prefix, messages, count, out);
  }
}

}  // namespace dais

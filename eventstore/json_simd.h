// Byte searches that let the JSON scanner (json_scanner.h) and the entry check
// (entry_check.h) skip 16 bytes at a time with SSE2; without SSE2 each has a
// bytewise fallback giving the same answers. Pure inline functions over the
// caller's buffer; thread-safe; nothing allocates and nothing throws.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dais::eventstore {

// The deepest nesting any scan here accepts. The SIMD fast path and the
// general scanner share it, so the fast path never accepts what the scanner
// would refuse.
inline constexpr int kMaxJsonDepth = 256;

namespace detail {

// Bytes that end the fast path inside a JSON string: the quote, the escape and
// control characters (which JSON forbids unescaped).
constexpr std::array<bool, 256> make_string_stops() {
  std::array<bool, 256> stops{};
  for (int c = 0; c < 0x20; ++c) stops[c] = true;
  stops['"'] = true;
  stops['\\'] = true;
  return stops;
}
inline constexpr auto kStringStops = make_string_stops();

// Bytes that matter to a structural skip: quotes and brackets.
constexpr std::array<bool, 256> make_structural() {
  std::array<bool, 256> structural{};
  for (char c : {'"', '{', '}', '[', ']'}) structural[static_cast<unsigned char>(c)] = true;
  return structural;
}
inline constexpr auto kStructural = make_structural();

#if defined(__SSE2__)
// Bit i of the result is the XOR of bits 0..i of `bits` (16 bits): with quote
// bits in, it marks the bytes from an opening quote up to its closing one.
inline std::uint32_t prefix_xor16(std::uint32_t bits) {
  bits ^= bits << 1;
  bits ^= bits << 2;
  bits ^= bits << 4;
  bits ^= bits << 8;
  return bits & 0xffff;
}
#endif

}  // namespace detail

// The first byte in [p, end) that is a string stop (quote, backslash, control
// character), or end.
inline const char* find_string_stop(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1f);
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, max_control), x);  // x <= 0x1f, unsigned
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)), control);
    if (const int mask = _mm_movemask_epi8(hit)) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  while (p < end && !detail::kStringStops[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// The first byte in [p, end) that is a quote or a bracket, or end.
inline const char* find_structural(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i braces = _mm_set1_epi8(0x20);  // '{' | 0x20 == '{' and '[' | 0x20 == '{'
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i folded = _mm_or_si128(x, braces);  // maps '[' to '{' and ']' to '}'
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                     _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
    if (const int mask = _mm_movemask_epi8(hit)) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  while (p < end && !detail::kStructural[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// The common case of JsonScanner::skip_structure() in one branch-light pass,
// for an object with no backslash: true only if `object` is exactly one object
// (or array) whose brackets balance and match, whose strings hold no control
// character, and which closes at its last byte. Returns false for anything
// else, including a backslash anywhere, and always without SSE2; the caller
// then runs the general scanner, so this only has to be sound, never complete.
// Always inlined: it sits on every verified entry's path, and a call costs more than the check.
[[gnu::always_inline]] inline bool skip_plain_object(std::string_view object) {
#if defined(__SSE2__)
  if (object.empty() || (object.front() != '{' && object.front() != '[')) return false;
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_control = _mm_set1_epi8(0x1f);
  const __m128i fold = _mm_set1_epi8(0x20);  // maps '[' to '{' and ']' to '}'
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  char stack[kMaxJsonDepth];
  int depth = 0;
  std::uint32_t in_string = 0;  // 0xffff while a string continues into the next block
  const std::size_t size = object.size();
  for (std::size_t at = 0; at < size; at += 16) {
    const std::size_t n = std::min<std::size_t>(16, size - at);
    alignas(16) char tail[16] = {};
    const char* block = object.data() + at;
    if (n < 16) {
      std::memcpy(tail, block, n);
      block = tail;
    }
    const std::uint32_t valid = n == 16 ? 0xffffu : (1u << n) - 1;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
    const auto mask = [](__m128i m) { return static_cast<std::uint32_t>(_mm_movemask_epi8(m)); };
    if (mask(_mm_cmpeq_epi8(x, backslash)) & valid) return false;
    const std::uint32_t quotes = mask(_mm_cmpeq_epi8(x, quote)) & valid;
    const std::uint32_t inside = (detail::prefix_xor16(quotes) ^ in_string) & valid;
    in_string = (inside >> 15) & 1 ? 0xffffu : 0u;
    const std::uint32_t control = mask(_mm_cmpeq_epi8(_mm_min_epu8(x, max_control), x));
    if (control & inside) return false;
    const __m128i folded = _mm_or_si128(x, fold);
    std::uint32_t brackets =
        mask(_mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close))) & valid & ~inside;
    for (; brackets != 0; brackets &= brackets - 1) {
      const std::size_t i = static_cast<std::size_t>(__builtin_ctz(brackets));
      const char c = block[i];
      if (c == '{' || c == '[') {
        if (depth == kMaxJsonDepth) return false;
        stack[depth++] = c;
      } else if (depth == 0 || stack[depth - 1] != (c == '}' ? '{' : '[') || (--depth == 0 && at + i + 1 != size)) {
        return false;
      }
    }
  }
  return depth == 0 && in_string == 0;
#else
  (void)object;
  return false;
#endif
}

}  // namespace dais::eventstore

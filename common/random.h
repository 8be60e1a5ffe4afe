// Counter-based random streams: every draw is a pure function of
// (run seed, stream keys, draw index), so results never depend on thread
// count, scheduling or what other streams were used (DESIGN.md "Determinism").
// A Stream is a small value; copy it freely; not shared between threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace dais {

// SplitMix64 finaliser: a bijective 64-bit mixer with good avalanche.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Well-known purposes, so two uses of the same (agent, step) never share draws.
enum class Purpose : std::uint64_t {
  traffic = 1,
  campaign = 2,
  forest = 3,
  crash = 4,
  byzantine = 5,
  committee = 6,
  poison = 7,
  network = 8,    // message delay and loss between agents (server/network.h)
  partition = 9,  // which agents a partition cuts off
  test = 99,
};

class Stream {
 public:
  // Keys are folded in order; (seed, {a, b}) and (seed, {b, a}) differ.
  Stream(std::uint64_t seed, std::initializer_list<std::uint64_t> keys) : key_(mix64(seed)) {
    for (std::uint64_t k : keys) key_ = mix64(key_ ^ mix64(k));
  }
  Stream(std::uint64_t seed, Purpose purpose, std::uint64_t a = 0, std::uint64_t b = 0)
      : Stream(seed, {static_cast<std::uint64_t>(purpose), a, b}) {}

  std::uint64_t next_u64() { return mix64(key_ + 0x632be59bd9b4e019ULL * ++counter_); }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n); n > 0. Lemire's multiply-shift (bias < 2^-64 * n).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;  // GCC/Clang builtin; __extension__ keeps -Wpedantic quiet
    return static_cast<std::uint64_t>((static_cast<u128>(next_u64()) * n) >> 64);
  }

  bool chance(double p) { return uniform() < p; }

  // Standard normal by Box-Muller; our own so results never depend on the library's distribution code.
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  // Log-normal with the given median and multiplicative spread (sigma of the log).
  double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }

 private:
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

}  // namespace dais

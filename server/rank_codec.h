// Bytes that cross MPI ranks: a writer that appends fixed-width little-endian
// integers, IEEE-754 doubles and floats bit for bit, and length-prefixed strings,
// and a reader that takes them back in the same order. Exact round trips are what
// keeps a multi-rank log identical to a one-rank one (no text formatting of numbers).
// Plain values; not thread-safe. ByteReader throws std::runtime_error when the
// bytes run out (a peer sent something this build does not understand).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dais::server {

class ByteWriter {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) { raw(&v, sizeof v); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void f32(float v) { u32(std::bit_cast<std::uint32_t>(v)); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s) {
    u64(s.size());
    bytes_.append(s);
  }
  const std::string& bytes() const { return bytes_; }
  std::string take() { return std::move(bytes_); }

 private:
  static_assert(std::endian::native == std::endian::little, "rank messages are written little-endian");
  void raw(const void* p, std::size_t n) { bytes_.append(static_cast<const char*>(p), n); }
  std::string bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  std::uint8_t u8() { return static_cast<std::uint8_t>(*take(1)); }
  std::uint32_t u32() { return read<std::uint32_t>(); }
  std::uint64_t u64() { return read<std::uint64_t>(); }
  float f32() { return std::bit_cast<float>(u32()); }
  double f64() { return std::bit_cast<double>(u64()); }
  bool boolean() { return u8() != 0; }
  std::string str() {
    const auto n = u64();
    return std::string(take(n), n);
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  template <typename T> T read() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  const char* take(std::uint64_t n) {
    if (n > bytes_.size() - at_) throw std::runtime_error("a rank message ends early (ranks run different builds?)");
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }
  std::string_view bytes_;
  std::size_t at_ = 0;
};

}  // namespace dais::server

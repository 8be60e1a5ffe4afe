// The byte encoding of engine snapshots (server/engine_snapshot.h): little-endian
// fixed-width integers, IEEE-754 floats and doubles bit for bit (so every value
// round-trips exactly), and length-prefixed strings. ByteWriter appends to a string;
// ByteReader reads from a view it does not own (the bytes must outlive it).
// Errors: every read past the end, or a count larger than the bytes left could hold,
// throws SnapshotError, so damaged bytes end in an error, never in a huge allocation.
// Value types; not thread-safe.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dais::server {

class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void f32(float v) { put(std::bit_cast<std::uint32_t>(v)); }
  void f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }
  void bytes(std::string_view v) {
    u64(v.size());
    out_.append(v);
  }
  void raw(std::string_view v) { out_.append(v); }
  std::string& str() { return out_; }
  std::string take() { return std::move(out_); }

 private:
  template <typename T> void put(T v) {
    static_assert(std::endian::native == std::endian::little, "snapshots are written on little-endian hosts");
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  bool boolean() {
    const auto v = u8();
    if (v > 1) throw SnapshotError("snapshot: a flag holds " + std::to_string(v));
    return v == 1;
  }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  float f32() { return std::bit_cast<float>(get<std::uint32_t>()); }
  double f64() { return std::bit_cast<double>(get<std::uint64_t>()); }
  std::string_view bytes() { return take(count(1)); }
  std::string text() { return std::string(bytes()); }
  std::string_view raw(std::size_t n) { return take(n); }
  // A count of items of at least `item_bytes` bytes each: refused when the bytes left cannot hold them.
  std::size_t count(std::size_t item_bytes) {
    const auto n = u64();
    if (item_bytes != 0 && n > left() / item_bytes) {
      throw SnapshotError("snapshot: a count of " + std::to_string(n) + " exceeds the bytes left");
    }
    return static_cast<std::size_t>(n);
  }
  std::size_t left() const { return in_.size() - at_; }
  bool done() const { return at_ == in_.size(); }

 private:
  std::string_view take(std::size_t n) {
    if (n > left()) throw SnapshotError("snapshot: truncated");
    const auto out = in_.substr(at_, n);
    at_ += n;
    return out;
  }
  template <typename T> T get() {
    T v;
    std::memcpy(&v, take(sizeof(T)).data(), sizeof(T));
    return v;
  }
  std::string_view in_;
  std::size_t at_ = 0;
};

}  // namespace dais::server

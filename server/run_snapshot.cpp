#include "server/run_snapshot.h"

#include <algorithm>
#include <fstream>
#include <iterator>

namespace dais::server {

namespace {

void put_digest(ByteWriter& w, const Digest& d) { w.raw(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())); }

Digest get_digest(ByteReader& r) {
  const auto raw = r.raw(Digest().size());
  Digest d{};
  std::copy(raw.begin(), raw.end(), reinterpret_cast<char*>(d.data()));
  return d;
}

}  // namespace

std::filesystem::path snapshot_file(const std::filesystem::path& dir, unsigned slot) {
  return dir / (std::string(kSnapshotFilePrefix) + std::to_string(slot));
}

std::optional<std::string> read_snapshot_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw SnapshotError("cannot read " + file.string());
  return bytes;
}

void write_snapshot_file(const std::filesystem::path& file, std::string_view bytes) {
  auto temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw SnapshotError("cannot write " + temporary.string());
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) throw SnapshotError("cannot rename " + temporary.string() + ": " + error.message());
}

std::string RunSnapshot::encode() const {
  ByteWriter body;
  put_digest(body, run_hash);
  body.u64(next_step);
  body.u64(retrained);
  body.u64(local_blocks);
  body.u64(crashes);
  body.boolean(paused);
  body.bytes(projections);
  body.bytes(engine);
  ByteWriter w;
  w.raw(kMagic);
  w.u32(kFormat);
  w.u64(seq);
  put_digest(w, head_hash);
  put_digest(w, sha256(body.str()));
  w.raw(body.str());
  return w.take();
}

RunSnapshot RunSnapshot::decode(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.left() < kMagic.size() || r.raw(kMagic.size()) != kMagic) throw SnapshotError("not a DAIS snapshot");
  if (const auto format = r.u32(); format != kFormat) {
    throw SnapshotError("snapshot format " + std::to_string(format) + ", this program reads " + std::to_string(kFormat));
  }
  RunSnapshot s;
  s.seq = r.u64();
  s.head_hash = get_digest(r);
  const auto digest = get_digest(r);
  const auto body_bytes = r.raw(r.left());
  if (sha256(body_bytes) != digest) throw SnapshotError("the snapshot's bytes do not match its SHA-256 (damaged)");
  ByteReader body(body_bytes);
  s.run_hash = get_digest(body);
  s.next_step = body.u64();
  s.retrained = body.u64();
  s.local_blocks = body.u64();
  s.crashes = body.u64();
  s.paused = body.boolean();
  s.projections = body.text();
  s.engine = body.text();
  if (!body.done()) throw SnapshotError("trailing bytes after the snapshot's body");
  return s;
}

}  // namespace dais::server

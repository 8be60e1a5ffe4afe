// A point a run can resume from without re-executing its log from seq 0: the engine's
// state (server/engine_snapshot.h), the projections and the run's own counters as of
// the end of one step, naming the log entry it belongs to. Stored beside the chain as
// two files in the data directory used in turn ("engine-snapshot.0", "engine-snapshot.1"),
// so a damaged newest one leaves the one before it; files, not LMDB values, because a
// value of several MB that grows a little each time cannot reuse the pages its
// predecessor freed and would grow data.mdb by a snapshot each time. Layout
// (docs/OPERATIONS.md "Engine snapshots"), integers little-endian:
//   "DAISSNAP" | u32 format | u64 seq | 32-byte head hash (the stored hash of seq)
//   | 32-byte SHA-256 of the body | body
// body: 32-byte hash of seq 0 (which run) | u64 next step | u64 retrained, local
// blocks, crashes | u8 paused | bytes projections (CBOR of Projections::snapshot())
// | bytes engine.
// decode() checks the magic, the format and the body's digest, and throws SnapshotError
// when any is wrong; whether the snapshot lies on a given chain is the caller's check.
// write_snapshot_file() writes a temporary file and renames it over the slot, so a
// slot holds a whole snapshot or its predecessor (a torn write after a power loss fails
// the digest check and is skipped); it throws SnapshotError naming the file on failure.
// Thread-safe (no shared state).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "server/snapshot_bytes.h"

namespace dais::server {

inline constexpr std::string_view kSnapshotFilePrefix = "engine-snapshot.";
inline constexpr unsigned kSnapshotSlots = 2;

struct RunSnapshot {
  static constexpr std::string_view kMagic = "DAISSNAP";
  static constexpr std::uint32_t kFormat = 1;

  std::uint64_t seq = 0;   // the last event it includes
  Digest head_hash{};      // that event's stored hash
  Digest run_hash{};       // the stored hash of seq 0
  std::uint64_t next_step = 0;
  std::uint64_t retrained = 0, local_blocks = 0, crashes = 0;
  bool paused = false;
  std::string projections;  // CBOR
  std::string engine;       // EngineSnapshot bytes

  std::string encode() const;
  static RunSnapshot decode(std::string_view bytes);
};

// The file of slot `slot` (< kSnapshotSlots) in the data directory `dir`.
std::filesystem::path snapshot_file(const std::filesystem::path& dir, unsigned slot);
// The bytes of that file; nullopt when it does not exist.
std::optional<std::string> read_snapshot_file(const std::filesystem::path& file);
void write_snapshot_file(const std::filesystem::path& file, std::string_view bytes);

}  // namespace dais::server

// Checks stream entries against the log's rules (docs/LOG_FORMAT.md): the hash
// is the SHA-256 of the exact event bytes, the event's own seq matches the
// entry, and, on an unfiltered stream, seqs are consecutive and each `prev` is
// the previous event's hash (64 zeros for seq 0). On a filtered stream only
// hashes, increasing seqs and the requested types can be checked.
// Not thread-safe (one checker per stream); holds no external resources.
// Errors: check() returns a description of the first rule broken; the caller
// decides to stop. After a break the checker's state is unspecified.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "tools/tail/server_message.h"

namespace dais::tail {

class ChainChecker {
 public:
  enum class Mode { full_chain, hashes_only };

  // `types`: with hashes_only, the event types the stream was asked for (empty = any).
  explicit ChainChecker(Mode mode, std::set<std::string, std::less<>> types = {});

  // nullopt when the entry is sound; otherwise why it is not (without the seq, which the caller has).
  std::optional<std::string> check(const EventEntry& entry);

  Mode mode() const { return mode_; }
  std::uint64_t checked() const { return checked_; }
  // True when the first entry started mid-chain, so its `prev` could not be checked.
  bool first_prev_unchecked() const { return first_prev_unchecked_; }

 private:
  Mode mode_;
  std::set<std::string, std::less<>> types_;
  std::optional<std::uint64_t> last_seq_;
  std::string last_hash_;
  std::uint64_t checked_ = 0;
  bool first_prev_unchecked_ = false;
};

}  // namespace dais::tail

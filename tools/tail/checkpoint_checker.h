// dais-tail --verify --key: checks each signed checkpoint of the stream
// (docs/MERKLE.md): its Ed25519 signature by the verifier key, that it covers
// exactly the events received before it, that its root is the tree hash of
// those events when the stream started at seq 0 (computed here, leaf by
// leaf), and that it extends the previous checkpoint (an RFC 9162 consistency
// proof the caller fetches from the server, checked against both signed roots).
// Not thread-safe (one per stream). Errors: each step returns why a
// checkpoint is rejected; the caller stops.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eventstore/checkpoint.h"
#include "eventstore/compact_range.h"
#include "eventstore/signed_note.h"

namespace dais::tail {

class CheckpointChecker {
 public:
  // `track_entries`: every event from seq 0 will be passed to add_entry(), so roots are recomputed.
  CheckpointChecker(eventstore::note::VerifierKey key, bool track_entries);

  // Each received event, in order (only when tracking entries).
  void add_entry(std::string_view bytes);

  // A checkpoint that checked out so far and needs a consistency proof from `from` to `to`.
  struct NeedsProof {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
  };
  struct Rejected {
    std::string reason;
  };
  // First step for a checkpoint message: `size` as the message states it, `note` the signed
  // note, `next_seq` the seq after the last event received when every event has been
  // received (nullopt with a types filter). nullopt when it is accepted outright.
  std::optional<std::variant<NeedsProof, Rejected>> check(std::uint64_t size, std::string_view note,
                                                          std::optional<std::uint64_t> next_seq);
  // Second step, after NeedsProof: the proof the server gave; nullopt when accepted.
  std::optional<std::string> finish(const std::vector<eventstore::merkle::Hash>& proof);

  std::uint64_t accepted() const { return accepted_; }
  bool tracking() const { return range_.has_value(); }

 private:
  void accept(const eventstore::Checkpoint& checkpoint);

  eventstore::note::VerifierKey key_;
  std::optional<eventstore::merkle::CompactRange> range_;
  std::optional<eventstore::Checkpoint> last_;
  std::optional<eventstore::Checkpoint> pending_;
  std::uint64_t accepted_ = 0;
};

}  // namespace dais::tail

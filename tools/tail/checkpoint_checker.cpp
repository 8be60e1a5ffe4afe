#include "tools/tail/checkpoint_checker.h"

#include <utility>

#include "common/sha256.h"

namespace dais::tail {

using eventstore::Checkpoint;
namespace merkle = eventstore::merkle;

CheckpointChecker::CheckpointChecker(eventstore::note::VerifierKey key, bool track_entries) : key_(std::move(key)) {
  if (track_entries) range_.emplace();
}

void CheckpointChecker::add_entry(std::string_view bytes) {
  if (range_) range_->add(merkle::leaf_hash(bytes));
}

std::optional<std::variant<CheckpointChecker::NeedsProof, CheckpointChecker::Rejected>> CheckpointChecker::check(
    std::uint64_t size, std::string_view note, std::optional<std::uint64_t> next_seq) {
  using Result = std::variant<NeedsProof, Rejected>;
  const std::string at = "checkpoint of size " + std::to_string(size);
  std::string text;
  try {
    text = eventstore::note::open(note, key_);
  } catch (const eventstore::note::NoteError& e) {
    return Result{Rejected{at + ": bad signature: " + e.what()}};
  }
  std::string why;
  const auto checkpoint = eventstore::parse_checkpoint(text, &why);
  if (!checkpoint) return Result{Rejected{at + ": not a checkpoint: " + why}};
  if (checkpoint->size != size) {
    return Result{Rejected{at + ": the signed note says size " + std::to_string(checkpoint->size)}};
  }
  if (next_seq && *next_seq != size) {
    return Result{Rejected{at + " arrived after the events before seq " + std::to_string(*next_seq) +
                           ": it must cover exactly the events sent before it"}};
  }
  if (range_ && range_->size() == size && range_->root() != checkpoint->root) {
    return Result{Rejected{at + ": its root " + to_hex(checkpoint->root) + " is not the tree hash " +
                           to_hex(range_->root()) + " of the events received"}};
  }
  if (last_) {
    if (size < last_->size) {
      return Result{Rejected{at + ": the log shrank from " + std::to_string(last_->size) + " entries"}};
    }
    if (size == last_->size) {
      if (checkpoint->root != last_->root) {
        return Result{Rejected{at + ": a different root for the same size as the previous checkpoint"}};
      }
      return std::nullopt;
    }
    pending_ = *checkpoint;
    return Result{NeedsProof{last_->size, size}};
  }
  accept(*checkpoint);
  return std::nullopt;
}

std::optional<std::string> CheckpointChecker::finish(const std::vector<merkle::Hash>& proof) {
  if (!pending_ || !last_) return std::string("no checkpoint is waiting for a proof");
  const Checkpoint checkpoint = *std::exchange(pending_, std::nullopt);
  if (!merkle::verify_consistency(last_->size, checkpoint.size, proof, last_->root, checkpoint.root)) {
    return "checkpoint of size " + std::to_string(checkpoint.size) + " is not consistent with the previous one (size " +
           std::to_string(last_->size) + "): the consistency proof fails";
  }
  accept(checkpoint);
  return std::nullopt;
}

void CheckpointChecker::accept(const Checkpoint& checkpoint) {
  last_ = checkpoint;
  ++accepted_;
}

}  // namespace dais::tail

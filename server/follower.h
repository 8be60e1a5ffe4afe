// A read replica's core (daisd --follow, docs/MERKLE.md "Read replicas"):
// catches up from its own head over the leader's stream and appends what it
// receives through the store's normal append path, so its log and its tree
// are built exactly as the leader's were. Nothing is stored before it is
// proven to be the leader's: each entry's hash, seq and prev link are
// checked, the bytes must be exactly what this store would write for them,
// and every batch's Merkle root must be the leader's signed root (a signed
// checkpoint of the same size) or a prefix of it (an RFC 9162 consistency
// proof to it). On every (re)connection the leader's signed checkpoint must
// extend what the replica already holds, else the leader's log has forked
// and the replica stops.
// Thread safety: run() on one thread; stop() from any thread.
// Ownership: holds references to the store and the client, which outlive it.
// Errors: run() throws FollowError for what retrying cannot mend (a fork, a
// bad signature, an entry that does not check out); network trouble is
// retried with growing delays and reported through on_problem.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "eventstore/checkpointer.h"
#include "eventstore/compact_range.h"
#include "eventstore/signed_note.h"
#include "eventstore/store.h"
#include "server/leader_client.h"

namespace dais::server {

class FollowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The meta key that keeps the last signed checkpoint a replica's log matches, in the same
// transaction as the entries it covers (so a restarted replica serves it at once).
inline constexpr const char* kReplicaCheckpointMeta = "replica.checkpoint";

struct FollowerOptions {
  eventstore::note::VerifierKey leader_key;
  std::size_t batch = 4096;  // entries per write transaction at most
  // Told of every committed batch, with the leader's checkpoint when the log now ends exactly at it.
  std::function<void(const std::vector<eventstore::StoredEvent>&, std::shared_ptr<const eventstore::SignedCheckpoint>)>
      on_committed;
  // Told of network trouble (then retried) as one line.
  std::function<void(const std::string&)> on_problem;
};

class Follower {
 public:
  Follower(eventstore::Store& store, LeaderClient& leader, FollowerOptions options);

  // Follows until stop(); throws FollowError when the leader cannot be followed.
  void run();
  void stop() { stop_.store(true); }

  // The last signed checkpoint of the leader that this replica's log ends at (null if none yet).
  std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint() const { return std::atomic_load(&served_); }
  bool connected() const { return connected_.load(); }

 private:
  struct Pending {
    eventstore::EventDraft draft;
    eventstore::Hash hash{};
  };

  void follow_once();
  std::shared_ptr<const eventstore::SignedCheckpoint> open_checkpoint(const std::string& note) const;
  void check_extends_own_log(const eventstore::SignedCheckpoint& leader);
  void take_entry(const std::string& message);
  void take_checkpoint(std::shared_ptr<const eventstore::SignedCheckpoint> checkpoint);
  void commit_pending();
  void sleep_for(std::chrono::milliseconds delay);

  eventstore::Store& store_;
  LeaderClient& leader_;
  FollowerOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};

  // Since the last (re)connection: entries received and checked but not stored yet, the tree of
  // the stored entries plus those, the hash of the last entry, and the leader's newest verified
  // checkpoint (which the pending entries must be proven to be a prefix of before they are stored).
  std::vector<Pending> pending_;
  eventstore::merkle::CompactRange range_;
  eventstore::Hash last_hash_{};
  std::shared_ptr<const eventstore::SignedCheckpoint> trusted_;
  std::shared_ptr<const eventstore::SignedCheckpoint> served_;
};

}  // namespace dais::server

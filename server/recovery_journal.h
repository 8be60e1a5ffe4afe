// What a recovering agent reads from the log besides its blacklist (server/recovery.h), to
// rebuild the detector it had before its crash (server/agent_replay.h): every accepted
// signature with the agent that sent its blacklist entry (its proposer), operator removals and
// revocations by evidence,
// each agent's local entries, crashes and logged models, and the network blacklist as the log
// had it when the partition healed. A fold of the events the engine produced or applied, in log
// order, so it holds only what the log holds; nothing here reads the engine's agents.
// Bounded: forget_before() and forget_agent_before() drop what no replay can still read (the engine
// calls them as its replays move on), so the journal holds the steps since the oldest replay point,
// not the whole run.
// Not thread-safe; owned by the engine. apply() throws nlohmann::json errors for malformed data
// and std::invalid_argument for an indicator that is not an IPv4 prefix.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "projections/blacklists.h"

namespace dais::server {

class RecoveryJournal {
 public:
  struct Decision {  // an accepted signature, in decision order
    std::uint64_t step = 0;
    std::string signature_id;
    std::uint32_t indicator = 0;
    std::uint32_t decider = 0;  // its proposer, who sends the entry to every agent
  };
  struct Removal {  // BlacklistRemoved, applied before `step` runs
    std::uint64_t step = 0;
    std::uint32_t indicator = 0;
  };
  struct Revocation {  // SignatureRevoked, applied after the decisions of `step`
    std::uint64_t step = 0;
    std::string signature_id;
    std::uint32_t indicator = 0;
  };
  struct LocalAdd {  // LocalBlacklistAdded (consensus.enabled = false)
    std::uint64_t step = 0;
    std::string signature_id;
    std::uint32_t indicator = 0;
    std::uint64_t expires_step = 0;
  };
  struct Model {  // ModelRetrained; versions of one agent are 1, 2, ... in this order
    std::uint64_t step = 0;
    std::uint64_t version = 0;
    std::uint64_t samples = 0;
    std::string digest;
  };
  struct Block {  // a network blacklist entry
    std::uint32_t indicator = 0;
    std::string signature_id;
    std::uint64_t expires_step = 0;
  };

  // Folds one event (every type may be passed; those it does not need are skipped).
  void apply(const std::string& type, std::uint64_t step, const nlohmann::json& data);
  // Keeps the network blacklist folded from the log up to the end of the heal step (sorted by
  // indicator): what every agent up learnt when the partition healed.
  void keep_healed(const projections::Blacklists::List& network);

  const std::deque<Decision>& decisions() const { return decisions_; }
  const std::deque<Removal>& removals() const { return removals_; }
  const std::deque<Revocation>& revocations() const { return revocations_; }
  // The step `signature_id` was last revoked at or before `step`, if it was.
  std::optional<std::uint64_t> revoked_by(const std::string& signature_id, std::uint64_t step) const;
  const std::deque<LocalAdd>& local_adds(std::uint32_t agent) const;
  // The agent's logged models still held (consecutive versions, oldest first).
  const std::deque<Model>& models(std::uint32_t agent) const;
  // Its logged model `version`, or nullptr when the log has none (or it was forgotten).
  const Model* model(std::uint32_t agent, std::uint64_t version) const;

  // Forgets the decisions, removals and revocations of steps before `step`: no replay will read
  // them again (every replay is at or past `step` plus the network's reach).
  void forget_before(std::uint64_t step);
  // Forgets the agent's local entries of steps before `step` and its models up to `version`: its
  // replay is past them.
  void forget_agent_before(std::uint32_t agent, std::uint64_t step, std::uint64_t version);
  // Entries held, for tests and the soak's accounting.
  std::size_t size() const;
  // The step of the agent's last AgentCrashed (0 when it never crashed).
  std::uint64_t last_crash(std::uint32_t agent) const;
  const std::vector<Block>& healed() const { return healed_; }

 private:
  friend class EngineSnapshot;  // server/engine_snapshot.h
  std::map<std::string, std::uint32_t> proposer_;  // pending signature id -> latest proposer
  std::deque<Decision> decisions_;
  std::deque<Removal> removals_;
  std::deque<Revocation> revocations_;
  std::map<std::uint32_t, std::deque<LocalAdd>> local_;
  std::map<std::uint32_t, std::deque<Model>> models_;
  std::map<std::uint32_t, std::uint64_t> crashes_;
  std::vector<Block> healed_;
};

}  // namespace dais::server

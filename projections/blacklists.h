// Projection: the network blacklist (indicators of accepted signatures, from
// ConsensusReached) and each agent's local blacklist (LocalBlacklistAdded,
// written when consensus.enabled is false), with expiry and hit counts;
// BlacklistRemoved lifts an indicator from all of them.
// Serves GET /v1/blacklist; blocks(agent, indicator, step) answers "would this
// flow be dropped".
// Rules, all in simulation steps, matching agents::Blacklist and the engine:
//   - An entry added at step a with expires_step x has ttl = x - a. It blocks
//     at steps s < expires_step (exclusive, as agents::Blacklist), and is gone
//     once the StepCompleted for step x - 1 (or later) has been folded.
//   - StepCompleted.blacklist_hits (indicator -> flows blocked that step,
//     summed over agents) credits each count to every entry for that indicator
//     still live at that step (the network entry and each agent's local one:
//     the event does not say which agent blocked) and moves its expiry to
//     max(expires_step, step + ttl). Each agent renews its own copy of a
//     network entry on its own hits, and the engine renews its network entry
//     on every agent's hits (ConsensusRound::renew), so the network entry shown
//     here equals the engine's and carries the latest expiry among the agents'
//     copies: blocks() says whether some agent still lists it.
//   - Adding an indicator already listed keeps its added_step and hits, takes
//     the newer signature_id and ttl, and the later expiry.
//   - BlacklistRemoved (an operator input) and SignatureRevoked (disputes outweighed
//     corroborations, validation.defence evidence) drop the indicator from the network
//     list and every local list at once.
//   Per-agent capacity eviction is not modelled (the log has no eviction event).
//   Published validity (what exports announce, so that nothing announced is ever edited): an accepted
//   signature's network entry is announced valid until the expiry its decision set. When a
//   StepCompleted for step s finds an announced end at or before s + 1 while hits have kept the entry
//   listed past it, a renewal is recorded: {step = the announced end, until = the current expiry}.
//   When the entry stops blocking, `ended_step` records when: its final expiry, or the step another
//   signature for the same indicator took the entry over, or an operator removed it (BlacklistRemoved).
//   Each renewal and the end also keep the seq and step of the event whose fold recorded them, so a
//   feed (TAXII) can say when each version was added. network_validity(signature) returns this history;
//   accepting the signature again starts a new one, and the earlier ones stay in
//   earlier_network_validity(signature), oldest first: nothing once announced is forgotten.
// Lists are std::maps by indicator (and agent), so views are sorted.
// Errors: ProjectionError for malformed data. Not internally synchronised.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::projections {

struct Renewal {
  std::uint64_t step = 0;   // the announced end it extends
  std::uint64_t until = 0;  // the new announced end
  std::uint64_t at_seq = 0;   // the StepCompleted that recorded it
  std::uint64_t at_step = 0;  // and its step
  bool operator==(const Renewal&) const = default;
};

struct NetworkValidity {  // see the header comment
  std::uint64_t decided_step = 0;
  std::uint64_t valid_until = 0;  // the latest announced end
  std::vector<Renewal> renewals;  // oldest first
  std::optional<std::uint64_t> ended_step;
  std::uint64_t ended_at_seq = 0;   // with ended_step: the event that recorded the end
  std::uint64_t ended_at_step = 0;  // and its step
  bool operator==(const NetworkValidity&) const = default;
};

struct BlacklistEntry {
  std::string indicator;
  std::string signature_id;
  std::uint64_t added_step = 0;
  std::uint64_t expires_step = 0;
  std::uint64_t ttl = 0;  // expiry length restored by each hit
  std::uint64_t hits = 0;
  bool operator==(const BlacklistEntry&) const = default;
};

class Blacklists {
 public:
  using List = std::map<std::string, BlacklistEntry, std::less<>>;

  void apply(const events::Event& event);

  const List& network() const { return network_; }
  // The agent's local list (empty when it has none).
  const List& local(std::uint32_t agent) const;
  const std::map<std::uint32_t, List>& locals() const { return locals_; }
  // True when the network list, or `agent`'s local list, lists `indicator` at `step` (step < expires_step).
  bool blocks(std::uint32_t agent, std::string_view indicator, std::uint64_t step) const;
  // The published validity of an accepted signature's network entry (header comment); null if never accepted.
  const NetworkValidity* network_validity(std::string_view signature_id) const;
  // The validity of the signature's earlier acceptances, oldest first (empty when accepted at most once).
  const std::vector<NetworkValidity>& earlier_network_validity(std::string_view signature_id) const;
  // The last step a StepCompleted was folded for (0 before any).
  std::uint64_t completed_step() const { return completed_step_; }

  // API view: {"network": [...], "local": {"<agent>": [...]}, "completed_step"}.
  nlohmann::json view() const;
  static nlohmann::json entry_json(const BlacklistEntry& entry);

  nlohmann::json to_json() const;
  static Blacklists from_json(const nlohmann::json& json);

 private:
  static constexpr std::uint32_t kNetwork = 0xFFFFFFFFu;  // owner id of network entries in the expiry index
  using ExpiryKey = std::tuple<std::uint64_t, std::uint32_t, std::string>;  // (expires_step, owner, indicator)

  void add(std::uint32_t owner, List& list, const std::string& indicator, const std::string& signature_id,
           std::uint64_t step, std::uint64_t expires_step);
  void remove(const std::string& indicator, const events::Event& event);
  void credit_hit(std::uint32_t owner, BlacklistEntry& entry, std::uint64_t count, std::uint64_t step);
  void on_step_completed(const events::Event& event);
  void renew_announced(const events::Event& event);
  void end_validity(const std::string& signature_id, const std::string& indicator, std::uint64_t step,
                    const events::Event& event);
  void rebuild_indices();

  List network_;
  std::map<std::uint32_t, List> locals_;
  std::map<std::string, std::set<std::uint32_t>, std::less<>> local_owners_;  // indicator -> agents listing it
  std::set<ExpiryKey> by_expiry_;
  std::map<std::string, NetworkValidity, std::less<>> validity_;  // signature id -> its network entry's validity
  std::map<std::string, std::vector<NetworkValidity>, std::less<>> earlier_validity_;  // earlier acceptances
  std::set<std::pair<std::uint64_t, std::string>> by_valid_until_;  // (announced end, indicator), listed entries
  std::uint64_t completed_step_ = 0;
};

}  // namespace dais::projections

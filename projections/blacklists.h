// Projection: the network blacklist (indicators of accepted signatures, from
// ConsensusReached) and each agent's local blacklist (LocalBlacklistAdded,
// written when consensus.enabled is false), with expiry and hit counts.
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
//     network entry on its own hits, so the network entry shown here carries
//     the latest expiry among the agents' copies: blocks() says whether some
//     agent still lists it.
//   - Adding an indicator already listed keeps its added_step and hits, takes
//     the newer signature_id and ttl, and the later expiry.
//   Per-agent capacity eviction is not modelled (the log has no eviction event).
//   network_ended(signature) is the step from which a signature's network entry stopped blocking: its
//   final expiry, or the step another signature for the same indicator took the entry over; cleared
//   when the signature is accepted again. Exports revoke indicators from it.
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

#include <nlohmann/json.hpp>

#include "events/events.h"

namespace dais::projections {

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
  // See the header comment; nullopt while the signature's network entry is listed or was never listed.
  std::optional<std::uint64_t> network_ended(std::string_view signature_id) const;
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
  void credit_hit(std::uint32_t owner, BlacklistEntry& entry, std::uint64_t count, std::uint64_t step);
  void on_step_completed(const events::Event& event);
  void rebuild_indices();

  List network_;
  std::map<std::uint32_t, List> locals_;
  std::map<std::string, std::set<std::uint32_t>, std::less<>> local_owners_;  // indicator -> agents listing it
  std::set<ExpiryKey> by_expiry_;
  std::map<std::string, std::uint64_t, std::less<>> network_ended_;  // signature id -> step it stopped blocking
  std::uint64_t completed_step_ = 0;
};

}  // namespace dais::projections

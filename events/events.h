// The event vocabulary of a DAIS run (DESIGN.md "Events"): one struct per
// event type with its JSON shape declared beside it, so the shape cannot drift.
// The engine serialises these into `data`; projections and tools parse them back.
// Pure value types; no I/O; thread-compatible.
// Parsing errors throw nlohmann::json exceptions (callers at the edge turn them
// into messages naming the seq).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dais::events {

namespace type {
inline constexpr const char* run_started = "RunStarted";
inline constexpr const char* signature_proposed = "SignatureProposed";
inline constexpr const char* signature_endorsed = "SignatureEndorsed";
inline constexpr const char* vote_cast = "VoteCast";
inline constexpr const char* consensus_reached = "ConsensusReached";
inline constexpr const char* local_blacklist_added = "LocalBlacklistAdded";
inline constexpr const char* model_retrained = "ModelRetrained";
inline constexpr const char* agent_crashed = "AgentCrashed";
inline constexpr const char* agent_recovered = "AgentRecovered";
inline constexpr const char* step_completed = "StepCompleted";
// Operator inputs: appended when accepted, fed back by dais-replay.
inline constexpr const char* simulation_paused = "SimulationPaused";
inline constexpr const char* simulation_resumed = "SimulationResumed";
inline constexpr const char* attack_injected = "AttackInjected";
inline constexpr const char* blacklist_removed = "BlacklistRemoved";
}  // namespace type

// True for events that come from outside the simulation (replay feeds them back).
bool is_operator_input(std::string_view type);

// An input file of recorded traffic, as RunStarted records it so a replay can find and check it:
// role "traffic" (flows or packets) or "labels", the file's name (no folder), size and SHA-256 (hex).
struct TrafficFile {
  std::string role;
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;
};

// seq 0: everything needed to reproduce the run.
struct RunStarted {
  nlohmann::json config;  // the full effective configuration, key -> value
  std::uint64_t seed = 0;
  std::string version;    // program version that wrote the log
  std::string format;     // log format name, "dais-log/1"
  std::uint32_t agents = 0;
  std::uint64_t steps = 0;
  std::vector<std::uint32_t> byzantine;  // fault setting: the agents that lie (seeded; empty without faults)
  // Recorded traffic's input files, in reading order; the key is absent when empty (synthetic
  // traffic), so a synthetic run's RunStarted bytes are those of versions without it.
  std::vector<TrafficFile> traffic_files;
};

// An agent shares a threat signature. `signature_id` is a content hash, so the
// same finding from two agents has the same id.
struct SignatureProposed {
  std::string signature_id;
  std::uint32_t agent = 0;
  std::string indicator;            // source address the signature blocks
  std::vector<double> centroid;     // mean feature vector of the flagged flows
  std::vector<double> lower;        // per-feature bounds of the flagged flows
  std::vector<double> upper;
  double confidence = 0;            // from the anomaly scores, in [0, 1]
  std::uint32_t observations = 0;   // flagged flows behind it
  std::uint64_t deadline_step = 0;  // last step of its voting window
};

// A second proposal of a pending signature by another agent counts as an endorsement.
struct SignatureEndorsed {
  std::string signature_id;
  std::uint32_t agent = 0;
  double confidence = 0;
  std::uint32_t observations = 0;
};

struct VoteCast {
  std::string signature_id;
  std::uint32_t voter = 0;
  bool approve = false;
  double similarity = 0;  // cosine similarity on standardised features
  double confidence = 0;  // the voter's confidence in its vote, [0, 1]
  double weight = 1;      // reputation weight at the time of the vote
};

struct ConsensusReached {
  std::string signature_id;
  bool accepted = false;
  std::uint32_t yes = 0;
  std::uint32_t no = 0;
  std::uint32_t voters = 0;  // agents eligible to vote (committee size or active agents)
  double yes_weight = 0;
  double no_weight = 0;
  std::string reason;        // "majority", "minority", "tie", "no_quorum", "protected_address"
  std::string indicator;
  std::uint64_t expires_step = 0;  // when accepted: blacklist expiry
};

// consensus.enabled = false: an agent blocks what it found, for itself only.
struct LocalBlacklistAdded {
  std::uint32_t agent = 0;
  std::string signature_id;
  std::string indicator;
  std::uint64_t expires_step = 0;
};

struct ModelRetrained {
  std::uint32_t agent = 0;
  std::uint64_t version = 0;
  std::uint64_t samples = 0;
  std::string model_digest;  // SHA-256 of the serialised forest, hex
};

struct AgentCrashed {
  std::uint32_t agent = 0;
  std::uint64_t recover_step = 0;
};

// The agent recovered with the model of its last ModelRetrained (model_version, its digest; 0 and
// "" when it never had one), rebuilt from the log and its traffic (server/agent_replay.h).
struct AgentRecovered {
  std::uint32_t agent = 0;
  std::uint64_t missed_steps = 0;
  std::uint64_t model_version = 0;
  std::string model_digest;
};

// Per-step statistics, so a client can chart a run from the stream alone.
struct StepCompleted {
  std::uint64_t flows = 0;
  std::uint64_t attack_flows = 0;
  std::uint64_t flagged = 0;
  std::uint64_t true_positives = 0;   // attack flows flagged or blocked
  std::uint64_t false_positives = 0;  // benign flows flagged or blocked
  std::uint64_t false_negatives = 0;  // attack flows neither flagged nor blocked
  std::uint64_t blocked = 0;          // flows dropped by a blacklist
  std::uint64_t blocked_attack = 0;
  std::uint64_t blocked_benign = 0;
  std::uint32_t active_agents = 0;
  std::uint32_t proposed = 0;
  std::uint32_t endorsed = 0;
  std::uint32_t votes = 0;
  std::uint32_t accepted = 0;
  std::uint32_t rejected = 0;
  std::uint32_t retrained = 0;
  // A crashed agent's segment is unmonitored: its flows still happen and are counted above
  // (flows, attack_flows; every attack among them a false negative), and again here.
  std::uint64_t flows_while_down = 0;
  std::uint64_t missed_while_down = 0;  // attack flows that reached a crashed agent
  std::map<std::string, std::uint64_t> blacklist_hits;  // indicator -> flows blocked this step (network + local lists)
};

struct SimulationPaused {
  std::string by;  // "api" or a client-supplied note
};

struct SimulationResumed {
  std::string by;
};

// An attack campaign injected by an operator, starting at `start_step`.
struct AttackInjected {
  std::string campaign_id;
  std::string kind;                  // port_scan, flood, brute_force, exfiltration, low_and_slow
  std::vector<std::string> sources;  // attacker addresses
  std::vector<std::uint32_t> targets;  // agents reached, in order
  std::uint64_t start_step = 0;
  std::uint32_t delay_steps = 1;     // steps between reaching successive targets
  std::uint32_t duration_steps = 0;  // how long each target is hit; 0 = the kind's default
};

// An operator lifts a block (a false positive, a forged signature found out): the indicator
// leaves the network blacklist and every agent's list from the next step on. It may be
// proposed, voted on and blocked again later.
struct BlacklistRemoved {
  std::string indicator;
  std::string by;  // "api" or a client-supplied note
};

#define DAIS_EVENT_JSON(T, ...) NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(T, __VA_ARGS__)
DAIS_EVENT_JSON(TrafficFile, role, name, size, sha256)
inline void to_json(nlohmann::json& j, const RunStarted& e) {
  j = nlohmann::json{{"config", e.config}, {"seed", e.seed},     {"version", e.version},    {"format", e.format},
                     {"agents", e.agents}, {"steps", e.steps}, {"byzantine", e.byzantine}};
  if (!e.traffic_files.empty()) j["traffic_files"] = e.traffic_files;
}
inline void from_json(const nlohmann::json& j, RunStarted& e) {
  j.at("config").get_to(e.config);
  j.at("seed").get_to(e.seed);
  j.at("version").get_to(e.version);
  j.at("format").get_to(e.format);
  j.at("agents").get_to(e.agents);
  j.at("steps").get_to(e.steps);
  j.at("byzantine").get_to(e.byzantine);
  if (const auto it = j.find("traffic_files"); it != j.end()) it->get_to(e.traffic_files);
}
DAIS_EVENT_JSON(SignatureProposed, signature_id, agent, indicator, centroid, lower, upper, confidence, observations,
                deadline_step)
DAIS_EVENT_JSON(SignatureEndorsed, signature_id, agent, confidence, observations)
DAIS_EVENT_JSON(VoteCast, signature_id, voter, approve, similarity, confidence, weight)
DAIS_EVENT_JSON(ConsensusReached, signature_id, accepted, yes, no, voters, yes_weight, no_weight, reason, indicator,
                expires_step)
DAIS_EVENT_JSON(LocalBlacklistAdded, agent, signature_id, indicator, expires_step)
DAIS_EVENT_JSON(ModelRetrained, agent, version, samples, model_digest)
DAIS_EVENT_JSON(AgentCrashed, agent, recover_step)
DAIS_EVENT_JSON(AgentRecovered, agent, missed_steps, model_version, model_digest)
DAIS_EVENT_JSON(StepCompleted, flows, attack_flows, flagged, true_positives, false_positives, false_negatives, blocked,
                blocked_attack, blocked_benign, active_agents, proposed, endorsed, votes, accepted, rejected, retrained,
                flows_while_down, missed_while_down, blacklist_hits)
DAIS_EVENT_JSON(SimulationPaused, by)
DAIS_EVENT_JSON(SimulationResumed, by)
DAIS_EVENT_JSON(AttackInjected, campaign_id, kind, sources, targets, start_step, delay_steps, duration_steps)
DAIS_EVENT_JSON(BlacklistRemoved, indicator, by)
#undef DAIS_EVENT_JSON

// Type name of each struct, for generic encoding.
template <typename T> constexpr const char* type_name();
template <> constexpr const char* type_name<RunStarted>() { return type::run_started; }
template <> constexpr const char* type_name<SignatureProposed>() { return type::signature_proposed; }
template <> constexpr const char* type_name<SignatureEndorsed>() { return type::signature_endorsed; }
template <> constexpr const char* type_name<VoteCast>() { return type::vote_cast; }
template <> constexpr const char* type_name<ConsensusReached>() { return type::consensus_reached; }
template <> constexpr const char* type_name<LocalBlacklistAdded>() { return type::local_blacklist_added; }
template <> constexpr const char* type_name<ModelRetrained>() { return type::model_retrained; }
template <> constexpr const char* type_name<AgentCrashed>() { return type::agent_crashed; }
template <> constexpr const char* type_name<AgentRecovered>() { return type::agent_recovered; }
template <> constexpr const char* type_name<StepCompleted>() { return type::step_completed; }
template <> constexpr const char* type_name<SimulationPaused>() { return type::simulation_paused; }
template <> constexpr const char* type_name<SimulationResumed>() { return type::simulation_resumed; }
template <> constexpr const char* type_name<AttackInjected>() { return type::attack_injected; }
template <> constexpr const char* type_name<BlacklistRemoved>() { return type::blacklist_removed; }

// A parsed log entry as projections see it.
struct Event {
  std::uint64_t seq = 0;
  std::string type;
  std::uint64_t step = 0;
  nlohmann::json data;
  // The stored SHA-256 of the event bytes, 64 lower-case hex; empty when the caller folds events it has not
  // stored (tests, a replay before its check). Outside the event bytes: the store computes it, it is not parsed.
  std::string hash;
};

// Parses stored event bytes ({"seq","type","step","prev","data"}); throws on malformed input.
Event parse_event(std::string_view bytes);

// Serialises `data` deterministically (sorted keys, shortest round-trip doubles).
template <typename T> std::string encode_data(const T& value) { return nlohmann::json(value).dump(); }

}  // namespace dais::events

// The engine's whole state between two steps as bytes, and back: what a resume
// restores instead of re-executing the log from seq 0 (docs/OPERATIONS.md
// "Engine snapshots"). The bytes are the magic "DAISENGN", a u32 format version,
// then named parts in a fixed order, each a length-prefixed name and payload:
//   engine (next step, next campaign id), campaigns, agents (one record each: fault
//   state, model, threshold, training window, blacklist, validator view, flagged
//   flows, remembered signatures, evidence on blocked flows), consensus (pending,
//   rejected, network blacklist, reputation, ground truth, signatures under
//   judgement), deliveries, log_blacklists, protection (with each pair's churn memo,
//   agents::SlotGenerations), recovery, detection_by_kind, detection_by_label (recorded traffic), recovery_journal (what
//   recovery reads from the log, server/recovery_journal.h) and agent_replays (each
//   recovered agent's replay, server/agent_replay.h: its state, last retrain and step).
// Each part is one save_/restore_ pair in engine_snapshot.cpp: state a later change
// adds to the engine gets its own part (and a format bump), and the round-trip test
// (tests/server/test_engine_snapshot.cpp) compares every part. Each agent's traffic
// generator is not saved: it is a cache of pure functions that rebuilds itself.
// The models are saved as their canonical serialised forests (refitting would need the
// rows each was fitted on, which the engine no longer holds).
// restore() needs an engine freshly constructed from the same settings (next_step() 0);
// it throws SnapshotError for bytes it cannot use (wrong magic, format, parts, agent
// count, truncation, values that do not fit), after which the engine must be discarded.
// Stateless functions; the engine must not be stepped while they run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/snapshot_bytes.h"

namespace dais::server {

class Engine;
struct AgentRuntime;
class ConsensusRound;
class ProtectionTracker;
class TrainingWindow;

class EngineSnapshot {
 public:
  static constexpr std::string_view kMagic = "DAISENGN";
  static constexpr std::uint32_t kFormat = 4;

  static std::string save(const Engine& engine);
  static void restore(Engine& engine, std::string_view bytes);

  // The names of the parts, in the order they are written.
  static const std::vector<std::string>& part_names();

 private:
  // One pair per part (Engine, ConsensusRound, ProtectionTracker, TrainingWindow, RecoveryJournal
  // and AgentReplay name
  // this class a friend, so the parts read and write their members directly).
  static void save_engine(ByteWriter& w, const Engine& e);
  static void restore_engine(ByteReader& r, Engine& e);
  static void save_campaigns(ByteWriter& w, const Engine& e);
  static void restore_campaigns(ByteReader& r, Engine& e);
  static void save_agents(ByteWriter& w, const Engine& e);
  static void restore_agents(ByteReader& r, Engine& e);
  static void save_agent(ByteWriter& w, const AgentRuntime& a);
  static void restore_agent(ByteReader& r, const Engine& e, AgentRuntime& a);
  static void save_training(ByteWriter& w, const TrainingWindow& t);
  static void restore_training(ByteReader& r, TrainingWindow& t);
  static void save_consensus(ByteWriter& w, const Engine& e);
  static void restore_consensus(ByteReader& r, Engine& e);
  static void save_deliveries(ByteWriter& w, const Engine& e);
  static void restore_deliveries(ByteReader& r, Engine& e);
  static void save_log_blacklists(ByteWriter& w, const Engine& e);
  static void restore_log_blacklists(ByteReader& r, Engine& e);
  static void save_protection(ByteWriter& w, const Engine& e);
  static void restore_protection(ByteReader& r, Engine& e);
  static void save_recovery(ByteWriter& w, const Engine& e);
  static void restore_recovery(ByteReader& r, Engine& e);
  static void save_detection_by_kind(ByteWriter& w, const Engine& e);
  static void restore_detection_by_kind(ByteReader& r, Engine& e);
  static void save_detection_by_label(ByteWriter& w, const Engine& e);
  static void restore_detection_by_label(ByteReader& r, Engine& e);
  static void save_recovery_journal(ByteWriter& w, const Engine& e);
  static void restore_recovery_journal(ByteReader& r, Engine& e);
  static void save_agent_replays(ByteWriter& w, const Engine& e);
  static void restore_agent_replays(ByteReader& r, Engine& e);

  struct Part {
    const char* name;
    void (*save)(ByteWriter&, const Engine&);
    void (*restore)(ByteReader&, Engine&);
  };
  static const std::vector<Part>& parts();
};

}  // namespace dais::server

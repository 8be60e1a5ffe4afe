// What the parallel phases produce for one agent, and how it crosses ranks. Under
// MPI each rank runs observe/detect, vote and retrain for the agents it owns
// (server/partition.h); share_slots() then hands every rank the results of every
// agent, so all ranks run the sequential phases (propose, decide, apply) on the
// same values in the same agent order. Values are written bit for bit
// (server/rank_codec.h): a merged result equals the one a single process computes.
// share_slots is collective (server/rank_exchange.h); the codecs are pure.
// Errors: a malformed or mismatched message throws std::runtime_error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

#include "agents/signature.h"
#include "events/events.h"
#include "server/consensus_round.h"
#include "server/protection_tracker.h"
#include "server/rank_codec.h"
#include "server/rank_exchange.h"

namespace dais::server {

// What one agent saw in one step; filled in parallel by its owner, read in agent order.
struct AgentObservation {
  events::StepCompleted counts;
  std::map<std::uint32_t, std::uint64_t> hits;  // blocked flows by source
  std::vector<agents::Signature> findings;      // honest signatures, or a Byzantine agent's forgery
  std::vector<bool> forged;                     // parallel to findings: forged by the adversary
  std::map<std::uint32_t, KindDetection> by_label;  // attack flows and detected ones, by campaign id
  std::optional<std::uint64_t> recovered_to_block;  // steps from its recovery to this first block
};

void write_observation(ByteWriter& w, const AgentObservation& o);
void read_observation(ByteReader& r, AgentObservation& o);
// One voter's ballots: only what the voter fills in (approve, similarity, confidence, abstain);
// the rest comes from ConsensusRound::ballots_owed, the same on every rank.
void write_ballots(ByteWriter& w, const std::vector<Ballot>& ballots);
void read_ballots(ByteReader& r, std::vector<Ballot>& ballots);
void write_retrained(ByteWriter& w, const events::ModelRetrained& m);
void read_retrained(ByteReader& r, events::ModelRetrained& m);
void write_recovered(ByteWriter& w, const events::AgentRecovered& m);
void read_recovered(ByteReader& r, events::AgentRecovered& m);

// Slots are indexed by agent id. Each rank sends the slots of its `owned` agents for which
// `present(slot)` holds (with their ids); every other rank's slots are filled from theirs.
template <typename T, typename Present, typename Write, typename Read>
void share_slots(RankExchange& ranks, const std::vector<std::uint32_t>& owned, std::vector<T>& slots,
                 Present present, Write write, Read read) {
  ByteWriter w;
  for (const auto a : owned) {
    if (!present(slots[a])) continue;
    w.u32(a);
    write(w, slots[a]);
  }
  const auto all = ranks.all_gather(w.take());
  for (int r = 0; r < static_cast<int>(all.size()); ++r) {
    if (r == ranks.rank()) continue;
    ByteReader in(all[r]);
    while (!in.done()) {
      const auto a = in.u32();
      if (a >= slots.size()) throw std::runtime_error("a rank message names agent " + std::to_string(a) + " of " +
                                                      std::to_string(slots.size()));
      read(in, slots[a]);
    }
  }
}

}  // namespace dais::server

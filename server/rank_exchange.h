// The one seam between the engine and MPI: what the engine asks of the other
// ranks of a run, with no MPI header in sight (server/rank_exchange_mpi.* holds
// the Boost.MPI side, linked into daisd alone). Rank 0 is the sequencer (it owns
// the log, the projections and the API, and broadcasts what every rank must apply
// before a step); every rank steps the agents it owns (server/partition.h) and
// all ranks swap the results of each parallel phase with all_gather, so each
// runs the sequential phases on the same merged results (docs/SCALING.md).
// Collective: every rank calls the same operations in the same order. Not
// thread-safe: the thread driving the engine calls it. The counters are what
// this rank sent and received, for docs/SCALING.md and the end-of-run line.
// Errors: a failed exchange throws std::runtime_error; abort() never returns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dais::server {

struct ExchangeCounters {
  std::uint64_t steps = 0;            // steps run (counted by the engine)
  std::uint64_t collectives = 0;      // all_gather and broadcast calls
  std::uint64_t bytes_sent = 0;       // this rank's payload handed to the collectives
  std::uint64_t bytes_gathered = 0;   // payload of every rank that reached this rank
};

class RankExchange {
 public:
  virtual ~RankExchange() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every rank contributes `mine`; returns every rank's contribution, indexed by rank.
  virtual std::vector<std::string> all_gather(const std::string& mine) = 0;
  // Rank 0's `message` reaches every rank (the argument is ignored on the others).
  virtual std::string broadcast(const std::string& message) = 0;
  // Ends the whole job: prints "daisd rank R of P: <reason>" and makes every rank exit non-zero.
  [[noreturn]] virtual void abort(const std::string& reason) = 0;
  const ExchangeCounters& counters() const { return counters_; }
  void count_step() { ++counters_.steps; }

 protected:
  ExchangeCounters counters_;
};

}  // namespace dais::server

// What rank 0 broadcasts to the other ranks of an MPI run, and the loop those ranks
// run. A run starts with `start` (the run's effective configuration as Config JSON
// with the worker threads per rank and the partition, which resume may change); before every step rank 0 sends `step` with the
// operator inputs applied since the previous one, in the order it applied them; `stop`
// ends the job. Inputs travel as events (type, step, data), so a follower applies
// exactly what rank 0 logged.
// Pure codecs, plus follow_rank_zero(), which runs on ranks other than 0 until stop.
// Errors: decode_command throws std::runtime_error on malformed bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/events.h"
#include "server/partition.h"

namespace dais::server {

class RankExchange;

struct RankCommand {
  enum class Kind : std::uint8_t { stop = 0, start = 1, step = 2 };
  Kind kind = Kind::stop;
  nlohmann::json config;          // start: config::Config::to_json() of the run
  unsigned threads = 0;           // start: worker threads per rank (0 = cores)
  Partition partition = Partition::block;  // start: which rank owns which agent
  std::uint64_t step = 0;         // step: the step to run
  std::vector<events::Event> inputs;  // step: operator inputs to apply first
};

std::string encode_start_command(const nlohmann::json& config, unsigned threads, Partition partition);
std::string encode_step_command(std::uint64_t step, const std::vector<events::Event>& inputs);
std::string encode_stop_command();
RankCommand decode_command(const std::string& bytes);

// A rank other than 0: waits for rank 0's commands and runs the steps they name with its
// engine until `stop` (returns 0). A step for another step number than its engine's next is
// a protocol error (std::runtime_error).
int follow_rank_zero(RankExchange& ranks);

}  // namespace dais::server

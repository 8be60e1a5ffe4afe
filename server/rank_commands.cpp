#include "server/rank_commands.h"

#include <memory>
#include <stdexcept>

#include "config/config.h"
#include "server/engine.h"
#include "server/rank_codec.h"
#include "server/rank_exchange.h"
#include "server/settings.h"
#include "server/thread_pool.h"

namespace dais::server {

std::string encode_start_command(const nlohmann::json& config, unsigned threads, Partition partition) {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(RankCommand::Kind::start));
  w.str(config.dump());
  w.u32(threads);
  w.u8(partition == Partition::round_robin ? 1 : 0);
  return w.take();
}

std::string encode_step_command(std::uint64_t step, const std::vector<events::Event>& inputs) {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(RankCommand::Kind::step));
  w.u64(step);
  w.u32(static_cast<std::uint32_t>(inputs.size()));
  for (const auto& e : inputs) {
    w.str(e.type);
    w.u64(e.step);
    w.str(e.data.dump());
  }
  return w.take();
}

std::string encode_stop_command() {
  ByteWriter w;
  w.u8(static_cast<std::uint8_t>(RankCommand::Kind::stop));
  return w.take();
}

RankCommand decode_command(const std::string& bytes) {
  ByteReader r(bytes);
  RankCommand c;
  const auto kind = r.u8();
  if (kind > static_cast<std::uint8_t>(RankCommand::Kind::step)) {
    throw std::runtime_error("unknown rank command " + std::to_string(kind));
  }
  c.kind = static_cast<RankCommand::Kind>(kind);
  if (c.kind == RankCommand::Kind::start) {
    c.config = nlohmann::json::parse(r.str());
    c.threads = r.u32();
    c.partition = r.u8() == 1 ? Partition::round_robin : Partition::block;
  } else if (c.kind == RankCommand::Kind::step) {
    c.step = r.u64();
    for (auto n = r.u32(); n > 0; --n) {
      events::Event e;
      e.type = r.str();
      e.step = r.u64();
      e.data = nlohmann::json::parse(r.str());
      c.inputs.push_back(std::move(e));
    }
  }
  if (!r.done()) throw std::runtime_error("a rank command has trailing bytes");
  return c;
}

int follow_rank_zero(RankExchange& ranks) {
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Engine> engine;
  for (;;) {
    const auto command = decode_command(ranks.broadcast(std::string{}));
    switch (command.kind) {
      case RankCommand::Kind::stop:
        return 0;
      case RankCommand::Kind::start: {
        auto settings = settings_from_config(config::Config::from_json(command.config));
        settings.threads = command.threads;
        settings.partition = command.partition;
        engine.reset();
        pool = std::make_unique<ThreadPool>(settings.threads);
        engine = std::make_unique<Engine>(std::move(settings), *pool, &ranks);
        break;
      }
      case RankCommand::Kind::step:
        if (!engine) throw std::runtime_error("rank 0 sent a step before the run started");
        if (command.step != engine->next_step()) {
          throw std::runtime_error("rank 0 runs step " + std::to_string(command.step) + ", this rank is at step " +
                                   std::to_string(engine->next_step()));
        }
        for (const auto& input : command.inputs) engine->apply_operator_input(input);
        engine->run_step();
        break;
    }
  }
}

}  // namespace dais::server

#include "server/simulation.h"

#include "agents/features.h"
#include "agents/indicator.h"

namespace dais::server {

namespace {
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
ControlReply error_reply(int status, const std::string& message) {
  return ControlReply{status, nlohmann::json{{"error", message}}};
}
}  // namespace

Simulation::Simulation(Run& run, std::chrono::milliseconds step_interval)
    : run_(run), step_interval_(step_interval), last_step_ns_(now_ns()) {
  finished_ = run_.finished();
}

double Simulation::seconds_since_last_step() const {
  return static_cast<double>(now_ns() - last_step_ns_.load()) / 1e9;
}

void Simulation::stop() {
  stop_ = true;
  std::lock_guard lock(mutex_);
  wake_.notify_all();
}

ControlReply Simulation::submit(std::function<ControlReply()> command) {
  if (stop_) return error_reply(503, "the simulation is shutting down");
  std::packaged_task<ControlReply()> task(std::move(command));
  auto reply = task.get_future();
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(std::move(task));
  }
  wake_.notify_all();
  // The loop takes commands between steps; a step never takes this long unless something is wrong.
  if (reply.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return error_reply(503, "the simulation did not answer within 10 s");
  }
  return reply.get();
}

void Simulation::drain_commands() {
  std::deque<std::packaged_task<ControlReply()>> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(commands_);
  }
  for (auto& task : pending) task();
}

ControlReply Simulation::pause() {
  return submit([this] {
    if (run_.paused()) return error_reply(409, "the simulation is already paused");
    run_.append_operator_input(events::type::simulation_paused, events::SimulationPaused{"api"});
    return ControlReply{200, {{"paused", true}, {"next_step", run_.completed_steps()}}};
  });
}

ControlReply Simulation::resume() {
  return submit([this] {
    if (!run_.paused()) return error_reply(409, "the simulation is not paused");
    run_.append_operator_input(events::type::simulation_resumed, events::SimulationResumed{"api"});
    single_steps_ = 0;
    return ControlReply{200, {{"paused", false}, {"next_step", run_.completed_steps()}}};
  });
}

ControlReply Simulation::step_once() {
  return submit([this] {
    if (!run_.paused()) return error_reply(409, "single steps are for a paused simulation; pause it first");
    if (run_.finished()) return error_reply(409, "the run is finished");
    ++single_steps_;
    return ControlReply{202, {{"stepping", run_.completed_steps()}}};
  });
}

ControlReply Simulation::inject_attack(const nlohmann::json& request) {
  return submit([this, request] {
    if (run_.finished()) return error_reply(409, "the run is finished; no further steps will run");
    events::AttackInjected attack;
    try {
      attack = run_.attack_from_request(request);
    } catch (const std::invalid_argument& e) {
      return error_reply(400, e.what());
    }
    run_.append_operator_input(events::type::attack_injected, attack);
    return ControlReply{202, nlohmann::json(attack)};
  });
}

ControlReply Simulation::remove_blacklist(const nlohmann::json& request) {
  return submit([this, request] {
    if (run_.finished()) return error_reply(409, "the run is finished; no further steps will run");
    const auto indicator = request.find("indicator");
    if (indicator == request.end() || !indicator->is_string()) {
      return error_reply(400, "'indicator' (an IPv4 address or a.b.c.d/len prefix string) is required");
    }
    events::BlacklistRemoved removed{indicator->get<std::string>(), "api"};
    if (const auto by = request.find("by"); by != request.end()) {
      if (!by->is_string()) return error_reply(400, "'by' must be a string");
      removed.by = by->get<std::string>().substr(0, 200);
    }
    if (!agents::parse_indicator_ipv4(removed.indicator)) {
      return error_reply(400, "'indicator' is not an IPv4 address or prefix: '" + removed.indicator.substr(0, 64) + "'");
    }
    try {
      run_.append_operator_input(events::type::blacklist_removed, removed);
    } catch (const std::invalid_argument& e) {
      return error_reply(404, e.what());  // well-formed, so what is missing is a block to lift
    }
    return ControlReply{202, nlohmann::json(removed)};
  });
}

void Simulation::run_loop(bool stop_when_finished) {
  loop_alive_ = true;
  while (!stop_) {
    drain_commands();
    finished_ = run_.finished();
    if (finished_ && stop_when_finished) break;
    const bool may_step = !finished_ && (!run_.paused() || single_steps_ > 0);
    if (!may_step) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stop_ || !commands_.empty(); });
      continue;
    }
    if (run_.paused()) --single_steps_;
    run_.step();
    last_step_ns_ = now_ns();
    if (step_interval_.count() > 0) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, step_interval_, [&] { return stop_.load(); });
    }
  }
  drain_commands();
  finished_ = run_.finished();
  loop_alive_ = false;
}

}  // namespace dais::server

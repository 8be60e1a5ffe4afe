// Drives a Run over time: the step loop, pacing, pause/resume/single step,
// operator attacks and blacklist removals, and a clean stop. run_loop() runs on the caller's thread;
// control methods may be called from any thread (the API's): each is queued
// and executed by the loop between steps, so the Run is only ever touched by
// one thread, and the reply says what happened.
// stop() (e.g. from a signal) lets the current step finish and be flushed,
// then run_loop returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>

#include <nlohmann/json.hpp>

#include "server/run.h"

namespace dais::server {

struct ControlReply {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
};

class Simulation {
 public:
  Simulation(Run& run, std::chrono::milliseconds step_interval);

  // Steps until the run is finished (then returns if stop_when_finished, else
  // idles serving control requests) or until stop().
  void run_loop(bool stop_when_finished);
  void stop();
  bool stopping() const { return stop_.load(); }

  ControlReply pause();
  ControlReply resume();
  ControlReply step_once();
  ControlReply inject_attack(const nlohmann::json& request);
  // {"indicator": "<IPv4>"[, "by": note]}: 202 and the BlacklistRemoved event appended
  // (the block is lifted from the next step on); 400 for a bad body, 404 when no
  // blacklist blocks the indicator, 409 when the run is finished.
  ControlReply remove_blacklist(const nlohmann::json& request);

  std::shared_ptr<const projections::Projections> projections() const { return run_.projections_snapshot(); }
  // Seconds since the last completed step (or since start), and whether the loop is running.
  double seconds_since_last_step() const;
  bool loop_alive() const { return loop_alive_.load(); }
  bool finished() const { return finished_.load(); }

 private:
  ControlReply submit(std::function<ControlReply()> command);
  void drain_commands();

  Run& run_;
  std::chrono::milliseconds step_interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<ControlReply()>> commands_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> loop_alive_{false};
  std::atomic<bool> finished_{false};
  std::atomic<std::int64_t> last_step_ns_{0};
  int single_steps_ = 0;  // loop thread only
};

}  // namespace dais::server

// daisd --follow http://LEADER: runs daisd as a read replica of another daisd
// (docs/OPERATIONS.md "Running a read replica"). It keeps its own log in
// --data, follows the leader with server/follower.h, folds what it stores
// into the projections, and with --serve serves the read-only API and the
// stream (with the leader's signed checkpoints); every control request is
// refused with 403 naming the leader. SIGINT/SIGTERM stop it cleanly.
// Thread safety: call once, from main, before any other thread starts.
// Errors: the exit code: 0 stopped by a signal, 1 the leader cannot be
// followed (a fork, a bad signature: the message says which) or the local log
// is damaged, 2 a usage or configuration error. Messages go to stderr.
#pragma once

#include <functional>
#include <string>

#include "config/config.h"

namespace dais::server {

struct ReplicaSetup {
  std::string data_dir;
  std::string leader_url;
  bool serve = false;
  // Checks an existing log before it is opened (daisd's check, in a child process): 0 when intact.
  std::function<int(const std::string& data_dir)> check_existing_log;
};

int run_replica(const config::Config& cfg, const ReplicaSetup& setup);

}  // namespace dais::server

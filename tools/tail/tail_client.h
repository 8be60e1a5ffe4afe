// The dais-tail client: follows the DAIS WebSocket event stream, prints each
// stored event's JSON as one line, optionally verifies hashes and prev links,
// and reconnects with from=<next seq> after a dropped connection (exponential
// backoff, 100 ms doubling to 5 s, for at most `retry_for`), so nothing is
// printed twice and nothing is skipped.
//
// run_tail() blocks until the run ends; it handles SIGINT and SIGTERM itself
// (a clean stop, exit 0) and ignores SIGPIPE. One call at a time per process.
// Errors are reported on `err` and in the exit code (ExitCode below); it
// throws nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <string>

#include "eventstore/signed_note.h"
#include "tools/tail/ws_url.h"

namespace dais::tail {

enum ExitCode : int {
  kExitOk = 0,             // --max-events reached, SIGINT/SIGTERM, or the reader closed stdout
  kExitVerifyFailed = 1,   // --verify found a broken hash, link, gap, malformed message or bad checkpoint
  kExitUsage = 2,          // bad command line (checked by the caller)
  kExitUnreachable = 3,    // the server could not be reached within --retry-for, or refused the stream
};

struct TailOptions {
  WsUrl url;
  std::uint64_t from = 0;
  std::set<std::string, std::less<>> types;  // empty = every event
  bool verify = false;
  // With verify: ask for the signed checkpoints and check each one (tail/checkpoint_checker.h).
  std::optional<eventstore::note::VerifierKey> key;
  std::string token;             // sent as Authorization: Bearer <token> when not empty
  std::uint64_t max_events = 0;  // 0 = no limit
  bool quiet = false;            // no informational messages (errors are still printed)
  std::chrono::milliseconds retry_for{60'000};
  std::chrono::milliseconds connect_timeout{5'000};
};

// Events go to `out` (one line each, flushed); messages to `err`.
int run_tail(const TailOptions& options, std::FILE* out, std::FILE* err);

}  // namespace dais::tail

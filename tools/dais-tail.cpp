// dais-tail: follows a daisd event stream over WebSocket and prints every
// stored event as one JSON line (see tools/tail/tail_client.h for the client
// and docs/API.md for the stream protocol).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "api/stream_message.h"
#include "tools/tail/tail_client.h"
#include "tools/tail/ws_url.h"

namespace {

constexpr const char* kDescription =
    "dais-tail: prints the events of a running daisd as JSON lines.\n"
    "\n"
    "Connects to ws://HOST:PORT/v1/stream and writes each stored event's JSON, byte for byte as the server\n"
    "stored it, on its own line to standard output; messages go to standard error. After a dropped\n"
    "connection (daisd restarted, network trouble) it reconnects from the next seq, so no event is printed\n"
    "twice and none is skipped; reconnect delays grow from 100 ms to 5 s, for at most --retry-for seconds.\n"
    "\n"
    "--verify checks every event: the SHA-256 of its exact bytes must equal the hash the server sent, and,\n"
    "on an unfiltered stream, its seq must follow the previous one and its prev must be the previous\n"
    "event's hash (64 zeros at seq 0). With --types only hashes, seq order and types can be checked.\n"    "With --key VERIFIER it also asks for the signed checkpoints of the log's Merkle tree and checks each:\n"
    "the Ed25519 signature, that it covers exactly the events received before it (and, from seq 0 without\n"
    "--types, that its root is the tree hash of those events), and that it extends the previous checkpoint\n"
    "(a consistency proof fetched from http://HOST:PORT/v1/proof/consistency).\n"
    "\n"
    "Exit status: 0 after --max-events events, on SIGINT/SIGTERM, or when the output is closed;\n"
    "1 when --verify finds a break (the message names the seq) or a bad checkpoint; 2 for a bad command line;\n"
    "3 when the server cannot be reached within --retry-for or refuses the stream.\n"
    "\n"
    "Examples:\n"
    "  dais-tail ws://127.0.0.1:8080\n"
    "  dais-tail ws://127.0.0.1:8080 --from 1000 --types ConsensusReached,SignatureProposed\n"
    "  dais-tail ws://127.0.0.1:8080 --verify --max-events 5000 > events.jsonl\n"
    "  dais-tail ws://127.0.0.1:8080 --verify --key \"$(daisd --data run1 --print-verifier-key)\"";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "dais-tail"};
  std::string url_text;
  std::string types_text;
  dais::tail::TailOptions options;
  double retry_for_s = 60;
  app.add_option("url", url_text, "Server address: ws://HOST:PORT (path /v1/stream by default)")->required();
  // CLI11 would wrap a negative number into a huge unsigned one; refuse it instead.
  app.add_option("--from", options.from, "First seq to print (default 0)")->check(CLI::NonNegativeNumber);
  app.add_option("--types", types_text, "Only these event types, comma-separated (e.g. VoteCast,ConsensusReached)");
  app.add_flag("--verify", options.verify, "Check each event's hash and, without --types, the prev chain; exit 1 at the first break");
  std::string key_text;
  app.add_option("--key", key_text,
                 "With --verify: the verifier key of daisd's checkpoints (daisd --print-verifier-key); checks the "
                 "signature of each signed checkpoint and that it extends the previous one");
  app.add_option("--token", options.token, "Send Authorization: Bearer TOKEN");
  app.add_option("--max-events", options.max_events, "Exit 0 after printing this many events (default 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--quiet", options.quiet, "No informational messages on standard error (errors are still shown)");
  app.add_option("--retry-for", retry_for_s, "Seconds to keep reconnecting before giving up (default 60; 0: never retry)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : dais::tail::kExitUsage;
  }

  try {
    options.url = dais::tail::parse_ws_url(url_text);
    options.types = dais::api::parse_type_filter(types_text).types;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dais-tail: %s\nRun with --help for more information.\n", e.what());
    return dais::tail::kExitUsage;
  }
  if (!key_text.empty()) {
    if (!options.verify) {
      std::fprintf(stderr, "dais-tail: --key is used with --verify\n");
      return dais::tail::kExitUsage;
    }
    try {
      options.key = dais::eventstore::note::VerifierKey::parse(key_text);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dais-tail: --key: %s\n", e.what());
      return dais::tail::kExitUsage;
    }
  }
  if (!types_text.empty() && options.types.empty()) {
    std::fprintf(stderr, "dais-tail: --types '%s' names no event type\n", types_text.c_str());
    return dais::tail::kExitUsage;
  }
  if (!std::isfinite(retry_for_s) || retry_for_s < 0 || retry_for_s > 7 * 24 * 3600) {
    std::fprintf(stderr, "dais-tail: --retry-for must be a number of seconds in [0, 604800], got %g\n", retry_for_s);
    return dais::tail::kExitUsage;
  }
  if (options.token.find_first_of("\r\n") != std::string::npos) {
    std::fprintf(stderr, "dais-tail: --token must not contain line breaks\n");
    return dais::tail::kExitUsage;
  }
  options.retry_for = std::chrono::milliseconds(static_cast<long long>(std::llround(retry_for_s * 1000)));
  return dais::tail::run_tail(options, stdout, stderr);
}

// A replica's connection to its leader (daisd --follow, docs/OPERATIONS.md):
// plain HTTP GETs (the signed checkpoint, consistency proofs) and the leader's
// WebSocket stream with signed checkpoints (docs/API.md "Stream protocol").
// Every wait is bounded: HTTP calls time out, and a stream read returns after
// at most `wait` so the caller can check whether it should stop.
// Thread safety: one thread at a time. Ownership: owns its sockets.
// Errors: LeaderUnavailable for the network (refused, dropped, timed out: the
// caller retries); LeaderRefused for an HTTP reply that is not 200 (status and
// body in the message).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dais::server {

class LeaderUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class LeaderRefused : public std::runtime_error {
 public:
  LeaderRefused(const std::string& message, int status) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct LeaderAddress {
  std::string host;
  std::uint16_t port = 80;
  std::string text() const;  // http://host:port
};

// Accepts http://HOST[:PORT][/]; throws std::invalid_argument saying what is expected.
LeaderAddress parse_leader_url(std::string_view url);

class LeaderClient {
 public:
  explicit LeaderClient(LeaderAddress leader);
  ~LeaderClient();
  LeaderClient(const LeaderClient&) = delete;
  LeaderClient& operator=(const LeaderClient&) = delete;

  // The body of GET `target` (a 200 reply).
  std::string get(const std::string& target);

  // Opens /v1/stream?from=FROM&checkpoints=1 (closing any stream open before).
  void open_stream(std::uint64_t from);
  // The next stream message, or nullopt when none came within `wait`.
  std::optional<std::string> read_message(std::chrono::milliseconds wait);
  void close_stream();

  const LeaderAddress& leader() const { return leader_; }

 private:
  struct Impl;
  LeaderAddress leader_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dais::server

// Why a run cannot be opened, resumed or replayed. RunError is the base, with a
// message for the user; DivergenceError names the first event where a
// re-execution differs from the log; VersionMismatchError a log that another
// program version wrote (it may simulate differently, so it is not compared).
// Plain value types; thread-compatible.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dais::server {

class RunError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Divergence {
  std::uint64_t seq = 0;
  std::string type;                 // the logged event's type ("" when the log ended early)
  std::string regenerated_type;     // what the re-execution produced ("" when it produced nothing more)
  std::vector<std::string> fields;  // JSON fields that differ, e.g. "data.model_digest"
  std::string describe() const;
};

class DivergenceError : public RunError {
 public:
  explicit DivergenceError(Divergence d) : RunError(d.describe()), divergence(std::move(d)) {}
  Divergence divergence;
};

class VersionMismatchError : public RunError {
 public:
  VersionMismatchError(std::string logged, std::string ours)
      : RunError("log written by DAIS " + logged + ", this is DAIS " + ours +
                 ": a different version may simulate differently, so it is not compared"),
        logged_version(std::move(logged)), our_version(std::move(ours)) {}
  std::string logged_version, our_version;
};

}  // namespace dais::server

// Loopback ports for tests that start a server as a separate program and must
// name its port up front. free_port() is a port that was free a moment ago
// (bound to port 0, then released), so another process could take it first;
// port_accepts() tries one connection to 127.0.0.1:port and closes it;
// wait_for_port() retries that until it succeeds or the deadline passes.
// Errors: free_port() throws std::runtime_error when no socket can be bound.
// Thread-safe; POSIX only.
#pragma once

#include <chrono>
#include <cstdint>

namespace dais::test {

std::uint16_t free_port();
bool port_accepts(std::uint16_t port);
// True as soon as 127.0.0.1:port accepts a connection; false at the deadline.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace dais::test

#include "tools/bench/http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace dais::bench {

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot connect to the benchmark server");
  }
  return fd;
}

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::string in;
  Clock::time_point sent;
};

int connect_to(std::uint16_t port) {
  const int fd = connect_loopback(port);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Length of the first complete response in `in`, 0 when incomplete; sets ok for a 200.
std::size_t complete_response(const std::string& in, bool& ok) {
  const std::size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  const std::size_t cl = in.find("Content-Length: ");
  if (cl == std::string::npos || cl > end) throw std::runtime_error("response without Content-Length");
  const std::size_t length = std::stoul(in.substr(cl + 16, 20));
  if (in.size() < end + 4 + length) return 0;
  ok = in.compare(0, 12, "HTTP/1.1 200") == 0;
  return end + 4 + length;
}

}  // namespace

LoadResult run_load(std::uint16_t port, const std::function<std::string()>& target, std::size_t connections,
                    double seconds) {
  const int ep = ::epoll_create1(0);
  std::vector<Connection> conns(connections);
  for (std::size_t i = 0; i < connections; ++i) {
    conns[i].fd = connect_to(port);
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &e);
  }
  LoadResult result;
  result.latencies_us.reserve(1 << 20);
  std::string request;
  const auto send = [&](Connection& c) {
    request = "GET " + target() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    c.sent = Clock::now();
    if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("short send");
    }
  };
  for (auto& c : conns) send(c);
  const auto warmup_end = Clock::now() + std::chrono::milliseconds(300);
  const auto end = warmup_end + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  bool measuring = false;
  std::vector<epoll_event> events(connections);
  char buf[64 * 1024];
  Clock::time_point started;
  for (;;) {
    const auto now = Clock::now();
    if (!measuring && now >= warmup_end) {
      measuring = true;
      started = now;
    }
    if (now >= end) break;
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      Connection& c = conns[events[i].data.u64];
      const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
      if (got <= 0) throw std::runtime_error("server closed a benchmark connection");
      c.in.append(buf, static_cast<std::size_t>(got));
      bool ok = false;
      const std::size_t used = complete_response(c.in, ok);
      if (used == 0) continue;
      c.in.erase(0, used);
      const auto done = Clock::now();
      if (measuring) {
        ++result.requests;
        if (!ok) ++result.errors;
        result.latencies_us.push_back(std::chrono::duration<double, std::micro>(done - c.sent).count());
      }
      send(c);
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (auto& c : conns) ::close(c.fd);
  ::close(ep);
  return result;
}

}  // namespace dais::bench

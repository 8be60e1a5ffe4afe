// systemd readiness without libsystemd (server/service_notify.h): the datagram a
// test socket receives, abstract names, a bad NOTIFY_SOCKET; and end to end, that
// `daisd --serve` under NOTIFY_SOCKET says READY=1 only once its API accepts
// connections, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "common/temp_dir.h"
#include "server/service_notify.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using dais::server::notify_service_manager;

namespace {

// A unix datagram socket standing in for systemd's notification socket.
class TestSocket {
 public:
  explicit TestSocket(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') addr.sun_path[0] = '\0';
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())) == 0);
  }
  ~TestSocket() { ::close(fd_); }
  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("a notification reaches the socket NOTIFY_SOCKET names, path or abstract") {
  dais::TempDir tmp;
  const auto path = (tmp / "notify").string();
  TestSocket by_path(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  CHECK(notify_service_manager("READY=1\nSTATUS=test") == "");
  CHECK(by_path.receive(std::chrono::seconds(5)) == std::optional<std::string>("READY=1\nSTATUS=test"));

  const std::string abstract = "@dais-test-notify-" + std::to_string(::getpid());
  TestSocket by_name(abstract);
  ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
  CHECK(notify_service_manager("STOPPING=1") == "");
  CHECK(by_name.receive(std::chrono::seconds(5)) == std::optional<std::string>("STOPPING=1"));

  ::setenv("NOTIFY_SOCKET", "relative/name", 1);
  CHECK(notify_service_manager("READY=1").find("neither an absolute path") != std::string::npos);
  ::setenv("NOTIFY_SOCKET", (tmp / "nobody-listens").c_str(), 1);
  CHECK(notify_service_manager("READY=1").find("cannot notify") != std::string::npos);
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(notify_service_manager("READY=1") == "");  // not run by systemd: nothing to do
}

TEST_CASE("daisd --serve says READY=1 once its API listens, reloads on SIGHUP, says STOPPING=1 on SIGTERM") {
  dais::TempDir tmp;
  const auto socket_path = (tmp / "notify").string();
  TestSocket manager(socket_path);
  const auto port = dais::test::free_port();
  dais::test::ChildProcess daisd(
      {dais::test::program("daisd"), "--data", (tmp / "data").string(), "--serve", "--quiet", "--agents", "2",
       "--steps", "20", "--listen", "127.0.0.1:" + std::to_string(port), "--set", "traffic.flows_per_step=20",
       "--set", "detector.trees=10"},
      tmp / "out.txt", tmp / "out.txt", {{"NOTIFY_SOCKET", socket_path}});
  const auto ready = manager.receive(std::chrono::seconds(60));
  REQUIRE_MESSAGE(ready.has_value(), dais::test::read_text(tmp / "out.txt"));
  CHECK(ready->rfind("READY=1\nSTATUS=serving http://127.0.0.1:", 0) == 0);
  CHECK(dais::test::port_accepts(port));  // ready means the API already listens

  REQUIRE(daisd.signal(SIGHUP));
  CHECK(manager.receive(std::chrono::seconds(10)) == std::optional<std::string>("RELOADING=1"));
  CHECK(manager.receive(std::chrono::seconds(10)) == std::optional<std::string>("READY=1"));
  CHECK(daisd.running());  // SIGHUP does not stop it

  REQUIRE(daisd.signal(SIGTERM));
  CHECK(manager.receive(std::chrono::seconds(10)) == std::optional<std::string>("STOPPING=1"));
  CHECK(daisd.wait() == 0);
  CHECK(dais::test::read_text(tmp / "out.txt").find("SIGHUP: reloaded log.*") != std::string::npos);
}

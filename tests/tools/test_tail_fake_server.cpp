// dais-tail against a scripted WebSocket server that misbehaves on purpose:
// tampered bytes, broken links, duplicates after a reconnect, refused
// upgrades, malformed messages. Each connection follows one script.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "common/sha256.h"
#include "tests/support/child_process.h"
#include "tests/support/ports.h"
#include "tests/support/text_files.h"

using namespace std::chrono_literals;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

const std::string kTail = dais::test::program("dais-tail");

// One accepted connection, as a script sees it.
class Connection {
 public:
  Connection(tcp::socket socket, http::request<http::string_body> request)
      : socket_(std::move(socket)), request_(std::move(request)) {}

  const http::request<http::string_body>& request() const { return request_; }

  void refuse(http::status status, const std::string& body) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.body() = body;
    response.prepare_payload();
    http::write(socket_, response);
    socket_.shutdown(tcp::socket::shutdown_both);
  }
  void accept() {
    ws_.emplace(std::move(socket_));
    ws_->text(true);
    ws_->accept(request_);
  }
  void send(const std::string& text) { ws_->write(net::buffer(text)); }
  void close(websocket::close_code code, const char* reason) { ws_->close(websocket::close_reason(code, reason)); }
  // Reads until the client closes or goes away.
  void drain() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!ec) ws_->read(buffer, ec);
  }

 private:
  tcp::socket socket_;
  http::request<http::string_body> request_;
  std::optional<websocket::stream<tcp::socket>> ws_;
};

using Script = std::function<void(Connection&)>;

// Serves one script per incoming connection, in order, then stops listening.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Script> scripts)
      : acceptor_(io_, tcp::endpoint(net::ip::address_v4::loopback(), 0)), scripts_(std::move(scripts)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    abandon_ = true;
    while (!done_) {  // wake a pending accept with a throwaway connection
      dais::test::port_accepts(port_);
      std::this_thread::sleep_for(10ms);
    }
    thread_.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> targets() const {
    std::lock_guard lock(mutex_);
    return targets_;
  }
  std::vector<std::string> authorizations() const {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }

 private:
  void serve() {
    for (auto& script : scripts_) {
      beast::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || abandon_) break;
      try {
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::read(socket, buffer, request);
        {
          std::lock_guard lock(mutex_);
          targets_.emplace_back(request.target());
          authorizations_.emplace_back(request[http::field::authorization]);
        }
        Connection connection(std::move(socket), std::move(request));
        script(connection);
      } catch (const std::exception&) {
        // The client went away mid-script; what it printed is what the test checks.
      }
    }
    acceptor_.close();
    done_ = true;
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<Script> scripts_;
  mutable std::mutex mutex_;
  std::vector<std::string> targets_;
  std::vector<std::string> authorizations_;
  std::atomic<bool> abandon_{false};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A well-formed chain whose bytes use spacing and number spellings that a
// re-serialisation would change, so only the exact bytes hash right.
struct Event {
  std::uint64_t seq;
  std::string bytes;
  std::string hash;
};

std::vector<Event> make_chain(std::size_t count) {
  std::vector<Event> chain;
  std::string prev(64, '0');
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    std::string bytes = "{\"seq\":" + std::to_string(seq) + ", \"type\":\"" + (seq == 0 ? "RunStarted" : "VoteCast") +
                        "\",\"step\":" + std::to_string(seq) + ",\"prev\":\"" + prev +
                        "\",\"data\":{\"z\":1.50,\"a\":[1, 2e0]}}";
    const std::string hash = dais::to_hex(dais::sha256(bytes));
    chain.push_back({seq, std::move(bytes), hash});
    prev = hash;
  }
  return chain;
}

std::string message(std::uint64_t seq, const std::string& hash, const std::string& bytes) {
  return "{\"seq\":" + std::to_string(seq) + ",\"hash\":\"" + hash + "\",\"event\":" + bytes + "}";
}
std::string message(const Event& e) { return message(e.seq, e.hash, e.bytes); }

struct TailRun {
  int exit_code = -1;
  std::vector<std::string> lines;
  std::string errors;
};

TailRun run_tail(std::vector<std::string> args) {
  args.insert(args.begin(), kTail);
  const auto result = dais::test::run(args, {.timeout = 20s});
  return {result.exit_code, dais::test::lines_of(result.output), result.errors};
}

}  // namespace

TEST_CASE("exact bytes are printed and verified; a tampered event stops --verify at its seq") {
  const auto chain = make_chain(4);
  std::string tampered = chain[2].bytes;
  tampered.replace(tampered.find("1.50"), 4, "1.51");
  auto serve_with_tampered_2 = [&](Connection& c) {
    c.accept();
    c.send(message(chain[0]));
    c.send(message(chain[1]));
    c.send(message(2, chain[2].hash, tampered));
    c.send(message(chain[3]));
    c.drain();
  };
  auto serve_intact = [&](Connection& c) {
    c.accept();
    for (const auto& e : chain) c.send(message(e));
    c.drain();
  };

  {
    ScriptedServer server({serve_intact});
    const auto run = run_tail({server.url(), "--verify", "--max-events", "4"});
    CHECK(run.exit_code == 0);
    REQUIRE(run.lines.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) CHECK(run.lines[i] == chain[i].bytes);
    CHECK(run.errors.find("verified 4 events") != std::string::npos);
  }
  {
    ScriptedServer server({serve_with_tampered_2});
    const auto run = run_tail({server.url(), "--verify", "--retry-for", "0"});
    CHECK(run.exit_code == 1);
    REQUIRE(run.lines.size() == 2);  // the bad event is not printed
    CHECK(run.lines[1] == chain[1].bytes);
    CHECK(run.errors.find("verification failed at seq 2: hash mismatch") != std::string::npos);
  }
  {
    ScriptedServer server({serve_with_tampered_2});
    const auto run = run_tail({server.url(), "--max-events", "4"});  // no --verify: printed as received
    CHECK(run.exit_code == 0);
    REQUIRE(run.lines.size() == 4);
    CHECK(run.lines[2] == tampered);
  }
}

TEST_CASE("--verify catches a re-linked event and a gap, naming the seq") {
  const auto chain = make_chain(4);
  // Event 2 re-hashed correctly but pointing at seq 0 instead of seq 1.
  std::string relinked = chain[2].bytes;
  relinked.replace(relinked.find(chain[1].hash), 64, chain[0].hash);
  {
    ScriptedServer server({[&](Connection& c) {
      c.accept();
      c.send(message(chain[0]));
      c.send(message(chain[1]));
      c.send(message(2, dais::to_hex(dais::sha256(relinked)), relinked));
      c.drain();
    }});
    const auto run = run_tail({server.url(), "--verify", "--retry-for", "0"});
    CHECK(run.exit_code == 1);
    CHECK(run.lines.size() == 2);
    CHECK(run.errors.find("verification failed at seq 2: broken link") != std::string::npos);
  }
  {
    ScriptedServer server({[&](Connection& c) {
      c.accept();
      c.send(message(chain[0]));
      c.send(message(chain[1]));
      c.send(message(chain[3]));
      c.drain();
    }});
    const auto run = run_tail({server.url(), "--verify", "--retry-for", "0"});
    CHECK(run.exit_code == 1);
    CHECK(run.errors.find("verification failed at seq 3: gap: expected seq 2") != std::string::npos);
  }
}

TEST_CASE("after a dropped connection it resumes from the next seq and prints nothing twice") {
  const auto chain = make_chain(6);
  ScriptedServer server({
      [&](Connection& c) {
        c.accept();
        for (int i = 0; i < 3; ++i) c.send(message(chain[i]));
        c.send("{\"caught_up\":3}");
        c.close(websocket::close_code::going_away, "server shutting down");
      },
      [&](Connection& c) { c.refuse(http::status::service_unavailable, R"({"error":"too many connections"})"); },
      [&](Connection& c) {
        c.accept();
        for (int i = 2; i < 6; ++i) c.send(message(chain[i]));  // seq 2 again: must be skipped
        c.drain();
      },
  });
  const auto run = run_tail({server.url(), "--verify", "--max-events", "6", "--token", "s3cret"});
  CHECK(run.exit_code == 0);
  REQUIRE(run.lines.size() == 6);
  for (std::size_t i = 0; i < 6; ++i) CHECK(run.lines[i] == chain[i].bytes);
  const auto targets = server.targets();
  REQUIRE(targets.size() == 3);
  CHECK(targets[0] == "/v1/stream?from=0");
  CHECK(targets[1] == "/v1/stream?from=3");
  CHECK(targets[2] == "/v1/stream?from=3");
  for (const auto& authorization : server.authorizations()) CHECK(authorization == "Bearer s3cret");
  CHECK(run.errors.find("code 1001: server shutting down") != std::string::npos);
  CHECK(run.errors.find("HTTP 503") != std::string::npos);
  CHECK(run.errors.find("skipped seq 2") != std::string::npos);
}

TEST_CASE("a refused stream ends at once; a malformed message is an error") {
  {
    ScriptedServer server({[](Connection& c) { c.refuse(http::status::unauthorized, R"({"error":"bad token"})"); }});
    const auto started = std::chrono::steady_clock::now();
    const auto run = run_tail({server.url(), "--types", "VoteCast", "--retry-for", "30"});
    CHECK(run.exit_code == 3);
    CHECK(std::chrono::steady_clock::now() - started < 10s);  // no retrying a refusal that will not change
    CHECK(run.errors.find("refused the stream: HTTP 401") != std::string::npos);
    CHECK(run.errors.find("bad token") != std::string::npos);
    REQUIRE(server.targets().size() == 1);
    CHECK(server.targets()[0] == "/v1/stream?from=0&types=VoteCast");
  }
  const auto chain = make_chain(1);
  auto malformed = [&](Connection& c) {
    c.accept();
    c.send(message(chain[0]));
    c.send("{\"seq\":1,\"hash\":\"00\"}");
    c.drain();
  };
  {
    ScriptedServer server({malformed});
    const auto run = run_tail({server.url(), "--verify"});
    CHECK(run.exit_code == 1);
    CHECK(run.lines.size() == 1);
    CHECK(run.errors.find("malformed stream message after seq 0") != std::string::npos);
  }
  {
    ScriptedServer server({malformed});
    const auto run = run_tail({server.url()});
    CHECK(run.exit_code == 3);
    CHECK(run.errors.find("malformed stream message") != std::string::npos);
  }
}

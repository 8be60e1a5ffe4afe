// Kill tests in the spirit of LevelDB's fault_injection_test: a child process
// appends batches and reports each acknowledged batch through a pipe; the
// parent SIGKILLs it at random moments and reopens the same directory. After
// every kill the log must open with an intact head, verify, and hold every
// acknowledged seq. A process kill loses nothing committed in either sync mode
// (the page cache survives the process); power failure is not simulated here.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/random.h"
#include "common/temp_dir.h"
#include "eventstore/store.h"
#include "eventstore/tree_queries.h"
#include "tests/eventstore/test_support.h"

using namespace dais::eventstore;
using namespace dais::eventstore::testing;
using dais::TempDir;

namespace {

[[noreturn]] void append_forever(const std::filesystem::path& dir, SyncMode mode, int report_fd) {
  try {
    StoreOptions options;
    options.sync = mode;
    auto store = Store::open(dir, options);
    for (std::uint64_t step = 0;; ++step) {
      const AppendResult r = store->append(drafts(1 + step % 17, step, static_cast<int>(step)));
      // 8 bytes is far below PIPE_BUF, so each report arrives whole or not at all.
      if (write(report_fd, &r.last_seq, sizeof r.last_seq) != sizeof r.last_seq) _exit(4);
    }
  } catch (...) {
    _exit(3);
  }
}

void kill_and_reopen_rounds(SyncMode mode, int rounds, std::uint64_t seed) {
  TempDir tmp;
  const auto dir = tmp / "log";
  dais::Stream rng(seed, dais::Purpose::test, static_cast<std::uint64_t>(mode));
  std::optional<std::uint64_t> max_acked;
  int rounds_with_acks = 0;

  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      append_forever(dir, mode, fds[1]);
    }
    close(fds[1]);
    // Even rounds kill at a random moment, which may land inside open() and the
    // first commits. Odd rounds first wait for an acknowledged batch, so they
    // interrupt a stream of appends on a machine of any speed.
    std::uint64_t seq = 0;
    bool acked_this_round = false;
    const bool wait_for_work = round % 2 == 1;
    if (wait_for_work) {
      REQUIRE(read(fds[0], &seq, sizeof seq) == static_cast<ssize_t>(sizeof seq));
      if (max_acked) CHECK(seq > *max_acked);
      max_acked = seq;
      acked_this_round = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng.below(60000)));
    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));  // not an early exit through an error

    while (read(fds[0], &seq, sizeof seq) == static_cast<ssize_t>(sizeof seq)) {
      if (max_acked) CHECK(seq > *max_acked);  // acknowledged seqs only grow across restarts
      max_acked = seq;
      acked_this_round = true;
    }
    close(fds[0]);
    rounds_with_acks += acked_this_round;

    if (max_acked) {  // before a writable open could catch the tree up: tree and chain agree as the kill left them
      StoreOptions ro;
      ro.read_only = true;
      auto view = Store::open(dir, ro);
      const std::uint64_t count = view->head().count;
      CHECK(view->tree_size() == count);
      CHECK(tree_head(*view).root == naive_root(leaves_of(*view, count), 0, count));
    }
    auto store = Store::open(dir);
    CHECK(store->head_intact());
    const VerifyReport report = store->verify();
    CAPTURE(report.reason);
    CHECK(report.ok);
    if (max_acked) {
      CHECK(store->head().count > *max_acked);
      CHECK(store->get(*max_acked).has_value());
      CHECK(report.checked == store->head().count);  // so every seq up to the last acknowledged is there
    }
  }
  CHECK(rounds_with_acks >= rounds / 2);  // at least the odd rounds interrupted real work
}

}  // namespace

TEST_CASE("SIGKILL at random moments in full-sync mode loses no acknowledged append") {
  kill_and_reopen_rounds(SyncMode::full, 24, 1);
}

TEST_CASE("SIGKILL in no-sync mode also loses nothing committed (the page cache survives the process)") {
  kill_and_reopen_rounds(SyncMode::none, 12, 2);
}

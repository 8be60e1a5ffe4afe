// Run::projections_snapshot(): an immutable copy published after every committed batch.
// A reader thread polls it while the run steps: every copy it gets is whole (a batch
// boundary: the stats' head step matches the copy's last step), copies only move forward,
// and a copy once taken never changes. After open (new or resumed) one is there at once,
// and the statistics' history honours Options::stats_history.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "server/run.h"
#include "tests/server/test_support.h"

using dais::server::Run;

TEST_CASE("readers get whole, immutable, advancing snapshots while the run steps") {
  dais::TempDir tmp;
  auto store = dais::test::open_store(tmp / "log");
  Run::Options options;
  options.version = DAIS_VERSION;
  options.stats_history.recent_steps = 7;
  auto run = Run::open(*store, dais::test::small_config(), options);
  const auto first = run->projections_snapshot();
  REQUIRE(first != nullptr);
  CHECK(first->next_seq() == 1);  // RunStarted

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reads{0}, bad{0};
  std::thread reader([&] {
    std::uint64_t last_seq = 0;
    while (!done.load()) {
      const auto p = run->projections_snapshot();
      if (!p || p->next_seq() < last_seq) ++bad;
      // Each batch ends with its step's StepCompleted: a whole snapshot's last row is its head step.
      const auto& rows = p->stats().rows();
      if (!rows.empty() && p->stats().head_step() != rows.back().step) ++bad;
      last_seq = p->next_seq();
      ++reads;
    }
  });
  std::uint64_t held_seq = 0, held_steps = 0;
  std::shared_ptr<const dais::projections::Projections> held;
  while (!run->finished()) {
    run->step();
    const auto p = run->projections_snapshot();
    CHECK(p->next_seq() == run->head().count);  // published with the commit, not later
    if (run->completed_steps() == 10) {
      held = p;
      held_seq = p->next_seq();
      held_steps = p->stats().steps_completed();
    }
  }
  done = true;
  reader.join();
  CHECK(reads.load() > 0);
  CHECK(bad.load() == 0);
  REQUIRE(held != nullptr);
  CHECK(held->next_seq() == held_seq);  // a copy once taken never changes
  CHECK(held->stats().steps_completed() == held_steps);
  const auto last = run->projections_snapshot();
  CHECK(last->stats().steps_completed() == 30);
  CHECK(last->stats().rows().size() == 7);
  CHECK(last->stats().rows().back().step == 29);
  run.reset();

  // Resumed: the snapshot is there as soon as open returns.
  auto resumed = Run::open(*store, dais::test::small_config(), options);
  REQUIRE(resumed->projections_snapshot() != nullptr);
  CHECK(resumed->projections_snapshot()->next_seq() == store->head().count);
  CHECK(resumed->projections_snapshot()->stats().steps_completed() == 30);
}

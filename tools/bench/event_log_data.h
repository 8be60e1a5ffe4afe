// Realistic event drafts for the event store benchmarks (bench_append.cpp,
// bench_verify.cpp): SignatureProposed-like events of about 300 bytes (the
// mean stored event of a daisd run is about 330 bytes),
// drawn from a deterministic random stream. Header-only (dais-bench globs
// only bench_*.cpp).
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/random.h"
#include "eventstore/store.h"

namespace dais::bench {

// A fixed pool of distinct drafts; callers cycle through it (building 10^6
// distinct strings up front would measure the allocator, not the store).
inline std::vector<eventstore::EventDraft> event_draft_pool(std::size_t size, std::uint64_t seed = 7) {
  Stream rng(seed, Purpose::test, 300);
  std::vector<eventstore::EventDraft> pool;
  pool.reserve(size);
  char buf[64];
  for (std::size_t i = 0; i < size; ++i) {
    std::string d = R"({"signature_id":")";
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng.next_u64()));
    d += buf;
    std::snprintf(buf, sizeof buf, R"(","agent":%llu,"indicator":"10.%llu.%llu.%llu","centroid":[)",
                  static_cast<unsigned long long>(rng.below(200)), static_cast<unsigned long long>(rng.below(256)),
                  static_cast<unsigned long long>(rng.below(256)), static_cast<unsigned long long>(rng.below(256)));
    d += buf;
    for (int f = 0; f < 5; ++f) {
      std::snprintf(buf, sizeof buf, "%s%.5g", f ? "," : "", rng.uniform(-3, 3));
      d += buf;
    }
    std::snprintf(buf, sizeof buf, R"(],"confidence":%.4f,"observations":%llu,"deadline_step":%llu})",
                  rng.uniform(0.5, 1.0), static_cast<unsigned long long>(1 + rng.below(64)),
                  static_cast<unsigned long long>(rng.below(100000)));
    d += buf;
    pool.push_back(eventstore::EventDraft{"SignatureProposed", 0, std::move(d)});
  }
  return pool;
}

// Appends `events` drafts from the pool in batches (step = batch index).
inline void fill_log(eventstore::Store& store, std::uint64_t events, std::size_t batch,
                     const std::vector<eventstore::EventDraft>& pool) {
  std::vector<eventstore::EventDraft> drafts(batch);
  for (std::uint64_t done = 0, step = 0; done < events; ++step) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(batch, events - done));
    drafts.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      drafts[i] = pool[(done + i) % pool.size()];
      drafts[i].step = step;
    }
    store.append(drafts);
    done += n;
  }
}

}  // namespace dais::bench

#include "eventstore/verifier.h"

#include <algorithm>
#include <exception>
#include <utility>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "eventstore/entry_check.h"
#include "eventstore/log_format.h"

namespace dais::eventstore {

namespace {

constexpr std::uint64_t kChunkSeqs = 32768;
constexpr std::uint64_t kMinSeqsPerThread = 2048;

// What a worker found at one seq of the chunk.
struct SeqResult {
  bool present = false;
  Problem problem = Problem::none;
  Hash prev{};    // the event's prev (when problem == none)
  Hash stored{};  // the stored hash, the next event's expected prev
};

// A key that is not 8 bytes cannot be a seq; it is reported at the seq whose
// slot it occupies (the one after the last proper key before it).
struct WorkerOutcome {
  std::optional<std::uint64_t> odd_key_at;
  std::string odd_key;
  std::exception_ptr error;
};

std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

void prefetch(const MDB_val& value) {
  const char* p = static_cast<const char*>(value.mv_data);
  for (std::size_t at = 0; at < value.mv_size; at += 64) __builtin_prefetch(p + at);
}

// Each worker walks its own sub-range [lo, hi] with its own read transaction
// (MDB_NOTLS), so reading, hashing and parsing all run in parallel.
void check_range(const LmdbEnv& env, MDB_dbi events, std::uint64_t chunk_start, std::uint64_t lo, std::uint64_t hi,
                 std::vector<SeqResult>& results, WorkerOutcome& outcome) {
  try {
    auto txn = env.begin_read();
    Cursor cursor(env, txn.get(), events);
    const auto start = format::encode_key(lo);
    MDB_val key{start.size(), const_cast<char*>(start.data())};
    MDB_val value;
    std::uint64_t next_slot = lo;
    // Entries are gathered a group at a time so that the next one's bytes can be
    // prefetched while this one is hashed: the walk is bound by memory latency.
    constexpr std::size_t kGroup = 32;
    std::uint64_t seqs[kGroup];
    MDB_val values[kGroup];
    bool done = false;
    int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_SET_RANGE);
    while (!done) {
      std::size_t n = 0;
      for (; rc == 0 && n < kGroup; rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_NEXT)) {
        if (key.mv_size != format::kKeySize) {
          if (!outcome.odd_key_at) {
            outcome.odd_key_at = next_slot;
            outcome.odd_key = std::string(view(key));
          }
          continue;
        }
        const std::uint64_t seq = format::decode_key(key.mv_data);
        if (seq > hi) {
          done = true;
          break;
        }
        seqs[n] = seq;
        values[n++] = value;
        next_slot = seq + 1;
      }
      if (rc != 0) done = true;
      if (n > 0) prefetch(values[0]);
      if (n > 1) prefetch(values[1]);
      for (std::size_t i = 0; i < n; ++i) {
        if (i + 2 < n) prefetch(values[i + 2]);
        SeqResult& r = results[seqs[i] - chunk_start];
        r.present = true;
        r.problem = check_entry(seqs[i], view(values[i]), r.prev, nullptr);
        if (values[i].mv_size >= format::kHashSize) std::memcpy(r.stored.data(), values[i].mv_data, format::kHashSize);
      }
    }
    if (rc != 0 && rc != MDB_NOTFOUND) env.fail(rc, "cannot read entries");
  } catch (...) {
    outcome.error = std::current_exception();
  }
}

VerifyReport bad(VerifyReport report, std::uint64_t seq, Problem problem, std::string reason) {
  report.ok = false;
  report.bad_seq = seq;
  report.problem = problem;
  report.reason = std::move(reason);
  return report;
}

// The one-line reason for an entry the workers found bad, re-read on its own.
std::pair<Problem, std::string> explain(const LmdbEnv& env, MDB_dbi events, std::uint64_t seq) {
  auto txn = env.begin_read();
  const auto key_bytes = format::encode_key(seq);
  MDB_val key{key_bytes.size(), const_cast<char*>(key_bytes.data())}, value;
  env.check(mdb_get(txn.get(), events, &key, &value), "cannot re-read seq " + std::to_string(seq));
  std::string reason;
  Hash ignored;
  const Problem problem = check_entry(seq, view(value), ignored, &reason);
  return {problem, reason};
}

}  // namespace

VerifyReport verify_events(const LmdbEnv& env, MDB_dbi events, std::uint64_t from,
                           std::optional<std::uint64_t> to, const VerifyOptions& options) {
  if (to && from > *to) {
    throw StoreError(env.dir().string() + ": cannot verify from seq " + std::to_string(from) + " to seq " +
                     std::to_string(*to) + ": the range is empty");
  }
  VerifyReport report;
  const unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());

  std::uint64_t end = 0;
  std::optional<std::uint64_t> head_seq;
  Hash prev_hash{};  // the stored hash the next entry's prev must equal
  {
    auto txn = env.begin_read();
    Cursor cursor(env, txn.get(), events);
    MDB_val key, value;
    int rc = mdb_cursor_get(cursor.get(), &key, &value, MDB_LAST);
    if (rc != 0 && rc != MDB_NOTFOUND) env.fail(rc, "cannot read the head");
    if (rc == 0 && key.mv_size == format::kKeySize) head_seq = format::decode_key(key.mv_data);
    if (!to && (rc == MDB_NOTFOUND || (head_seq && from > *head_seq))) return report;  // nothing to check
    // A malformed last key leaves the end open: the ordered pass reports that key.
    end = to ? *to : head_seq ? *head_seq : UINT64_MAX - 1;

    if (from > 0) {
      const auto before = format::encode_key(from - 1);
      MDB_val k{before.size(), const_cast<char*>(before.data())};
      rc = mdb_get(txn.get(), events, &k, &value);
      if (rc == MDB_NOTFOUND) {
        return bad(report, from, Problem::broken_link,
                   "cannot check the link into seq " + std::to_string(from) + ": seq " + std::to_string(from - 1) +
                       " is missing");
      }
      env.check(rc, "cannot read an entry");
      if (value.mv_size < format::kHashSize) {
        return bad(report, from, Problem::broken_link,
                   "cannot check the link into seq " + std::to_string(from) + ": seq " + std::to_string(from - 1) +
                       " is too short to hold a hash");
      }
      std::memcpy(prev_hash.data(), value.mv_data, format::kHashSize);
    }
  }

  const std::uint64_t total = end - from + 1;
  std::vector<SeqResult> results;
  for (std::uint64_t chunk_start = from;; chunk_start += kChunkSeqs) {
    const std::uint64_t chunk_end = end - chunk_start < kChunkSeqs ? end : chunk_start + kChunkSeqs - 1;
    const std::uint64_t n = chunk_end - chunk_start + 1;
    results.assign(n, SeqResult{});

    const std::uint64_t workers = std::clamp<std::uint64_t>(n / kMinSeqsPerThread, 1, threads);
    const std::uint64_t per = (n + workers - 1) / workers;
    std::vector<WorkerOutcome> outcomes(workers);
    {
      std::vector<std::jthread> helpers;
      for (std::uint64_t w = 1; w < workers; ++w) {
        const std::uint64_t lo = chunk_start + w * per;
        if (lo > chunk_end) break;
        const std::uint64_t hi = std::min(chunk_end, lo + per - 1);
        helpers.emplace_back(
            [&, lo, hi, w] { check_range(env, events, chunk_start, lo, hi, results, outcomes[w]); });
      }
      check_range(env, events, chunk_start, chunk_start, std::min(chunk_end, chunk_start + per - 1), results,
                  outcomes[0]);
    }
    std::optional<std::uint64_t> odd_at;
    std::string odd_key;
    for (const auto& o : outcomes) {
      if (o.error) std::rethrow_exception(o.error);
      if (o.odd_key_at && (!odd_at || *o.odd_key_at < *odd_at)) {
        odd_at = o.odd_key_at;
        odd_key = o.odd_key;
      }
    }

    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t seq = chunk_start + i;
      const SeqResult& r = results[i];
      if (odd_at && *odd_at == seq) {
        return bad(report, seq, Problem::seq_mismatch,
                   "where seq " + std::to_string(seq) + " belongs there is a key of " +
                       std::to_string(odd_key.size()) + " bytes (" + to_hex(odd_key) + "), not an 8-byte seq");
      }
      if (!r.present) {
        std::string where;
        if (head_seq && seq > *head_seq) {
          where = "the log ends at seq " + std::to_string(*head_seq);
        } else if (!head_seq) {
          where = "the log is empty";
        } else {
          std::uint64_t next = i + 1;
          while (next < n && !results[next].present) ++next;
          where = next < n ? "the next key is seq " + std::to_string(chunk_start + next) : "a hole in the log";
        }
        return bad(report, seq, Problem::missing_entry, "no entry for seq " + std::to_string(seq) + " (" + where + ")");
      }
      if (r.problem != Problem::none) {
        auto [problem, reason] = explain(env, events, seq);
        return bad(report, seq, problem, reason);
      }
      if (r.prev != prev_hash) {
        return bad(report, seq, Problem::broken_link,
                   "prev " + to_hex(r.prev) +
                       (seq == 0 ? std::string(" is not 64 zeros (seq 0 has no predecessor)")
                                 : " differs from the stored hash of seq " + std::to_string(seq - 1) + ", " +
                                       to_hex(prev_hash)));
      }
      prev_hash = r.stored;
      report.last_hash = prev_hash;
      ++report.checked;
    }
    if (options.progress) options.progress(report.checked, total);
    if (chunk_end == end) return report;
  }
}

}  // namespace dais::eventstore

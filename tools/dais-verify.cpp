// dais-verify: checks a DAIS log's hash chain (docs/LOG_FORMAT.md) read-only.
//   dais-verify DIR [--from SEQ] [--to SEQ] [--json] [--expect SEQ:HASH]... [--threads T]
//               [--checkpoint FILE --key VERIFIER]
// Exit 0 when intact (and every --expect holds, and the checkpoint checks out),
// 1 naming the first bad seq (or the failed expectation, or why the checkpoint
// was rejected), 2 on usage errors or when DIR is not a DAIS log.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "eventstore/checkpoint_check.h"
#include "eventstore/guarded_scan.h"
#include "eventstore/store.h"
#include "tools/command_line.h"

namespace {

using dais::eventstore::Store;
using dais::eventstore::StoreError;
using dais::eventstore::StoreOptions;
using dais::eventstore::VerifyOptions;
using dais::eventstore::VerifyReport;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kProgressMinEvents = 200000;

struct Expectation {
  std::uint64_t seq = 0;
  dais::Digest hash{};
  std::string text;
};

std::optional<Expectation> parse_expectation(const std::string& text) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  Expectation e;
  e.text = text;
  try {
    std::size_t used = 0;
    e.seq = std::stoull(text.substr(0, colon), &used);
    if (used != colon || text[0] == '-') return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto hash = dais::digest_from_hex(std::string_view(text).substr(colon + 1));
  if (!hash) return std::nullopt;
  e.hash = *hash;
  return e;
}

// Empty when the log holds exactly that hash at that seq; otherwise why not.
std::string check_expectation(const Store& store, const Expectation& e) {
  const auto event = store.get(e.seq);
  if (!event) {
    const auto head = store.head();
    return "seq " + std::to_string(e.seq) + " is not in the log (" +
           (head.empty() ? std::string("the log is empty") : "it ends at seq " + std::to_string(head.seq())) +
           "): truncated";
  }
  if (event->hash != e.hash) {
    return "seq " + std::to_string(e.seq) + " holds hash " + dais::to_hex(event->hash) + ", expected " +
           dais::to_hex(e.hash) + ": rewritten";
  }
  return {};
}

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_ || total < kProgressMinEvents) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done < total) return;
    last_ = now;
    shown_ = true;
    std::fprintf(stderr, "\rverifying: %3.0f%% (%llu of %llu events)", 100.0 * static_cast<double>(done) /
                 static_cast<double>(total), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
    std::fflush(stderr);
  }
  void finish() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  bool shown_ = false;
  Clock::time_point last_{};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Checks a DAIS log's SHA-256 hash chain, read-only. Exit 0 intact, 1 broken, 2 usage error."};
  std::string dir;
  std::optional<std::uint64_t> from_opt, to_opt;
  bool json = false;
  std::vector<std::string> expect_texts;
  unsigned threads = 0;
  std::string checkpoint_file, key_text;
  app.add_option("--checkpoint", checkpoint_file,
                 "signed checkpoint file (GET /checkpoint) to check against the log's Merkle tree");
  app.add_option("--key", key_text, "verifier key of the checkpoint (daisd --print-verifier-key), or a file holding it");
  app.add_option("DIR", dir, "data directory holding the log")->required();
  app.add_option("--from", from_opt, "first seq to check (its link to seq-1 is checked too)");
  app.add_option("--to", to_opt, "last seq to check (default: the head)");
  app.add_flag("--json", json, "print one JSON object instead of text");
  app.add_option("--expect", expect_texts, "SEQ:HASH the log must still hold (detects truncation or rewriting)");
  app.add_option("--threads", threads, "hash-checking threads (default: one per hardware thread)")
      ->check(CLI::Range(0u, 256u));
  if (const auto exit_code = dais::tools::parse_command_line(app, argc, argv)) return *exit_code;

  std::vector<Expectation> expectations;
  for (const auto& text : expect_texts) {
    auto e = parse_expectation(text);
    if (!e) {
      std::fprintf(stderr, "dais-verify: --expect '%s' is not SEQ:HASH (a seq and 64 hex characters)\n",
                   text.c_str());
      return 2;
    }
    expectations.push_back(*e);
  }
  std::optional<dais::eventstore::note::VerifierKey> key;
  std::string checkpoint_note;
  if (checkpoint_file.empty() != key_text.empty()) {
    std::fprintf(stderr, "dais-verify: --checkpoint and --key go together\n");
    return 2;
  }
  if (!checkpoint_file.empty()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(key_text, ec)) {
      std::ifstream in(key_text);
      std::getline(in, key_text);
    }
    try {
      key = dais::eventstore::note::VerifierKey::parse(key_text);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dais-verify: --key: %s\n", e.what());
      return 2;
    }
    std::ifstream in(checkpoint_file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "dais-verify: cannot read --checkpoint %s\n", checkpoint_file.c_str());
      return 2;
    }
    checkpoint_note.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::uint64_t from = from_opt.value_or(0);
  if (to_opt && from > *to_opt) {
    std::fprintf(stderr, "dais-verify: --from %llu is after --to %llu\n", static_cast<unsigned long long>(from),
                 static_cast<unsigned long long>(*to_opt));
    return 2;
  }

  // LMDB asserts or faults on some damaged pages: the reading runs in a child process, so such a
  // crash is reported by the parent instead of ending dais-verify without a word.
  const auto fate = dais::eventstore::run_in_child([&](std::atomic<std::uint64_t>& checked_so_far) -> int {
    std::unique_ptr<Store> store;
    try {
      StoreOptions options;
      options.read_only = true;
      options.create = false;
      store = Store::open(dir, options);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dais-verify: %s\n", e.what());
      return 2;
    }

    Progress progress(isatty(STDERR_FILENO) == 1 && !json);
    VerifyOptions verify_options;
    verify_options.threads = threads;
    verify_options.progress = [&](std::uint64_t done, std::uint64_t total) {
      checked_so_far.store(done);
      progress.update(done, total);
    };
    VerifyReport report;
    const auto started = Clock::now();
    try {
      report = store->verify(from, to_opt, verify_options);
    } catch (const std::exception& e) {
      progress.finish();
      std::fprintf(stderr, "dais-verify: cannot read the log: %s\n", e.what());
      return 1;
    }
    progress.finish();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const double rate = seconds > 0 ? static_cast<double>(report.checked) / seconds : 0.0;

    std::vector<std::string> expect_failures;
    if (report.ok) {
      for (const auto& e : expectations) {
        if (auto why = check_expectation(*store, e); !why.empty()) expect_failures.push_back(why);
      }
    }
    std::optional<dais::eventstore::CheckpointVerdict> verdict;
    if (report.ok && key) {
      try {
        verdict = dais::eventstore::check_checkpoint(*store, checkpoint_note, *key);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "dais-verify: cannot read the log: %s\n", e.what());
        return 1;
      }
    }
    const bool ok = report.ok && expect_failures.empty() && (!verdict || verdict->ok);
    const bool whole_log = !from_opt && !to_opt;

    if (json) {
      nlohmann::json out{{"ok", ok}, {"dir", dir}, {"checked", report.checked}, {"from", from},
                         {"events_per_s", rate}, {"head_intact", store->head_intact()}};
      out["to"] = to_opt ? nlohmann::json(*to_opt) : nlohmann::json(nullptr);
      if (report.ok && report.checked > 0) {
        out["last_seq"] = from + report.checked - 1;
        out["last_hash"] = dais::to_hex(report.last_hash);
      }
      if (!report.ok) {
        out["bad_seq"] = *report.bad_seq;
        out["problem"] = dais::eventstore::problem_name(report.problem);
        out["reason"] = report.reason;
      }
      if (!expectations.empty()) out["expect_failures"] = expect_failures;
      if (verdict) {
        out["checkpoint"] = {{"ok", verdict->ok}, {"size", verdict->checkpoint.size}, {"reason", verdict->reason}};
      }
      std::printf("%s\n", out.dump().c_str());
      return ok ? 0 : 1;
    }

    if (!report.ok) {
      std::printf("FAILED at seq %llu: %s: %s\n", static_cast<unsigned long long>(*report.bad_seq),
                  dais::eventstore::problem_name(report.problem), report.reason.c_str());
      std::printf("%llu events before it checked out\n", static_cast<unsigned long long>(report.checked));
      return 1;
    }
    for (const auto& why : expect_failures) std::printf("FAILED expectation: %s\n", why.c_str());
    if (!expect_failures.empty()) return 1;
    if (verdict && !verdict->ok) {
      std::printf("FAILED checkpoint: %s\n", verdict->reason.c_str());
      return 1;
    }
    if (verdict) {
      std::printf("checkpoint ok: %s, %llu entries, root %s, signed by %s%s\n", verdict->checkpoint.origin.c_str(),
                  static_cast<unsigned long long>(verdict->checkpoint.size),
                  dais::to_hex(verdict->checkpoint.root).c_str(), key->text().c_str(),
                  verdict->tiles_checked ? "; the stored tiles agree" : "");
    }
    if (report.checked == 0) {
      std::printf("ok: 0 events%s\n", whole_log ? " (the log is empty)" : " in that range");
      return 0;
    }
    const std::uint64_t last = from + report.checked - 1;
    std::printf("ok: %llu events, %s %llu %s, %.0f events/s\n", static_cast<unsigned long long>(report.checked),
                to_opt ? "last" : "head", static_cast<unsigned long long>(last), dais::to_hex(report.last_hash).c_str(),
                rate);
    return 0;
  });
  if (fate.crashed()) {
    std::fprintf(stderr,
                 "dais-verify: %s is damaged: reading it crashed LMDB (%s) after %llu entries had checked out; "
                 "the log cannot be read past that point\n",
                 (std::filesystem::path(dir) / "data.mdb").c_str(), dais::eventstore::describe_crash_signal(fate.signal).c_str(),
                 static_cast<unsigned long long>(fate.progress));
    return 1;
  }
  return fate.exit_code;
}

// dais-backup: a consistent, compacted copy of a DAIS log, safe while daisd runs.
//   dais-backup DIR OUT [--json]
// Opens DIR read-only (an LMDB reader beside the running writer: same host, shared
// lock.mdb), copies one read snapshot with mdb_env_copy2(MDB_CP_COMPACT) into OUT
// (created; refused when it exists and is not empty), then checks the copy as
// dais-verify does (every entry, the chain, the head entry) and that the copy's
// head is the entry DIR holds at that seq. Restoring is a plain copy of OUT.
// Exit 0 on a verified backup; 1 when the copy or its check fails (a failed copy is
// removed again); 2 on usage errors, DIR not a DAIS log, or OUT not empty.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "common/sha256.h"
#include "eventstore/store.h"
#include "tools/command_line.h"

namespace {

namespace fs = std::filesystem;
using dais::eventstore::Store;
using dais::eventstore::StoreOptions;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::unique_ptr<Store> open_read_only(const fs::path& dir) {
  StoreOptions options;
  options.read_only = true;
  options.create = false;
  return Store::open(dir, options);
}

// Removes what this run created in OUT after a failure, so no half backup is left behind.
void discard(const fs::path& out, bool created) {
  std::error_code ignored;
  if (created) {
    fs::remove_all(out, ignored);
  } else {
    fs::remove(out / "data.mdb", ignored);
    fs::remove(out / "lock.mdb", ignored);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Makes a consistent, compacted, verified copy of a DAIS log (also while daisd runs). "
               "Exit 0 done, 1 copy or check failed, 2 usage error."};
  std::string dir_text, out_text;
  bool json = false;
  app.add_option("DIR", dir_text, "data directory holding the log")->required();
  app.add_option("OUT", out_text, "new directory for the copy (must not exist, or be empty)")->required();
  app.add_flag("--json", json, "print one JSON object instead of text");
  if (const auto exit_code = dais::tools::parse_command_line(app, argc, argv)) return *exit_code;
  const fs::path dir(dir_text), out(out_text);

  std::error_code ec;
  bool created = false;
  if (fs::exists(out, ec)) {
    if (!fs::is_directory(out, ec)) {
      std::fprintf(stderr, "dais-backup: %s exists and is not a directory; choose a new OUT\n", out.c_str());
      return 2;
    }
    if (!fs::is_empty(out, ec)) {
      std::fprintf(stderr, "dais-backup: %s is not empty; refusing to write a backup into it\n", out.c_str());
      return 2;
    }
  }

  std::unique_ptr<Store> source;
  try {
    source = open_read_only(dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dais-backup: %s\n", e.what());
    return 2;
  }
  if (fs::equivalent(dir, out, ec)) {
    std::fprintf(stderr, "dais-backup: OUT is DIR\n");
    return 2;
  }
  if (!fs::exists(out, ec)) {
    if (!fs::create_directories(out, ec) || ec) {
      std::fprintf(stderr, "dais-backup: cannot create %s: %s\n", out.c_str(), ec.message().c_str());
      return 2;
    }
    created = true;
  }

  const auto copy_started = Clock::now();
  try {
    source->copy_compacted(out);
  } catch (const std::exception& e) {
    discard(out, created);
    std::fprintf(stderr, "dais-backup: %s\n", e.what());
    return 1;
  }
  const double copy_seconds = since(copy_started);
  const auto bytes = fs::file_size(out / "data.mdb", ec);
  const auto source_bytes = fs::file_size(dir / "data.mdb", ec);

  const auto verify_started = Clock::now();
  std::string problem;
  dais::eventstore::VerifyReport report;
  try {
    auto copy = open_read_only(out);
    report = copy->verify();
    if (!copy->head_intact()) {
      problem = "the copy's head entry is inconsistent: " + copy->head_problem();
    } else if (!report.ok) {
      problem = "the copy fails verification at seq " + std::to_string(*report.bad_seq) + ": " + report.reason;
    } else if (report.checked > 0) {
      const auto original = source->get(report.checked - 1);
      if (!original || original->hash != report.last_hash) {
        problem = "the copy's head (seq " + std::to_string(report.checked - 1) + ") is not the entry " +
                  dir.string() + " holds there";
      }
    }
  } catch (const std::exception& e) {
    problem = std::string("cannot check the copy: ") + e.what();
  }
  const double verify_seconds = since(verify_started);
  if (!problem.empty()) {
    discard(out, created);
    std::fprintf(stderr, "dais-backup: %s; the copy was removed\n", problem.c_str());
    return 1;
  }

  const auto last_hash = report.checked > 0 ? dais::to_hex(report.last_hash) : std::string();
  if (json) {
    nlohmann::json o{{"ok", true},
                     {"dir", dir.string()},
                     {"out", out.string()},
                     {"events", report.checked},
                     {"bytes", bytes},
                     {"source_bytes", source_bytes},
                     {"copy_seconds", copy_seconds},
                     {"verify_seconds", verify_seconds}};
    o["head_seq"] = report.checked > 0 ? nlohmann::json(report.checked - 1) : nlohmann::json(nullptr);
    o["head_hash"] = report.checked > 0 ? nlohmann::json(last_hash) : nlohmann::json(nullptr);
    std::printf("%s\n", o.dump().c_str());
  } else if (report.checked == 0) {
    std::printf("backup: %s -> %s: 0 events (the log is empty), %.1f MiB, copied in %.2f s\n", dir.c_str(),
                out.c_str(), static_cast<double>(bytes) / 1048576.0, copy_seconds);
  } else {
    std::printf("backup: %s -> %s: %llu events, head %llu %s, %.1f MiB (source data.mdb %.1f MiB), copied in %.2f s, "
                "verified in %.2f s\n",
                dir.c_str(), out.c_str(), static_cast<unsigned long long>(report.checked),
                static_cast<unsigned long long>(report.checked - 1), last_hash.c_str(),
                static_cast<double>(bytes) / 1048576.0, static_cast<double>(source_bytes) / 1048576.0, copy_seconds,
                verify_seconds);
  }
  return 0;
}

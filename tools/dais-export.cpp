// dais-export: the accepted signatures of a DAIS log as threat intelligence, offline (docs/API.md "Exports").
//   dais-export DIR --format stix|crowdsec|txt|csv [--at SEQ] [--out FILE]
// Folds the log (read-only) up to SEQ (default: its head) and prints the export, the same bytes the live
// server's GET /v1/export/{format} gives at that seq. Each entry's stored hash is checked against its bytes,
// because the export cites it as provenance.
// Exit 0 on success; 1 when the log cannot be exported (an entry fails its hash, cannot be folded, or a
// signature cannot be expressed) or the output cannot be written; 2 on usage errors, or when DIR is not a
// DAIS log or --at is past its head.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "common/sha256.h"
#include "eventstore/guarded_scan.h"
#include "eventstore/store.h"
#include "events/events.h"
#include "intel/export_format.h"
#include "projections/projections.h"
#include "tools/command_line.h"

namespace {

namespace fs = std::filesystem;

struct Failure {
  int code;
  std::string message;
};

dais::projections::Projections fold(const dais::eventstore::Store& store, std::uint64_t last_seq) {
  dais::projections::Projections projections;
  std::optional<Failure> failure;
  store.scan(0, [&](const dais::eventstore::StoredEvent& stored) {
    if (stored.seq > last_seq) return false;
    const auto where = "seq " + std::to_string(stored.seq);
    if (dais::sha256(stored.bytes) != stored.hash) {
      failure = Failure{1, where + ": the stored hash does not match the event bytes; run dais-verify"};
      return false;
    }
    try {
      auto event = dais::events::parse_event(stored.bytes);
      event.hash = dais::to_hex(stored.hash);
      projections.apply(event);
    } catch (const std::exception& e) {
      failure = Failure{1, where + " cannot be folded: " + e.what()};
      return false;
    }
    return true;
  });
  if (failure) throw *failure;
  if (projections.next_seq() != last_seq + 1) {
    throw Failure{1, "the log has no entry at seq " + std::to_string(projections.next_seq()) + "; run dais-verify"};
  }
  return projections;
}

// Writes beside the target and renames, so FILE is either the old file or the whole export.
void write_file(const fs::path& path, const std::string& text) {
  const fs::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw Failure{1, "cannot write " + partial.string()};
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) {
    fs::remove(partial, ec);
    throw Failure{1, "cannot write " + path.string() + ": " + ec.message()};
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Exports the accepted signatures of a DAIS log as STIX 2.1, CrowdSec decisions, a text blocklist "
               "or CSV, offline. Exit 0 done, 1 the log cannot be exported, 2 usage error."};
  std::string dir, format_name, out_path;
  std::optional<std::uint64_t> at;
  app.add_option("DIR", dir, "data directory holding the log")->required();
  app.add_option("--format", format_name, std::string("export format: ") + dais::intel::kFormatNames)->required();
  app.add_option("--at", at, "export as of this seq (default: the head)");
  app.add_option("--out", out_path, "write to FILE instead of standard output");
  if (const auto exit_code = dais::tools::parse_command_line(app, argc, argv)) return *exit_code;
  const auto format = dais::intel::parse_format(format_name);
  if (!format) {
    std::fprintf(stderr, "dais-export: unknown --format '%s' (allowed: %s)\n", format_name.c_str(),
                 dais::intel::kFormatNames);
    return 2;
  }
  // LMDB faults or asserts on some damaged pages: the work runs in a child process, so such a
  // crash ends in a message naming the file instead of a silent signal (guarded_scan.h).
  return dais::eventstore::run_guarded("dais-export", dir, 1, [&]() -> int {
    std::unique_ptr<dais::eventstore::Store> store;
    try {
      if (!fs::is_directory(dir)) throw dais::eventstore::StoreError(dir + " is not a directory");
      dais::eventstore::StoreOptions options;
      options.read_only = true;
      options.create = false;
      store = dais::eventstore::Store::open(dir, options);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dais-export: %s\n", e.what());
      return 2;
    }
    const auto head = store->head();
    if (head.empty()) {
      std::fprintf(stderr, "dais-export: the log in %s is empty\n", dir.c_str());
      return 2;
    }
    if (at && *at > head.seq()) {
      std::fprintf(stderr, "dais-export: --at %llu is past the head of the log (seq %llu)\n",
                   static_cast<unsigned long long>(*at), static_cast<unsigned long long>(head.seq()));
      return 2;
    }
    try {
      const auto projections = fold(*store, at.value_or(head.seq()));
      const auto text = dais::intel::render(*format, projections);
      if (out_path.empty()) {
        std::cout << text;
        std::cout.flush();
        if (!std::cout) throw Failure{1, "cannot write to standard output"};
      } else {
        write_file(out_path, text);
      }
    } catch (const Failure& f) {
      std::fprintf(stderr, "dais-export: %s\n", f.message.c_str());
      return f.code;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dais-export: %s\n", e.what());
      return 1;
    }
    return 0;
  });
}

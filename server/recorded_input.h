// Reading a run's recorded traffic from disk: lists traffic.path's files (a file, or a folder's
// regular files in name order, hidden ones left out), records each one's name, size and SHA-256 for
// RunStarted, reads them (flow CSVs: capture/flow_csv.h) and the label file, and builds the agents'
// view (server/recorded_traffic.h).
// A resume or replay passes the files its log recorded: exactly those are read, found in the same
// place (traffic.path's folder, the label file's folder) or in `traffic_dir`, and each must have the
// recorded size and digest, so a run's inputs cannot change under its log.
// Thread-safe (no shared state); the result is immutable.
// Errors: RunError (server/run_errors.h) with a message naming the file or the key: a missing or
// changed file, an unreadable CSV or label file, an empty traffic.path, segments that do not fit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "events/events.h"
#include "server/recorded_traffic.h"
#include "server/settings.h"

namespace dais::server {

struct RecordedInput {
  RecordedTraffic traffic;
  std::vector<events::TrafficFile> files;  // as RunStarted records them
  std::uint64_t rows_read = 0, rows_skipped = 0;  // flow CSV rows or capture packets, and the malformed ones skipped
};

// `agents` and `window_steps` come from the simulation settings.
std::shared_ptr<const RecordedInput> load_recorded_input(const RecordedSettings& settings, std::uint32_t agents,
                                                         std::uint32_t window_steps,
                                                         const std::vector<events::TrafficFile>* logged,
                                                         const std::optional<std::filesystem::path>& traffic_dir);

// The label file's rows (CSV with header source,destination,start,end,kind; an address or CIDR, or
// "*"/empty for any; seconds since the epoch, empty for unbounded). RunError naming file and line.
std::vector<LabelRule> read_label_file(const std::filesystem::path& file);

}  // namespace dais::server

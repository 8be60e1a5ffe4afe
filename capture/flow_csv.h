// Flow-record CSVs read into FlowRecord: DAIS's own columns, CICFlowMeter exports (CIC-IDS2017 with
// its leading-space names, CSE-CIC-IDS2018 with its abbreviations) and UNSW-NB15 (with a header, or the
// published headerless files, recognised by their 49 columns). The format is detected from the first
// line; the columns each needs are in docs/SIMULATION.md "Recorded traffic".
// The file is read line by line: memory grows with the flows kept, not the file. A row that cannot be
// read (wrong field count, a bad address or number, a negative duration) is counted and skipped, never
// thrown. Label columns become FlowRecord::label (ground truth for scoring only).
// Pure apart from reading the file; thread-safe. Errors: capture::InputError (naming the file) for a file
// that cannot be opened, is empty, or whose first line matches no format / lacks a needed column.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "capture/flow_record.h"

namespace dais::capture {

enum class FlowCsvFormat { dais, cicflowmeter, unsw_nb15 };
std::string_view name(FlowCsvFormat format);

struct FlowCsvResult {
  std::vector<FlowRecord> flows;
  std::uint64_t rows_read = 0;     // data rows seen (a header line is not a row)
  std::uint64_t rows_skipped = 0;  // malformed rows among them, not in flows
  FlowCsvFormat format = FlowCsvFormat::dais;
  bool has_labels = false;         // the file has a label column (every kept flow has a label)
  bool has_header = true;          // false for a headerless UNSW-NB15 file
  std::string first_skip;          // "line N: why" for the first skipped row, "" when none
};

FlowCsvResult read_flow_csv(const std::filesystem::path& file);

// DAIS's own columns in the order read_flow_csv documents and tools write them.
inline constexpr std::string_view kDaisFlowCsvHeader =
    "start,end,src,dst,src_port,dst_port,protocol,packets_fwd,packets_bwd,bytes_fwd,bytes_bwd,syn,syn_ack,fin,rst,"
    "label";

// True for the labels the supported data sets give benign traffic: "BENIGN", "Benign", "Normal", and an
// empty label (any case, surrounding spaces ignored).
bool is_benign_label(std::string_view label);

}  // namespace dais::capture

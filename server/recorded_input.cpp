#include "server/recorded_input.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "capture/flow_csv.h"
#include "capture/pcap_flows.h"
#include "capture/input_error.h"
#include "common/sha256.h"
#include "config/logging.h"
#include "server/run_errors.h"

namespace dais::server {

namespace {

namespace fs = std::filesystem;

constexpr const char* kTrafficRole = "traffic";
constexpr const char* kLabelsRole = "labels";

events::TrafficFile describe(const fs::path& file, const std::string& role) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw RunError("cannot read the recorded traffic file " + file.string());
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  std::uint64_t size = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    hash.update(buffer.data(), got);
    size += got;
  }
  if (in.bad()) throw RunError("read error in the recorded traffic file " + file.string());
  return events::TrafficFile{role, file.filename().string(), size, to_hex(hash.finish())};
}

// traffic.path's files: the file itself, or the folder's regular files (not hidden) in name order.
std::vector<fs::path> list_traffic(const RecordedSettings& settings) {
  if (settings.path.empty()) {
    throw RunError("traffic.source is " + settings.source +
                   " but traffic.path is empty: give the file or folder of recorded traffic (--set traffic.path=...)");
  }
  const fs::path path(settings.path);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  if (!fs::is_directory(path, ec)) {
    throw RunError("traffic.path " + settings.path + " is neither a file nor a folder (" +
                   (fs::exists(path, ec) ? "not a regular file" : "it does not exist") + ")");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && !name.empty() && name[0] != '.') files.push_back(entry.path());
  }
  if (ec) throw RunError("cannot list the folder traffic.path " + settings.path + ": " + ec.message());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  if (files.empty()) throw RunError("the folder traffic.path " + settings.path + " holds no files");
  return files;
}

// Where a logged file is now: in traffic_dir when given, else where the configuration puts it.
fs::path locate(const events::TrafficFile& logged, const RecordedSettings& settings,
                const std::optional<fs::path>& traffic_dir) {
  if (traffic_dir) return *traffic_dir / logged.name;
  if (logged.role == kLabelsRole) return fs::path(settings.labels).parent_path() / logged.name;
  const fs::path path(settings.path);
  std::error_code ec;
  return fs::is_directory(path, ec) ? path / logged.name : path.parent_path() / logged.name;
}

// A logged file found again: the same size and digest, or a RunError naming it.
fs::path find_logged(const events::TrafficFile& logged, const RecordedSettings& settings,
                     const std::optional<fs::path>& traffic_dir) {
  const auto file = locate(logged, settings, traffic_dir);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw RunError("the run's recorded traffic file " + logged.name + " is missing (looked for " + file.string() +
                   "); give the folder that holds it with --traffic-dir");
  }
  const auto now = describe(file, logged.role);
  if (now.size != logged.size || now.sha256 != logged.sha256) {
    throw RunError("the recorded traffic file " + file.string() + " is not the one the run read: the log has " +
                   std::to_string(logged.size) + " bytes, SHA-256 " + logged.sha256 + "; the file has " +
                   std::to_string(now.size) + " bytes, SHA-256 " + now.sha256);
  }
  return file;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_commas(std::string_view line) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const auto comma = line.find(',', pos);
    out.emplace_back(trim(line.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos)));
    if (comma == std::string_view::npos) return out;
    pos = comma + 1;
  }
}

}  // namespace

std::vector<LabelRule> read_label_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw RunError("cannot open the label file " + file.string() + " (traffic.labels)");
  std::string line;
  std::uint64_t number = 0;
  std::vector<LabelRule> rules;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    if (trim(line).empty() || trim(line).front() == '#') continue;
    const auto fields = split_commas(line);
    const std::string where = file.string() + " line " + std::to_string(number);
    if (!header) {
      const std::vector<std::string> expected = {"source", "destination", "start", "end", "kind"};
      if (fields != expected) {
        throw RunError(where + ": a label file starts with the header source,destination,start,end,kind");
      }
      header = true;
      continue;
    }
    if (fields.size() != 5) throw RunError(where + ": " + std::to_string(fields.size()) + " fields, expected 5");
    LabelRule rule;
    for (int k = 0; k < 2; ++k) {
      const auto& text = fields[k];
      if (text.empty() || text == "*") continue;
      const auto prefix = parse_ipv4_prefix(text);
      if (!prefix) throw RunError(where + ": '" + text + "' is not an IPv4 address, CIDR or *");
      (k == 0 ? rule.source : rule.destination) = prefix;
    }
    rule.from = -std::numeric_limits<double>::infinity();
    rule.to = std::numeric_limits<double>::infinity();
    for (int k = 2; k < 4; ++k) {
      if (fields[k].empty()) continue;
      std::size_t used = 0;
      double value = 0;
      try {
        value = std::stod(fields[k], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != fields[k].size() || !std::isfinite(value)) {
        throw RunError(where + ": '" + fields[k] + "' is not a time in seconds since the epoch");
      }
      (k == 2 ? rule.from : rule.to) = value;
    }
    if (rule.to < rule.from) throw RunError(where + ": the end is before the start");
    if (fields[4].empty()) throw RunError(where + ": the kind is empty");
    rule.kind = fields[4];
    rules.push_back(std::move(rule));
  }
  if (!header) throw RunError("the label file " + file.string() + " is empty");
  return rules;
}

std::shared_ptr<const RecordedInput> load_recorded_input(const RecordedSettings& settings, std::uint32_t agents,
                                                         std::uint32_t window_steps,
                                                         const std::vector<events::TrafficFile>* logged,
                                                         const std::optional<fs::path>& traffic_dir) {
  auto input = std::make_shared<RecordedInput>();
  std::vector<fs::path> traffic;
  std::optional<fs::path> labels;
  if (logged) {
    for (const auto& f : *logged) {
      const auto file = find_logged(f, settings, traffic_dir);
      if (f.role == kLabelsRole) labels = file;
      else traffic.push_back(file);
      input->files.push_back(f);
    }
    if (traffic.empty()) throw RunError("the log records no recorded traffic file for traffic.source " + settings.source);
  } else {
    traffic = list_traffic(settings);
    if (!settings.labels.empty()) {  // a label file kept in the traffic folder is not traffic
      std::error_code ec;
      std::erase_if(traffic, [&](const fs::path& f) { return fs::equivalent(f, settings.labels, ec); });
      if (traffic.empty()) throw RunError("traffic.path " + settings.path + " holds only the label file");
    }
    for (const auto& file : traffic) input->files.push_back(describe(file, kTrafficRole));
    if (!settings.labels.empty()) {
      labels = settings.labels;
      input->files.push_back(describe(*labels, kLabelsRole));
    }
  }

  std::vector<capture::FlowRecord> records;
  for (const auto& file : traffic) {
    try {
      if (settings.source == "pcap") {
        auto capture = capture::read_capture(file);
        const auto& c = capture.counters;
        input->rows_read += c.packets;
        const std::uint64_t damaged = c.truncated + c.malformed;
        input->rows_skipped += damaged;
        if (damaged > 0 || !c.stopped_early.empty()) {
          config::logger("engine")->warn("{}: skipped {} truncated and {} malformed of {} packets{}{}", file.string(),
                                         c.truncated, c.malformed, c.packets, c.stopped_early.empty() ? "" : "; ",
                                         c.stopped_early);
        }
        records.insert(records.end(), std::make_move_iterator(capture.flows.begin()),
                       std::make_move_iterator(capture.flows.end()));
        continue;
      }
      auto csv = capture::read_flow_csv(file);
      input->rows_read += csv.rows_read;
      input->rows_skipped += csv.rows_skipped;
      if (csv.rows_skipped > 0) {
        config::logger("engine")->warn("{}: skipped {} of {} rows that could not be read (first: {})", file.string(),
                                       csv.rows_skipped, csv.rows_read, csv.first_skip);
      }
      records.insert(records.end(), std::make_move_iterator(csv.flows.begin()), std::make_move_iterator(csv.flows.end()));
    } catch (const capture::InputError& e) {
      throw RunError(std::string("traffic.path: ") + e.what());
    }
  }

  RecordedParams params;
  params.agents = agents;
  params.step_seconds = settings.step_seconds;
  params.training_steps = settings.training_steps;
  params.window_steps = window_steps;
  const bool hash = settings.segments.empty() || (settings.segments.size() == 1 && settings.segments[0] == "hash");
  if (!hash) {
    for (const auto& item : settings.segments) {
      std::vector<Ipv4Prefix> prefixes;
      std::istringstream words(item);
      std::string word;
      while (words >> word) {
        const auto prefix = parse_ipv4_prefix(word);
        if (!prefix) throw RunError("traffic.segments: '" + word + "' is not an IPv4 CIDR (or use [hash])");
        prefixes.push_back(*prefix);
      }
      params.segments.push_back(std::move(prefixes));
    }
  }
  if (settings.mix_attacks()) params.keep = RecordedParams::Keep::attacks;
  if (settings.mix_benign()) params.keep = RecordedParams::Keep::benign;
  if (labels) {
    params.label_rules = read_label_file(*labels);
    params.use_label_rules = true;
  }
  try {
    input->traffic = RecordedTraffic::build(std::move(records), params);
  } catch (const std::invalid_argument& e) {
    throw RunError(e.what());
  }
  const auto& c = input->traffic.counters();
  config::logger("engine")->info(
      "recorded traffic: {} files, {} flows ({} rows skipped), {} IPv6 flows skipped, {} unassigned, {} warm-up "
      "flows, {} run flows over {} steps, {} attack flows in {} kinds{}",
      traffic.size(), c.flows, input->rows_skipped, c.ipv6_skipped, c.unassigned, c.warmup_flows, c.run_flows,
      input->traffic.steps(), c.attack_flows, input->traffic.kinds().size(),
      input->traffic.labelled() ? "" : " (unlabelled: precision and recall unknown)");
  return input;
}

}  // namespace dais::server

#include "capture/flow_csv.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <optional>

#include "capture/input_error.h"

namespace dais::capture {

namespace {

// What a column means to DAIS, whatever the format calls it.
enum Role : std::size_t {
  start, end, src, dst, src_port, dst_port, protocol, packets_fwd, packets_bwd, bytes_fwd, bytes_bwd,
  syn, syn_ack, fin, rst, label, duration, timestamp, state, attack_cat, kRoles
};

struct ColumnSpec {
  Role role;
  std::vector<std::string_view> names;  // lower case, spaces trimmed
  bool required;
};

const std::vector<ColumnSpec>& dais_columns() {
  static const std::vector<ColumnSpec> columns = {
      {start, {"start"}, true},           {end, {"end"}, true},
      {src, {"src"}, true},               {dst, {"dst"}, true},
      {src_port, {"src_port"}, false},    {dst_port, {"dst_port"}, true},
      {protocol, {"protocol"}, true},     {packets_fwd, {"packets_fwd"}, true},
      {packets_bwd, {"packets_bwd"}, true}, {bytes_fwd, {"bytes_fwd"}, true},
      {bytes_bwd, {"bytes_bwd"}, true},   {syn, {"syn"}, false},
      {syn_ack, {"syn_ack"}, false},      {fin, {"fin"}, false},
      {rst, {"rst"}, false},              {label, {"label"}, false},
  };
  return columns;
}

// CIC-IDS2017 names (with their leading space trimmed), then CSE-CIC-IDS2018 abbreviations.
const std::vector<ColumnSpec>& cic_columns() {
  static const std::vector<ColumnSpec> columns = {
      {src, {"source ip", "src ip"}, true},
      {src_port, {"source port", "src port"}, false},
      {dst, {"destination ip", "dst ip"}, true},
      {dst_port, {"destination port", "dst port"}, true},
      {protocol, {"protocol"}, true},
      {timestamp, {"timestamp"}, true},
      {duration, {"flow duration"}, true},
      {packets_fwd, {"total fwd packets", "tot fwd pkts"}, true},
      {packets_bwd, {"total backward packets", "tot bwd pkts"}, true},
      {bytes_fwd, {"total length of fwd packets", "totlen fwd pkts"}, true},
      {bytes_bwd, {"total length of bwd packets", "totlen bwd pkts"}, true},
      {syn, {"syn flag count", "syn flag cnt"}, false},
      {fin, {"fin flag count", "fin flag cnt"}, false},
      {rst, {"rst flag count", "rst flag cnt"}, false},
      {label, {"label"}, false},
  };
  return columns;
}

// UNSW-NB15 names as in NUSW-NB15_features.csv (lower-cased).
const std::vector<ColumnSpec>& unsw_columns() {
  static const std::vector<ColumnSpec> columns = {
      {src, {"srcip"}, true},          {src_port, {"sport"}, true},     {dst, {"dstip"}, true},
      {dst_port, {"dsport"}, true},    {protocol, {"proto"}, true},     {state, {"state"}, true},
      {duration, {"dur"}, true},       {bytes_fwd, {"sbytes"}, true},   {bytes_bwd, {"dbytes"}, true},
      {packets_fwd, {"spkts"}, true},  {packets_bwd, {"dpkts"}, true},  {start, {"stime"}, true},
      {end, {"ltime"}, true},          {attack_cat, {"attack_cat"}, false}, {label, {"label"}, false},
  };
  return columns;
}

// Positions of the roles in the published headerless UNSW-NB15_1..4.csv (49 columns).
constexpr std::size_t kUnswColumnCount = 49;
const std::array<std::pair<Role, std::size_t>, 15> kUnswPositions = {{
    {src, 0}, {src_port, 1}, {dst, 2}, {dst_port, 3}, {protocol, 4}, {state, 5}, {duration, 6}, {bytes_fwd, 7},
    {bytes_bwd, 8}, {packets_fwd, 16}, {packets_bwd, 17}, {start, 28}, {end, 29}, {attack_cat, 47}, {label, 48},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// One CSV line into fields: commas separate, double quotes enclose (a doubled quote is a quote).
// False for an unterminated quote.
bool split_fields(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  text = trim(text);
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return value;
  // Some exports write counts as decimals ("3.0"): accepted when whole.
  double real = 0;
  const auto [p2, e2] = std::from_chars(text.data(), text.data() + text.size(), real);
  if (e2 != std::errc() || p2 != text.data() + text.size() || text.empty()) return std::nullopt;
  if (!std::isfinite(real) || real < 0 || real != std::floor(real) || real > 1e18) return std::nullopt;
  return static_cast<std::uint64_t>(real);
}

std::optional<double> parse_real(std::string_view text) {
  text = trim(text);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

// Decimal, or hexadecimal with 0x (UNSW-NB15 writes some ports so); "-" and "" are no port (0).
std::optional<std::uint16_t> parse_port(std::string_view text, bool dash_is_zero) {
  text = trim(text);
  if (dash_is_zero && (text == "-" || text.empty())) return 0;
  std::uint64_t value = 0;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<std::uint8_t> parse_protocol_number(std::string_view text) {
  const auto value = parse_count(text);
  if (!value || *value > 255) return std::nullopt;
  return static_cast<std::uint8_t>(*value);
}

// UNSW-NB15 names its protocols; the common ones get their IANA number, any other 255 (reserved).
std::optional<std::uint8_t> parse_protocol_name(std::string_view text) {
  const std::string name = lower(trim(text));
  if (name.empty()) return std::nullopt;
  static const std::array<std::pair<std::string_view, std::uint8_t>, 10> known = {{
      {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"ipv6-icmp", 58}, {"igmp", 2}, {"gre", 47}, {"esp", 50},
      {"ah", 51}, {"ospf", 89}, {"sctp", 132},
  }};
  for (const auto& [n, number] : known)
    if (n == name) return number;
  if (auto number = parse_protocol_number(name)) return number;
  return 255;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Reads unsigned decimal digits at `pos`; advances it.
std::optional<unsigned> digits(std::string_view s, std::size_t& pos, std::size_t max_len) {
  std::size_t n = 0;
  unsigned value = 0;
  while (pos < s.size() && n < max_len && s[pos] >= '0' && s[pos] <= '9') {
    value = value * 10 + static_cast<unsigned>(s[pos] - '0');
    ++pos;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return value;
}

// CICFlowMeter timestamps, read as UTC: "dd/mm/yyyy hh:mm[:ss][ AM|PM]" (CIC-IDS2017 writes some
// without seconds, CSE-CIC-IDS2018 with) or "yyyy-mm-dd hh:mm:ss[.frac]". Seconds since the epoch.
std::optional<double> parse_cic_time(std::string_view text) {
  text = trim(text);
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0;
  const auto first = digits(text, pos, 4);
  if (!first || pos >= text.size()) return std::nullopt;
  if (text[pos] == '-') {
    year = *first;
    ++pos;
    const auto m = digits(text, pos, 2);
    if (!m || pos >= text.size() || text[pos] != '-') return std::nullopt;
    ++pos;
    const auto d = digits(text, pos, 2);
    if (!d) return std::nullopt;
    month = *m, day = *d;
  } else if (text[pos] == '/') {
    day = *first;
    ++pos;
    const auto m = digits(text, pos, 2);
    if (!m || pos >= text.size() || text[pos] != '/') return std::nullopt;
    ++pos;
    const auto y = digits(text, pos, 4);
    if (!y) return std::nullopt;
    month = *m, year = *y;
  } else {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != ' ' && text[pos] != 'T')) return std::nullopt;
  ++pos;
  const auto hour = digits(text, pos, 2);
  if (!hour || pos >= text.size() || text[pos] != ':') return std::nullopt;
  ++pos;
  const auto minute = digits(text, pos, 2);
  if (!minute) return std::nullopt;
  double second = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    const std::size_t from = pos;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) ++pos;
    const auto s = parse_real(text.substr(from, pos - from));
    if (!s || *s >= 61) return std::nullopt;
    second = *s;
  }
  unsigned h = *hour;
  const std::string rest = lower(trim(text.substr(pos)));
  if (rest == "pm" && h < 12) h += 12;
  else if (rest == "am" && h == 12) h = 0;
  else if (!rest.empty() && rest != "am" && rest != "pm") return std::nullopt;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || *minute > 59) return std::nullopt;
  const auto days = days_from_civil(year, month, day);
  return static_cast<double>(days) * 86400.0 + h * 3600.0 + *minute * 60.0 + second;
}

bool is_address(std::string_view text) { return IpAddress::parse(trim(text)).has_value(); }

// Which column holds each role (npos when absent).
using Columns = std::array<std::size_t, kRoles>;
constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);

Columns map_columns(const std::vector<std::string>& header, const std::vector<ColumnSpec>& specs,
                    std::string& missing) {
  Columns columns;
  columns.fill(kAbsent);
  std::vector<std::string> names;
  for (const auto& h : header) names.push_back(lower(trim(h)));
  for (const auto& spec : specs) {
    for (const auto& candidate : spec.names) {
      const auto it = std::find(names.begin(), names.end(), candidate);
      if (it != names.end()) {
        columns[spec.role] = static_cast<std::size_t>(it - names.begin());
        break;
      }
    }
    if (columns[spec.role] == kAbsent && spec.required && missing.empty()) {
      missing = "'" + std::string(spec.names[0]) + "'";
      if (spec.names.size() > 1) missing += " (or '" + std::string(spec.names[1]) + "')";
    }
  }
  return columns;
}

bool has_name(const std::vector<std::string>& header, std::string_view name) {
  return std::any_of(header.begin(), header.end(), [&](const std::string& h) { return lower(trim(h)) == name; });
}

struct Parser {
  FlowCsvFormat format;
  Columns columns;
  std::size_t field_count;  // every row has exactly as many fields as the header (or 49)

  std::string_view field(const std::vector<std::string>& fields, Role role) const {
    return columns[role] == kAbsent ? std::string_view() : trim(fields[columns[role]]);
  }
  bool has(Role role) const { return columns[role] != kAbsent; }

  // One row into a record; the reason it cannot be read otherwise.
  std::optional<FlowRecord> row(const std::vector<std::string>& fields, std::string& why) const {
    if (fields.size() != field_count) {
      why = std::to_string(fields.size()) + " fields, expected " + std::to_string(field_count);
      return std::nullopt;
    }
    FlowRecord r;
    const auto source = IpAddress::parse(field(fields, src));
    const auto destination = IpAddress::parse(field(fields, dst));
    if (!source || !destination) {
      why = "bad address";
      return std::nullopt;
    }
    r.src = *source;
    r.dst = *destination;
    const bool unsw = format == FlowCsvFormat::unsw_nb15;
    const auto sport = has(src_port) ? parse_port(field(fields, src_port), unsw) : std::optional<std::uint16_t>(0);
    const auto dport = parse_port(field(fields, dst_port), unsw);
    const auto proto = unsw ? parse_protocol_name(field(fields, protocol)) : parse_protocol_number(field(fields, protocol));
    const auto pf = parse_count(field(fields, packets_fwd));
    const auto pb = parse_count(field(fields, packets_bwd));
    const auto bf = parse_count(field(fields, bytes_fwd));
    const auto bb = parse_count(field(fields, bytes_bwd));
    if (!sport || !dport || !proto || !pf || !pb || !bf || !bb) {
      why = "bad port, protocol or count";
      return std::nullopt;
    }
    r.src_port = *sport, r.dst_port = *dport, r.protocol = *proto;
    r.packets_fwd = *pf, r.packets_bwd = *pb, r.bytes_fwd = *bf, r.bytes_bwd = *bb;
    if (format == FlowCsvFormat::cicflowmeter) {
      const auto at = parse_cic_time(field(fields, timestamp));
      const auto micros = parse_real(field(fields, duration));
      if (!at || !micros || *micros < 0) {
        why = !at ? "bad timestamp" : "bad or negative flow duration";
        return std::nullopt;
      }
      r.start_s = *at;
      r.end_s = *at + *micros / 1e6;
    } else {
      const auto s = parse_real(field(fields, start));
      const auto e = parse_real(field(fields, end));
      if (!s || !e || *e < *s || *s < 0) {
        why = "bad start or end time";
        return std::nullopt;
      }
      r.start_s = *s;
      r.end_s = *e;
    }
    for (const auto& [role, target] : {std::pair{syn, &r.syn}, std::pair{syn_ack, &r.syn_ack}, std::pair{fin, &r.fin},
                                       std::pair{rst, &r.rst}}) {
      if (!has(role)) continue;
      const auto count = parse_count(field(fields, role));
      if (!count || *count > 0xffffffffu) {
        why = "bad flag count";
        return std::nullopt;
      }
      *target = static_cast<std::uint32_t>(*count);
    }
    if (unsw) unsw_flags(r, lower(field(fields, state)));
    if (!label_of(fields, r, why)) return std::nullopt;
    return r;
  }

  // UNSW-NB15 has no flag counts. Its TCP flows are connections, so each opened with one SYN; one
  // that got an answer (state other than INT/REQ: Argus' "no reply" states) one SYN-ACK; states FIN
  // and RST one FIN or RST.
  static void unsw_flags(FlowRecord& r, const std::string& st) {
    if (r.protocol != 6) return;
    r.syn = 1;
    r.syn_ack = (r.packets_bwd > 0 && st != "int" && st != "req") ? 1 : 0;
    r.fin = st == "fin" ? 1 : 0;
    r.rst = st == "rst" ? 1 : 0;
  }

  bool label_of(const std::vector<std::string>& fields, FlowRecord& r, std::string& why) const {
    if (format != FlowCsvFormat::unsw_nb15) {
      if (has(label)) r.label = std::string(field(fields, label));
      return true;
    }
    const std::string category(field(fields, attack_cat));
    if (has(label)) {
      const auto flag = field(fields, label);
      if (flag == "0") {
        r.label = "Normal";
      } else if (flag == "1") {
        r.label = category.empty() ? std::string("attack") : category;
      } else {
        why = "bad Label (0 or 1)";
        return false;
      }
    } else if (has(attack_cat)) {
      r.label = category.empty() ? std::string("Normal") : category;
    }
    return true;
  }
};

Parser parser_for(const std::filesystem::path& file, const std::vector<std::string>& first, bool& header) {
  const std::string where = file.string();
  header = true;
  Parser p{FlowCsvFormat::dais, {}, first.size()};
  std::string missing;
  if (has_name(first, "flow duration") || has_name(first, "tot fwd pkts") || has_name(first, "total fwd packets")) {
    p.format = FlowCsvFormat::cicflowmeter;
    p.columns = map_columns(first, cic_columns(), missing);
    if (p.columns[src] == kAbsent || p.columns[dst] == kAbsent) {
      throw InputError(where + ": a CICFlowMeter CSV without address columns ('Source IP'/'Src IP', "
                               "'Destination IP'/'Dst IP'): DAIS attributes flows to addresses, so it cannot read "
                               "the address-free exports (CIC-IDS2017 MachineLearningCVE, most CSE-CIC-IDS2018 "
                               "files); use the exports with addresses (CIC-IDS2017 TrafficLabelling)");
    }
  } else if (has_name(first, "srcip") || has_name(first, "sbytes") || has_name(first, "attack_cat")) {
    p.format = FlowCsvFormat::unsw_nb15;
    p.columns = map_columns(first, unsw_columns(), missing);
    if (p.columns[src] == kAbsent || p.columns[dst] == kAbsent) {
      throw InputError(where + ": a UNSW-NB15 CSV without 'srcip'/'dstip': the training and testing set files "
                               "have no addresses; use the full records (UNSW-NB15_1.csv to _4.csv)");
    }
  } else if (has_name(first, "bytes_fwd") || has_name(first, "packets_fwd") || has_name(first, "src")) {
    p.format = FlowCsvFormat::dais;
    p.columns = map_columns(first, dais_columns(), missing);
  } else if (first.size() == kUnswColumnCount && is_address(first[0]) && is_address(first[2])) {
    header = false;
    p.format = FlowCsvFormat::unsw_nb15;
    p.columns.fill(kAbsent);
    for (const auto& [role, position] : kUnswPositions) p.columns[role] = position;
  } else {
    throw InputError(where + ": the first line is not the header of a flow CSV DAIS reads (DAIS columns " +
                     std::string(kDaisFlowCsvHeader) +
                     "; a CICFlowMeter export; UNSW-NB15 with its header or its 49 headerless columns)");
  }
  if (!missing.empty()) {
    throw InputError(where + ": " + std::string(name(p.format)) + " CSV without the column " + missing);
  }
  return p;
}

}  // namespace

std::string_view name(FlowCsvFormat format) {
  switch (format) {
    case FlowCsvFormat::dais: return "dais";
    case FlowCsvFormat::cicflowmeter: return "cicflowmeter";
    case FlowCsvFormat::unsw_nb15: return "unsw-nb15";
  }
  return "?";
}

bool is_benign_label(std::string_view label) {
  const std::string l = lower(trim(label));
  return l.empty() || l == "benign" || l == "normal";
}

FlowCsvResult read_flow_csv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(file, ec)) throw InputError(file.string() + ": cannot open the flow CSV");
  std::string line;
  std::vector<std::string> fields;
  std::uint64_t line_number = 0;
  // The first non-empty line decides the format.
  while (std::getline(in, line)) {
    ++line_number;
    if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte order mark
    if (!trim(line).empty()) break;
  }
  if (trim(line).empty()) throw InputError(file.string() + ": the flow CSV is empty");
  if (line.find('\0') != std::string::npos || !split_fields(line, fields)) {
    throw InputError(file.string() + ": the first line is not CSV text");
  }
  FlowCsvResult result;
  const Parser parser = parser_for(file, fields, result.has_header);
  result.format = parser.format;
  result.has_labels = parser.has(label) || parser.has(attack_cat);
  auto take = [&](std::uint64_t number) {
    ++result.rows_read;
    std::string why;
    std::optional<FlowRecord> record;
    if (!split_fields(line, fields)) why = "unterminated quote";
    else record = parser.row(fields, why);
    if (record) {
      result.flows.push_back(std::move(*record));
      return;
    }
    if (result.rows_skipped++ == 0) result.first_skip = "line " + std::to_string(number) + ": " + why;
  };
  if (!result.has_header) take(line_number);
  while (std::getline(in, line)) {
    ++line_number;
    if (trim(line).empty()) continue;
    take(line_number);
  }
  if (in.bad()) throw InputError(file.string() + ": read error after line " + std::to_string(line_number));
  return result;
}

}  // namespace dais::capture

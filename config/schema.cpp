#include "config/schema.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace dais::config {
namespace {

constexpr std::int64_t kBillion = 1'000'000'000;
constexpr std::int64_t kMillion = 1'000'000;
constexpr std::int64_t kTwoTo53 = std::int64_t{1} << 53;  // largest seed a JSON number holds exactly

Bound incl(double value) { return {value, true}; }

KeySpec base(std::string key, ValueType type, Value fallback, std::string description) {
  KeySpec spec;
  spec.key = std::move(key);
  spec.type = type;
  spec.default_value = std::move(fallback);
  spec.description = std::move(description);
  return spec;
}
Bound excl(double value) { return {value, false}; }

KeySpec integer(std::string key, std::int64_t fallback, std::int64_t min, std::int64_t max, std::string description) {
  KeySpec spec = base(std::move(key), ValueType::integer, fallback, std::move(description));
  spec.has_range = true;
  spec.min = incl(static_cast<double>(min));
  spec.max = incl(static_cast<double>(max));
  return spec;
}

KeySpec real(std::string key, double fallback, Bound min, Bound max, std::string description) {
  KeySpec spec = base(std::move(key), ValueType::real, fallback, std::move(description));
  spec.has_range = true;
  spec.min = min;
  spec.max = max;
  return spec;
}

KeySpec flag(std::string key, bool fallback, std::string description) {
  return base(std::move(key), ValueType::boolean, fallback, std::move(description));
}

KeySpec text(std::string key, std::string fallback, std::string description) {
  return base(std::move(key), ValueType::string, std::move(fallback), std::move(description));
}

KeySpec secret_text(std::string key, std::string description) {
  KeySpec spec = text(std::move(key), "", std::move(description));
  spec.secret = true;
  return spec;
}

KeySpec choice(std::string key, std::string fallback, std::vector<std::string> choices, std::string description) {
  KeySpec spec = text(std::move(key), std::move(fallback), std::move(description));
  spec.choices = std::move(choices);
  return spec;
}

KeySpec list(std::string key, std::string description) {
  return base(std::move(key), ValueType::string_list, StringList{}, std::move(description));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// inet_pton, as the listener (asio::ip::make_address) and the agents'
// dotted-quad parser read addresses: four decimal octets, no leading zeros.
bool is_ip(int family, std::string_view text) {
  unsigned char out[16];
  return inet_pton(family, std::string(text).c_str(), out) == 1;
}

std::string check_ipv4(std::string_view text) {
  return is_ip(AF_INET, text) ? "" : "is not an IPv4 address such as 10.0.0.1";
}

std::string check_host_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return "is not HOST:PORT (no port)";
  const std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.empty()) return "is not HOST:PORT (no host)";
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return "is not HOST:PORT (unclosed [IPv6] host)";
    for (char c : host.substr(1, host.size() - 2))
      if (!(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
        return "is not HOST:PORT (bad character in [IPv6] host)";
  } else {
    for (char c : host)
      if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-'))
        return c == ':' ? "is not HOST:PORT (write IPv6 hosts in brackets, e.g. [::1]:8080)"
                        : "is not HOST:PORT (bad character in host)";
  }
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit))
    return "is not HOST:PORT (port is not a number)";
  if (std::stoi(std::string(port)) > 65535) return "is not HOST:PORT (port above 65535)";
  // The server binds the address as written and resolves no names: a name
  // would pass here and fail only at serve time, after the log was created.
  const bool numeric = host.front() == '[' ? is_ip(AF_INET6, host.substr(1, host.size() - 2)) : is_ip(AF_INET, host);
  if (!numeric) return "is not HOST:PORT (the host must be an IP address such as 127.0.0.1 or [::1]; names are not resolved)";
  return "";
}

// A C2SP note key name: non-empty printable ASCII without spaces or '+'.
std::string check_key_name(std::string_view text) {
  if (text.empty()) return "is empty";
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return "has a space or non-ASCII character";
    if (c == '+') return "has a '+'";
  }
  return "";
}

KeySpec key_name(std::string key, std::string fallback, std::string description) {
  KeySpec spec = text(std::move(key), std::move(fallback), std::move(description));
  spec.check_form = check_key_name;
  spec.form = "printable ASCII without spaces or '+', e.g. example.com/dais";
  return spec;
}

KeySpec address(std::string key, std::string fallback, std::string description) {
  KeySpec spec = text(std::move(key), std::move(fallback), std::move(description));
  spec.check_form = check_host_port;
  spec.form = "HOST:PORT with an IP address as host, port 0-65535 (0 picks a free port), IPv6 host in brackets as in [::1]:8080";
  return spec;
}

KeySpec address_list(std::string key, std::string description) {
  KeySpec spec = list(std::move(key), std::move(description));
  spec.check_item = check_ipv4;
  spec.form = "a list of IPv4 addresses (comma-separated, or [a, b])";
  return spec;
}

// "hash", or IPv4 CIDRs (a.b.c.d/len or a.b.c.d) separated by spaces.
std::string check_segment(std::string_view text) {
  if (text == "hash") return "";
  bool any = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    const std::size_t slash = item.find('/');
    if (!is_ip(AF_INET, item.substr(0, slash))) return "is not 'hash' or IPv4 CIDRs such as 192.168.1.0/24";
    if (slash != std::string_view::npos) {
      const std::string_view length = item.substr(slash + 1);
      if (length.empty() || length.size() > 2 || !std::all_of(length.begin(), length.end(), is_digit) ||
          std::stoi(std::string(length)) > 32)
        return "has a prefix length that is not 0-32";
    }
    any = true;
    pos = end;
  }
  return any ? "" : "is empty";
}

KeySpec segment_list(std::string key, std::string description) {
  KeySpec spec = list(std::move(key), std::move(description));
  spec.check_item = check_segment;
  spec.form = "[hash], or one item per agent of space-separated IPv4 CIDRs, e.g. [10.0.1.0/24, 10.0.2.0/24 10.0.3.0/24]";
  return spec;
}

std::string check_origin(std::string_view text) {
  if (text == "*") return "";
  const std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos || scheme == 0 || scheme + 3 == text.size())
    return "is not an origin such as https://example.org:8443 or \"*\"";
  if (text.find('/', scheme + 3) != std::string_view::npos) return "is not an origin (an origin has no path)";
  return "";
}

KeySpec origin_list(std::string key, std::string description) {
  KeySpec spec = list(std::move(key), std::move(description));
  spec.check_item = check_origin;
  spec.form = "a list of origins such as https://example.org:8443, or [\"*\"]";
  return spec;
}

std::vector<KeySpec> build_schema() {
  // One line per key: type helper, key, default, allowed values, description (with units).
  return {
      integer("simulation.agents", 10, 1, 100000, "Number of simulated agents in the network."),
      integer("simulation.steps", 100, 0, kBillion, "Steps to run (0 = run until stopped)."),
      integer("simulation.seed", 1, 0, kTwoTo53, "Run seed: the same seed and configuration give the same log."),
      integer("simulation.threads", 0, 0, 256, "Worker threads (0 = number of cores); never changes results."),
      choice("simulation.partition", "block", {"block", "round_robin"}, "Under mpirun: which rank steps which agents (block = contiguous ids, round_robin = id modulo ranks); never changes results."),
      integer("simulation.step_interval_ms", 0, 0, 600000, "Pause between steps in milliseconds, for watching live (0 = none)."),
      choice("simulation.scenario", "realistic", {"realistic", "classroom"}, "realistic = connection records, window features, tunable attack distance, network delay; classroom = the original teaching scenario (attacks far from benign, no delay)."),
      integer("traffic.flows_per_step", 40, 1, 100000, "Flows each agent observes per step."),
      integer("traffic.campaigns", 6, 0, 1000, "Attack campaigns launched during the run."),
      integer("traffic.first_campaign_step", 10, 0, kBillion, "Step at which the first campaign starts."),
      integer("traffic.campaign_interval", 30, 1, kBillion, "Steps between the starts of successive campaigns."),
      integer("traffic.propagation_delay", 3, 0, 1000, "Steps between successive agents reached by a campaign."),
      integer("traffic.window_steps", 4, 1, 1000, "Realistic: steps of a source's flows its window features count."),
      integer("traffic.steps_per_day", 48, 1, kMillion, "Realistic: steps in one day of the benign daily rhythm."),
      real("traffic.attack_distance", 3.0, incl(0), incl(20), "Realistic: how far attacks sit from benign traffic, in benign standard deviations (0 = indistinguishable)."),
      choice("traffic.source", "synthetic", {"synthetic", "flows", "pcap"}, "Where flows come from: synthetic (generated), flows (flow-record CSVs: DAIS, CICFlowMeter, UNSW-NB15) or pcap (packet captures); docs/SIMULATION.md \"Recorded traffic\"."),
      text("traffic.path", "", "Recorded traffic: a file, or a folder whose files are read in name order."),
      real("traffic.step_seconds", 60, excl(0), incl(86400.0 * 366), "Recorded traffic: seconds of capture time in one step."),
      segment_list("traffic.segments", "Recorded traffic: which agent watches which flow; empty or [hash] = destination-address hash over the agents, else one item per agent: its IPv4 CIDRs, space-separated."),
      integer("traffic.training_steps", 10, 1, kMillion, "Recorded traffic: first capture steps used as the agents' pre-run history (not scored)."),
      text("traffic.labels", "", "Recorded traffic: label file (CSV source,destination,start,end,kind) giving ground truth; empty = the data's own label column, if any."),
      choice("traffic.mix", "none", {"none", "recorded_attacks", "recorded_benign"}, "Recorded traffic: none = the recording alone; recorded_attacks = its labelled attack flows injected into synthetic benign traffic; recorded_benign = its benign flows as the background of synthetic campaigns; docs/SIMULATION.md \"Mixing\"."),
      integer("attack.pool_size", 256, 0, 65536, "Addresses in each campaign's infrastructure pool (0 = 1-4 fixed external addresses per campaign; classroom scenario: 0)."),
      real("attack.pool_benign_share", 0.1, incl(0), incl(1), "Share of a pool inside the network's own address space (shared servers, compromised clients; classroom scenario: 0)."),
      integer("attack.sources_per_target", 4, 0, 65536, "Pool addresses each target sees at a time (0 = the whole pool; classroom scenario: 0)."),
      real("attack.churn", 0.05, incl(0), incl(1), "Chance per step that one of a target's attacker addresses is replaced from the pool (classroom scenario: 0)."),
      flag("attack.fresh_address_per_target", false, "Give every target addresses drawn for it alone, which no other target sees (needs attack.pool_size > 0)."),
      integer("detector.trees", 100, 1, 1000, "Trees in each agent's Isolation Forest."),
      integer("detector.samples", 256, 2, 65536, "Subsample size per tree (flows)."),
      real("detector.contamination", 0, incl(0), incl(0.5), "Expected share of anomalies; sets the threshold (0 = use detector.threshold)."),
      real("detector.threshold", 0.68, incl(0), incl(1), "Anomaly score above which a flow is flagged, when contamination is 0 (classroom scenario: 0.62)."),
      integer("detector.retrain_interval", 50, 0, kMillion, "Steps between periodic retrains (0 = only on accepted signatures)."),
      integer("detector.window", 2000, 64, kMillion, "Recent clean flows kept per agent for training."),
      integer("signature.min_observations", 3, 1, kMillion, "Flagged flows from one indicator needed before proposing a signature."),
      integer("signature.window", 3, 1, 1000, "Steps of an agent's flagged flows a signature is built from (slow attacks need several)."),
      real("validation.similarity_threshold", 0.7, incl(0), incl(1), "Cosine similarity a peer needs to approve a signature."),
      choice("validation.defence", "none", {"none", "abstain_unseen", "content_check", "both", "evidence", "evidence_abstain"}, "Defences of honest voters against poisoning (docs/SIMULATION.md, Defences)."),
      flag("consensus.enabled", true, "Share signatures and vote; false = every agent acts alone, its detections blacklist only for itself (the baseline)."),
      real("consensus.majority", 0.51, excl(0.5), incl(1), "Share of (weighted) votes that must approve."),
      real("consensus.quorum", 0.5, excl(0), incl(1), "Share of eligible voters that must vote for a decision."),
      integer("consensus.window", 6, 1, 1000, "Steps a signature stays open for votes (classroom scenario: 3)."),
      integer("consensus.committee", 0, 0, 100000, "Validators drawn per signature (0 = every active agent votes)."),
      flag("consensus.reputation", false, "Weight votes by reputation learned from past decisions."),
      choice("consensus.tie", "reject", {"reject", "accept"}, "Decision when approving and rejecting weights are equal."),
      address_list("consensus.protected", "IPv4 addresses no signature may blacklist (e.g. gateways, DNS servers); a prefix signature overlapping one is rejected."),
      integer("consensus.signature_prefix", 32, 8, 32, "Prefix length a signature's indicator covers: 32 = one address, 24 = its /24."),
      integer("blacklist.expiry", 200, 1, kBillion, "Steps an accepted indicator stays blacklisted without hits."),
      integer("blacklist.capacity", 4096, 1, 10 * kMillion, "Most indicators each agent's blacklist holds."),
      real("faults.crash_rate", 0, incl(0), incl(1), "Chance per agent per step of crashing."),
      integer("faults.recovery_steps", 5, 1, kMillion, "Steps a crashed agent stays down before catching up."),
      real("faults.byzantine_fraction", 0, incl(0), incl(0.9), "Share of agents that lie (poisoned signatures, dishonest votes)."),
      real("faults.poison_rate", 0.25, incl(0), incl(1), "Chance per step that a Byzantine agent proposes a poisoned signature."),
      choice("faults.adversary", "forge", {"forge", "framing", "sleeper", "low_rate"}, "What Byzantine agents do (docs/SIMULATION.md, Adversaries)."),
      integer("faults.sleeper_steps", 50, 0, kBillion, "Steps a sleeper adversary behaves honestly before it poisons."),
      real("faults.low_rate", 0.02, incl(0), incl(1), "Chance per step that a low_rate adversary frames an address."),
      integer("faults.sybils", 0, 0, kMillion, "Cheap identities of the adversary: they vote with the Byzantine bloc and observe no traffic (docs/SIMULATION.md, Adversaries)."),
      flag("faults.collude", true, "Byzantine voters vote as a bloc (false = they vote as honest validators)."),
      integer("network.delay_steps", 1, 0, 1000, "Steps a proposal, endorsement, vote or blacklist entry takes between two agents (0 = same step; classroom scenario: 0)."),
      integer("network.jitter_steps", 1, 0, 1000, "Extra delay per message, uniform in [0, jitter_steps] steps (classroom scenario: 0)."),
      real("network.loss", 0, incl(0), incl(1), "Chance that a message between two agents is lost."),
      real("network.partition_fraction", 0, incl(0), excl(1), "Share of agents cut off from the rest during the partition."),
      integer("network.partition_start_step", 0, 0, kBillion, "First step of the partition."),
      integer("network.partition_steps", 0, 0, kBillion, "Steps the partition lasts (0 = no partition)."),
      choice("store.sync", "full", {"full", "none"}, "full = fsync every commit; none = leave flushing to the OS (may lose recent steps on power loss)."),
      integer("store.map_size_mb", 64, 1, kMillion, "LMDB map size in MiB."),
      integer("store.snapshot_interval_steps", 1000, 0, kBillion, "Steps between engine snapshots, from which a restart resumes instead of re-executing the whole log (0 = none; see docs/OPERATIONS.md)."),
      address("api.listen", "127.0.0.1:8080", "Address the HTTP/WebSocket API listens on (with --serve)."),
      secret_text("api.token", "Bearer token for POST endpoints (empty = changing endpoints refused)."),
      integer("api.max_connections", 256, 1, 100000, "Most simultaneous client connections."),
      integer("api.max_connections_per_address", 64, 1, 100000, "Most simultaneous connections from one client address; extras get 503."),
      integer("api.body_limit", 1048576, 1, kBillion, "Largest request body in bytes."),
      real("api.rate_limit", 200, incl(0), incl(1e9), "Requests per second per client (0 = no limit)."),
      text("api.cors_origin", "", "Value of Access-Control-Allow-Origin (empty = no CORS header)."),
      origin_list("api.ws_allowed_origins", "Origins (scheme://host[:port]) of web pages allowed to open the stream, besides the server's own; \"*\" = any. Clients that send no Origin (not browsers) are always allowed."),
      integer("api.ws_queue", 1024, 1, 10 * kMillion, "Messages queued per WebSocket client before it falls back to catch-up from the log."),
      integer("api.ws_buffer_bytes", 131072, 4096, kBillion, "Bytes one WebSocket client may hold on its own (messages read for it from the log, and waiting for its socket); a client that reads nothing stops there, falls behind and is closed after ws_behind_limit_s."),
      integer("api.ws_behind_limit_s", 30, 1, kMillion, "Seconds a WebSocket client may stay behind before it is closed."),
      integer("api.header_limit", 8192, 512, kMillion, "Largest request header in bytes; larger gets 431."),
      real("api.rate_burst", 400, incl(1), incl(1e9), "Token bucket size of the per-client rate limit (requests)."),
      integer("api.header_timeout_s", 5, 1, 3600, "Seconds a new connection has to send its whole request header; slower clients are closed."),
      integer("api.read_timeout_s", 15, 1, 3600, "Seconds to receive a whole request; slower clients are closed."),
      integer("api.keepalive_timeout_s", 60, 1, 86400, "Seconds an idle keep-alive connection stays open."),
      integer("api.ws_max_message", 4096, 64, 64 * kMillion, "Largest WebSocket frame accepted from a client, in bytes."),
      integer("api.ws_idle_timeout_s", 60, 1, 86400, "Ping/pong idle timeout of a WebSocket client, in seconds."),
      integer("api.threads", 2, 1, 64, "I/O threads of the API server."),
      integer("api.stats_recent_steps", 1000, 1, kMillion, "Per-step rows kept in memory for the statistics (older steps are kept as coarse buckets; totals stay exact)."),
      choice("log.level", "info", {"trace", "debug", "info", "warn", "error", "off"}, "Least severe log level written."),
      choice("log.format", "text", {"text", "json"}, "Log line format: text for people, json (one object per line) for machines."),
      text("log.file", "", "Also write logs to this file, rotated (empty = stderr only)."),
      integer("log.file_max_mb", 10, 1, 100000, "Size in MiB at which the log file is rotated."),
      integer("log.file_count", 3, 1, 100, "Rotated log files kept."),
      key_name("log.origin", "dais.local/log", "Origin line of the signed checkpoints and name of their key (docs/MERKLE.md)."),
      text("log.signing_key", "", "Ed25519 checkpoint signing key file, created 0600 if missing (empty = dais-signing.key beside the data directory)."),
      text("log.leader_key", "", "daisd --follow: the leader's checkpoint verifier key (its daisd --print-verifier-key)."),
  };
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string format_bound(double value) { return format_value(Value{value}); }

// A value too long to be meant (past the size cap) is shown by its start and size, not whole.
std::string capped(std::string_view shown_value) {
  constexpr std::size_t kShown = 200;
  if (shown_value.size() <= kShown) return std::string(shown_value);
  return std::string(shown_value.substr(0, kShown)) + "... (" + std::to_string(shown_value.size()) + " bytes)";
}

bool within(const KeySpec& spec, double value) {
  const bool above_min = spec.min.inclusive ? value >= spec.min.value : value > spec.min.value;
  const bool below_max = spec.max.inclusive ? value <= spec.max.value : value < spec.max.value;
  return above_min && below_max;
}

}  // namespace

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> table = build_schema();
  return table;
}

const KeySpec* find_key(std::string_view key) {
  for (const KeySpec& spec : schema())
    if (spec.key == key) return &spec;
  return nullptr;
}

const KeySpec& closest_key(std::string_view unknown) {
  const KeySpec* best = &schema().front();
  std::size_t best_distance = SIZE_MAX;
  for (const KeySpec& spec : schema()) {
    const std::size_t distance =
        std::min(edit_distance(unknown, spec.key), edit_distance(unknown, name_in_section(spec.key)));
    if (distance < best_distance) {
      best = &spec;
      best_distance = distance;
    }
  }
  return *best;
}

std::string check_value(const KeySpec& spec, const Value& value) {
  if (type_of(value) != spec.type) return "is not of type " + std::string(type_name(spec.type));
  if (spec.type == ValueType::string && std::get<std::string>(value).size() > kMaxValueBytes)
    return "is longer than " + std::to_string(kMaxValueBytes) + " bytes";
  if (spec.type == ValueType::string_list) {
    const auto& items = std::get<StringList>(value);
    if (items.size() > kMaxListItems) return "has more than " + std::to_string(kMaxListItems) + " items";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].size() > kMaxValueBytes)
        return "has an item longer than " + std::to_string(kMaxValueBytes) + " bytes (item " + std::to_string(i + 1) + ")";
      if (spec.check_item == nullptr) continue;
      if (const std::string problem = spec.check_item(items[i]); !problem.empty())
        return "has item " + std::to_string(i + 1) + " " + quote(items[i]) + " that " + problem;
    }
  }
  if (spec.has_range) {
    if (spec.type == ValueType::integer) {
      // Compare as integers: doubles would round values beyond 2^53 onto the bound.
      const std::int64_t v = std::get<std::int64_t>(value);
      if (v < static_cast<std::int64_t>(spec.min.value) || v > static_cast<std::int64_t>(spec.max.value))
        return "is out of range";
    } else if (!within(spec, std::get<double>(value))) {
      return "is out of range";
    }
  }
  if (!spec.choices.empty()) {
    const auto& text = std::get<std::string>(value);
    if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end())
      return "is not one of the choices";
  }
  if (spec.check_form != nullptr) return spec.check_form(std::get<std::string>(value));
  return "";
}

std::string allowed_values(const KeySpec& spec) {
  if (!spec.choices.empty()) {
    std::string text = "one of: ";
    for (std::size_t i = 0; i < spec.choices.size(); ++i) text.append(i ? ", " : "").append(spec.choices[i]);
    return text;
  }
  if (!spec.form.empty()) return spec.form;
  switch (spec.type) {
    case ValueType::integer:
      return "an integer from " + std::to_string(static_cast<std::int64_t>(spec.min.value)) + " to " +
             std::to_string(static_cast<std::int64_t>(spec.max.value));
    case ValueType::real:
      if (spec.min.inclusive && spec.max.inclusive)
        return "a number from " + format_bound(spec.min.value) + " to " + format_bound(spec.max.value);
      return std::string("a number in ") + (spec.min.inclusive ? "[" : "(") + format_bound(spec.min.value) + ", " +
             format_bound(spec.max.value) + (spec.max.inclusive ? "]" : ")");
    case ValueType::boolean: return "true or false (also yes/no, 1/0)";
    case ValueType::string: return "any text";
    case ValueType::string_list: return "a list of strings (comma-separated, or [a, b])";
  }
  return "?";
}

std::string environment_name(std::string_view key) {
  std::string name = "DAIS_";
  for (char c : key) {
    if (c == '.') name += "__";
    else name += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return name;
}

std::string_view section_of(std::string_view key) { return key.substr(0, key.find('.')); }

std::string_view name_in_section(std::string_view key) {
  const std::size_t dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

ConfigError bad_value_error(const KeySpec& spec, std::string_view shown_value, std::string_view source,
                            std::string_view problem) {
  const std::string shown = capped(shown_value);
  const std::string message = spec.key + ": " + shown + " (from " + std::string(source) + ") " +
                              std::string(problem) + "; allowed: " + allowed_values(spec);
  return ConfigError(message, spec.key, shown, std::string(source));
}

ConfigError unknown_key_error(std::string_view key, std::string_view shown_value, std::string_view source) {
  const KeySpec& near = closest_key(key);
  // A misspelt secret key (--set api.tokn=...) must not print the secret it carries.
  const std::string value = near.secret ? std::string("hidden, as the key it resembles is secret") : capped(shown_value);
  const std::string message = "unknown configuration key " + quote(key) + " (value " + value + ", from " +
                              std::string(source) + "); did you mean " + quote(near.key) + "?";
  return ConfigError(message, std::string(key), near.secret ? std::string("(hidden)") : capped(shown_value),
                     std::string(source));
}

std::string schema_help() {
  std::string text;
  std::string_view section;
  for (const KeySpec& spec : schema()) {
    if (section_of(spec.key) != section) {
      section = section_of(spec.key);
      if (!text.empty()) text += '\n';
      text.append(section).append(":\n");
    }
    text += "  " + spec.key + "  (" + std::string(type_name(spec.type)) +
            ", default " + format_value(spec.default_value) + "; " + allowed_values(spec) + "; env " +
            environment_name(spec.key) + ")\n      " + spec.description + "\n";
  }
  return text;
}

bool is_runtime_key(std::string_view key) {
  const auto section = section_of(key);
  return key == "simulation.threads" || key == "simulation.step_interval_ms" || key == "simulation.partition" ||
         section == "api" || section == "store" || section == "log";
}

}  // namespace dais::config

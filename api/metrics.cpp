#include "api/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace dais::api {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// {a="x",b="y"} with an optional extra label appended (for histogram `le`).
std::string label_text(const Labels& labels, const char* extra_key = nullptr, const std::string& extra_value = {}) {
  if (labels.empty() && !extra_key) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape_label(v) + "\"";
  }
  if (extra_key) {
    if (!first) out += ',';
    out += std::string(extra_key) + "=\"" + escape_label(extra_value) + "\"";
  }
  return out + "}";
}

const char* kind_name(Metrics::Kind k) {
  switch (k) {
    case Metrics::Kind::counter: return "counter";
    case Metrics::Kind::gauge: return "gauge";
    case Metrics::Kind::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::vector<double> Metrics::default_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics::Metrics() {
  using K = Kind;
  declare("dais_events_appended_total", K::counter, "Events appended to the log, by type.");
  declare("dais_append_seconds", K::histogram, "Duration of one batched append (one LMDB write transaction).");
  declare("dais_step_seconds", K::histogram, "Duration of one simulation step.");
  declare("dais_active_agents", K::gauge, "Agents active in the last step.");
  declare("dais_signatures", K::gauge, "Signatures by their status now (pending, accepted, rejected, revoked), as GET /v1/signatures counts them.");
  declare("dais_detection_precision", K::gauge, "Detection precision over the run so far.");
  declare("dais_detection_recall", K::gauge, "Detection recall over the run so far.");
  declare("dais_head_seq", K::gauge, "Seq of the last event in the log.");
  declare("dais_ws_clients", K::gauge, "Connected WebSocket stream clients.");
  declare("dais_ws_messages_sent_total", K::counter, "Messages written to WebSocket stream clients.");
  declare("dais_ws_catchup_fallbacks_total", K::counter,
          "Times a stream client's live queue overflowed and it fell back to reading the log.");
  declare("dais_ws_closed_too_slow_total", K::counter, "Stream clients closed for staying behind too long.");
  declare("dais_ws_origin_refused_total", K::counter, "Stream upgrades refused (403) for an Origin not allowed.");
  declare("dais_http_requests_total", K::counter, "HTTP requests answered, by route and status.");
  declare("dais_http_request_seconds", K::histogram, "Time to handle one HTTP request (excluding network).");
  declare("dais_http_connections", K::gauge, "Open HTTP connections.");
  declare("dais_http_connections_refused_total", K::counter, "Connections refused because max_connections was reached.");
  declare("dais_http_rate_limited_total", K::counter, "Requests refused with 429 by the per-client rate limit.");
}

void Metrics::declare(std::string_view name, Kind kind, std::string_view help, std::vector<double> buckets) {
  if (!valid_name(name)) throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
  std::lock_guard lock(mutex_);
  const auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second.kind != kind) {
      throw std::logic_error("metric '" + std::string(name) + "' already declared as " + kind_name(it->second.kind));
    }
    return;
  }
  Family f;
  f.kind = kind;
  f.help = std::string(help);
  if (kind == Kind::histogram) f.bounds = buckets.empty() ? default_buckets() : std::move(buckets);
  families_.emplace(std::string(name), std::move(f));
}

Metrics::Family& Metrics::family_locked(std::string_view name, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (!valid_name(name)) throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
    Family f;
    f.kind = kind;
    if (kind == Kind::histogram) f.bounds = default_buckets();
    it = families_.emplace(std::string(name), std::move(f)).first;
  } else if (it->second.kind != kind) {
    throw std::logic_error("metric '" + std::string(name) + "' is a " + kind_name(it->second.kind) + ", not a " +
                           kind_name(kind));
  }
  return it->second;
}

Metrics::Series& Metrics::series_locked(Family& f, const Labels& labels) {
  Series& s = f.series[labels];
  if (f.kind == Kind::histogram && !s.buckets) {
    s.buckets = std::make_unique<std::atomic<std::uint64_t>[]>(f.bounds.size());  // value-initialised: zeros
  }
  return s;
}

void Metrics::observe_into(const std::vector<double>& bounds, Series& s, double value) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      s.buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  s.sum.fetch_add(value, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

Metrics::Counter Metrics::counter(std::string_view name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Counter c;
  c.value_ = &series_locked(family_locked(name, Kind::counter), labels).value;
  return c;
}

Metrics::Histogram Metrics::histogram(std::string_view name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Histogram h;
  Family& f = family_locked(name, Kind::histogram);
  h.series_ = &series_locked(f, labels);
  h.bounds_ = &f.bounds;
  return h;
}

void Metrics::add(std::string_view counter, double amount, const Labels& labels) {
  std::lock_guard lock(mutex_);
  series_locked(family_locked(counter, Kind::counter), labels).value.fetch_add(amount, std::memory_order_relaxed);
}

void Metrics::set(std::string_view gauge, double value, const Labels& labels) {
  std::lock_guard lock(mutex_);
  series_locked(family_locked(gauge, Kind::gauge), labels).value.store(value, std::memory_order_relaxed);
}

void Metrics::observe(std::string_view histogram, double value, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family_locked(histogram, Kind::histogram);
  observe_into(f.bounds, series_locked(f, labels), value);
}

double Metrics::value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  const auto it = families_.find(name);
  if (it == families_.end()) return 0;
  const auto s = it->second.series.find(labels);
  return s == it->second.series.end() ? 0 : s->second.value.load(std::memory_order_relaxed);
}

std::uint64_t Metrics::count(std::string_view histogram, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  const auto it = families_.find(histogram);
  if (it == families_.end()) return 0;
  const auto s = it->second.series.find(labels);
  return s == it->second.series.end() ? 0 : s->second.count.load(std::memory_order_relaxed);
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + " " + escape_help(f.help) + "\n";
    out += "# TYPE " + name + " " + kind_name(f.kind) + "\n";
    for (const auto& [labels, s] : f.series) {
      if (f.kind != Kind::histogram) {
        out += name + label_text(labels) + " " + format_value(s.value.load(std::memory_order_relaxed)) + "\n";
        continue;
      }
      // Read while observations go on: _count (and +Inf) is at least what the
      // finite buckets read add up to, so the buckets stay cumulative.
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.bounds.size(); ++i) {
        cumulative += s.buckets[i].load(std::memory_order_relaxed);
        out += name + "_bucket" + label_text(labels, "le", format_value(f.bounds[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      const std::uint64_t count = std::max(cumulative, s.count.load(std::memory_order_relaxed));
      out += name + "_bucket" + label_text(labels, "le", "+Inf") + " " + std::to_string(count) + "\n";
      out += name + "_sum" + label_text(labels) + " " + format_value(s.sum.load(std::memory_order_relaxed)) + "\n";
      out += name + "_count" + label_text(labels) + " " + std::to_string(count) + "\n";
    }
  }
  return out;
}

}  // namespace dais::api

// A small Prometheus registry: counters and gauges with labels, histograms with
// fixed buckets, rendered in the Prometheus text exposition format 0.0.4.
//
// Families are declared once (name, type, help, buckets); the standard DAIS
// families are declared by the constructor (see docs/API.md "Metrics").
// Updating an undeclared name declares it on the fly (counter/gauge; a
// histogram gets default_buckets()). Label sets are ordered by key, so the
// rendering is stable.
// Thread safety: every method is thread-safe (one mutex; updates are short).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dais::api {

using Labels = std::map<std::string, std::string>;

class Metrics {
 public:
  enum class Kind { counter, gauge, histogram };

  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Declares a family; re-declaring with the same kind is a no-op, with another
  // kind throws std::logic_error. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*.
  void declare(std::string_view name, Kind kind, std::string_view help, std::vector<double> buckets = {});

  void add(std::string_view counter, double amount = 1, const Labels& labels = {});
  void set(std::string_view gauge, double value, const Labels& labels = {});
  void observe(std::string_view histogram, double value, const Labels& labels = {});

  // Current value of a counter or gauge series (0 when absent); for tests and health.
  double value(std::string_view name, const Labels& labels = {}) const;
  // Number of observations of a histogram series.
  std::uint64_t count(std::string_view histogram, const Labels& labels = {}) const;

  std::string render() const;

  static std::vector<double> default_buckets();   // seconds, 100 µs .. 10 s
  static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Series {
    double value = 0;                    // counter / gauge
    std::vector<std::uint64_t> buckets;  // histogram: per-bucket (non-cumulative) counts
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    Kind kind = Kind::counter;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, Series> series;
  };

  Family& family_locked(std::string_view name, Kind kind);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace dais::api

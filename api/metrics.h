// A small Prometheus registry: counters and gauges with labels, histograms with
// fixed buckets, rendered in the Prometheus text exposition format 0.0.4.
//
// Families are declared once (name, type, help, buckets); the standard DAIS
// families are declared by the constructor (see docs/API.md "Metrics").
// Updating an undeclared name declares it on the fly (counter/gauge; a
// histogram gets default_buckets()). Label sets are ordered by key, so the
// rendering is stable.
// Thread safety: every method is thread-safe. One mutex guards the set of
// series; values are atomics, so a series resolved once (counter(),
// histogram()) is updated from hot paths without taking the lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
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

  class Counter;
  class Histogram;
  // The series `name{labels}`, declared on the fly like add()/observe() do.
  Counter counter(std::string_view name, const Labels& labels = {});
  Histogram histogram(std::string_view name, const Labels& labels = {});

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
    std::atomic<double> value{0};                             // counter / gauge
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // histogram: per-bucket (non-cumulative) counts
    std::atomic<double> sum{0};
    std::atomic<std::uint64_t> count{0};
  };
  static void observe_into(const std::vector<double>& bounds, Series& series, double value);
  struct Family {
    Kind kind = Kind::counter;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, Series> series;
  };

  Family& family_locked(std::string_view name, Kind kind);
  // The series of `labels` in `family`, created on first use (histograms with zeroed buckets).
  static Series& series_locked(Family& family, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;  // node-based: series never move

 public:
  // Handles to one series, valid as long as the Metrics; default-constructed ones do nothing.
  class Counter {
   public:
    void add(double amount = 1) const {
      if (value_ != nullptr) value_->fetch_add(amount, std::memory_order_relaxed);
    }

   private:
    friend class Metrics;
    std::atomic<double>* value_ = nullptr;
  };
  class Histogram {
   public:
    void observe(double value) const {
      if (series_ != nullptr) observe_into(*bounds_, *series_, value);
    }

   private:
    friend class Metrics;
    const std::vector<double>* bounds_ = nullptr;
    Series* series_ = nullptr;
  };
};

}  // namespace dais::api

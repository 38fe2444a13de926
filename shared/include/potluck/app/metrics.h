// Prometheus metrics: a registry of counters and gauges, rendered in the text exposition format
// 0.0.4. Programs serve it on GET /metrics (see http_server.h) when given --metrics HOST:PORT;
// see docs/metrics.md for every series.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


namespace potluck {

// Label names and values of one series, e.g. {{"reason", "idle"}}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge };

// One series' value. Thread-safe.
class MetricValue {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  // REQUIRES on a counter: delta >= 0.
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Families of series by name. A counter only goes up within one process; a counter kept
// elsewhere (the transport's frame counts) is mirrored with Set. Thread-safe: the event loop
// and the worker write, the HTTP thread renders.
class MetricsRegistry {
 public:
  // The series `name`{`labels`}, created at zero on first use. The reference stays valid as
  // long as the registry. REQUIRES: `name` and label names are valid Prometheus names, and a
  // name keeps one type; the first help text of a family is the one shown.
  MetricValue& Counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  MetricValue& Gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});

  // Runs `collect` before each rendering, on the rendering thread, for values that are cheaper
  // to read when asked (the process's CPU time). REQUIRES: `collect` is thread-safe and
  // outlives the registry's last rendering.
  void OnCollect(std::function<void()> collect);

  // Families sorted by name, each with its HELP and TYPE lines, series in creation order.
  std::string Render() const;

 private:
  struct Series {
    MetricLabels labels;
    std::unique_ptr<MetricValue> value;
  };
  struct Family {
    MetricType type;
    std::string help;
    std::vector<Series> series;
  };

  MetricValue& Find(std::string_view name, MetricType type, std::string_view help, const MetricLabels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::vector<std::function<void()>> collectors_;
};

// The Content-Type of Render()'s output.
inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace potluck

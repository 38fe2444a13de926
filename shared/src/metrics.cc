#include "potluck/app/metrics.h"

#include <charconv>
#include <cmath>

#include "potluck/base/status.h"

namespace potluck {
namespace {

bool IsNameChar(char c, bool first, bool colon_allowed) {
  bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return letter || (!first && c >= '0' && c <= '9') || (colon_allowed && c == ':');
}

// Metric names may hold colons; label names may not, and "__" starts names Prometheus reserves.
bool IsValidName(std::string_view name, bool is_label) {
  if (name.empty() || (is_label && name.starts_with("__"))) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, !is_label)) return false;
  }
  return true;
}

// HELP text escapes backslash and newline; label values also escape the double quote.
std::string Escape(std::string_view text, bool quote) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // The shortest text that reads back as the same double: counts print as integers.
  char buffer[32];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  POTLUCK_CHECK(error == std::errc());
  return std::string(buffer, end);
}

std::string FormatLabels(const MetricLabels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + Escape(labels[i].second, true) + '"';
  }
  return out + '}';
}

}  // namespace

MetricValue& MetricsRegistry::Counter(std::string_view name, std::string_view help, const MetricLabels& labels) {
  return Find(name, MetricType::kCounter, help, labels);
}

MetricValue& MetricsRegistry::Gauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  return Find(name, MetricType::kGauge, help, labels);
}

MetricValue& MetricsRegistry::Find(std::string_view name, MetricType type, std::string_view help,
                                   const MetricLabels& labels) {
  // Names come from the code, never from peers, so a bad one is a bug.
  POTLUCK_CHECK(IsValidName(name, false));
  for (const auto& label : labels) POTLUCK_CHECK(IsValidName(label.first, true));
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  Family& family = it->second;
  POTLUCK_CHECK(family.type == type);
  for (Series& series : family.series) {
    if (series.labels == labels) return *series.value;
  }
  family.series.push_back({labels, std::make_unique<MetricValue>()});
  return *family.series.back().value;
}

void MetricsRegistry::OnCollect(std::function<void()> collect) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collect));
}

std::string MetricsRegistry::Render() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  // Outside the lock: a collector sets values, and may even create series.
  for (const auto& collect : collectors) collect();

  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + ' ' + Escape(family.help, false) + '\n';
    out += "# TYPE " + name + (family.type == MetricType::kCounter ? " counter\n" : " gauge\n");
    for (const Series& series : family.series) {
      out += name + FormatLabels(series.labels) + ' ' + FormatValue(series.value->value()) + '\n';
    }
  }
  return out;
}

}  // namespace potluck

#include "activity/idle_detector.h"

#include <cstdlib>
#include <utility>

#include "activity/input_device_idle_source.h"
#include "activity/logind_idle_source.h"
#include "activity/x11_idle_source.h"

namespace potluck::activity {

IdleSourcesConfig IdleSourcesFromEnvironment() {
  IdleSourcesConfig config;
  if (const char* display = std::getenv("DISPLAY")) config.x11_display = display;
  return config;
}

IdleDetector IdleDetector::Open(const IdleSourcesConfig& config) {
  std::vector<std::unique_ptr<IdleSource>> sources;
  std::vector<std::string> unavailable;
  auto add = [&](auto opened) {
    if (opened.ok()) {
      sources.push_back(std::move(*opened));
    } else {
      unavailable.push_back(opened.status().message());
    }
  };
  if (!config.x11_display.empty()) add(X11IdleSource::Open(config.x11_display));
  if (config.logind) add(LogindIdleSource::Open());
  if (!config.input_dir.empty()) add(InputDeviceIdleSource::Open(config.input_dir, IdleClock::now()));

  IdleDetector detector(std::move(sources));
  detector.unavailable_ = std::move(unavailable);
  return detector;
}

IdleDetector::IdleDetector(std::vector<std::unique_ptr<IdleSource>> sources) : sources_(std::move(sources)) {}

std::vector<std::string> IdleDetector::sources() const {
  std::vector<std::string> names;
  for (const auto& source : sources_) names.push_back(source->Describe());
  return names;
}

std::string IdleDetector::Describe() const {
  std::string text = sources_.empty() ? "idle time unknown, so never idle" : "idle time from ";
  for (size_t i = 0; i < sources_.size(); ++i) text += (i ? ", " : "") + sources_[i]->Describe();
  for (const auto& why : unavailable_) text += "; " + why;
  return text;
}

std::optional<IdleDuration> IdleDetector::IdleTime(IdleClock::time_point now) {
  std::optional<IdleDuration> least;
  for (auto& source : sources_) {
    const std::optional<IdleDuration> idle = source->IdleTime(now);
    if (idle && (!least || *idle < *least)) least = idle;
  }
  return least;
}

}  // namespace potluck::activity

#include "machine_watcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace potluck {
namespace {

constexpr Duration kDiskReadingEvery = std::chrono::seconds(10);
// Other programs' share is taken over windows this long, so one busy second does not pause.
constexpr Duration kCpuSampleEvery = std::chrono::seconds(3);
constexpr Duration kIdleReadingEvery = std::chrono::milliseconds(500);

// "Mon 18:00".
std::string DayAndTime(activity::LocalMinutes t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const auto minutes = (t - day).count();
  const unsigned weekday = std::chrono::weekday(std::chrono::sys_days(day.time_since_epoch())).c_encoding();
  return fmt::format("{} {:02}:{:02}", kDays[weekday], minutes / 60, minutes % 60);
}

}  // namespace

uint64_t FolderBytes(const std::filesystem::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

MachineWatcher::MachineWatcher(std::filesystem::path data_dir, activity::IdleSourcesConfig idle_sources)
    : data_dir_(std::move(data_dir)), idle_sources_(std::move(idle_sources)) {}

MachineReading MachineWatcher::Read(TimePoint now, const WorkerSettings& settings) {
  MachineReading reading;
  // The user is watched only while a setting asks to compute only when idle: a worker that
  // computes regardless keeps no display or bus open, nor the libraries they need loaded.
  if (settings.idle.only_when_idle) {
    if (!idle_) {
      idle_ = activity::IdleDetector::Open(idle_sources_);
      spdlog::info("idle detection: {}", idle_->Describe());
    }
    if (now >= next_idle_reading_) {
      idle_for_ = idle_->IdleTime(activity::IdleClock::now());
      next_idle_reading_ = now + kIdleReadingEvery;
    }
  } else if (idle_) {
    idle_.reset();
    idle_for_.reset();
    next_idle_reading_ = {};
  }
  reading.idle_for = idle_for_;

  if (now >= next_cpu_sample_) {
    auto sampled = cpu_.Sample();
    if (sampled.ok() && sampled.value()) other_cpu_share_ = *sampled.value();
    next_cpu_sample_ = now + kCpuSampleEvery;
  }
  reading.other_cpu_share = other_cpu_share_;

  if (settings.schedule != schedule_text_) {
    auto parsed = activity::Schedule::Parse(settings.schedule);
    if (parsed.ok()) schedule_ = std::move(parsed.value());
    schedule_text_ = settings.schedule;
    next_change_for_.reset();
  }
  const auto local = activity::LocalTimeOf(std::chrono::system_clock::time_point(now.time_since_epoch()));
  reading.schedule_allows = schedule_.Allows(local);
  const auto minute = std::chrono::floor<std::chrono::minutes>(local);
  if (next_change_for_ != minute) {
    auto change = schedule_.NextChange(local);
    next_change_ = change ? DayAndTime(*change) : "";
    next_change_for_ = minute;
  }
  reading.schedule_changes_at = next_change_;

  if (settings.limits.disk_mb > 0 && now >= next_disk_reading_) {
    data_bytes_ = FolderBytes(data_dir_);
    next_disk_reading_ = now + kDiskReadingEvery;
  }
  reading.data_bytes = data_bytes_;
  return reading;
}

nlohmann::json MachineWatcher::SourcesJson() const {
  if (!idle_) return nlohmann::json::array();
  return idle_->sources();
}

}  // namespace potluck

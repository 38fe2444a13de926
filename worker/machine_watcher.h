// Reads what the governor needs to know about the machine: idleness (while a setting needs it),
// other programs' CPU use, the schedule and the size of the data folder. Cheap to call every
// tick: the slow readings are taken less often and kept in between.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "activity/cpu_share.h"
#include "activity/idle_detector.h"
#include "activity/schedule.h"
#include "governor.h"

namespace potluck {

class MachineWatcher {
 public:
  MachineWatcher(std::filesystem::path data_dir, activity::IdleSourcesConfig idle_sources);

  // REQUIRES: settings.schedule parses (the settings checked it).
  MachineReading Read(TimePoint now, const WorkerSettings& settings);
  // The idle sources in use and why the others are not, for the status.
  nlohmann::json SourcesJson() const;

 private:
  std::filesystem::path data_dir_;
  activity::IdleSourcesConfig idle_sources_;
  std::optional<activity::IdleDetector> idle_;  // open while the settings need idleness
  activity::OtherCpuShare cpu_;
  std::optional<double> other_cpu_share_;
  TimePoint next_cpu_sample_{};
  TimePoint next_idle_reading_{};
  std::optional<Duration> idle_for_;
  std::map<std::string, std::string> schedule_text_;
  activity::Schedule schedule_;
  // The schedule's next change, as of the minute it was found for: a search over a week of
  // minutes, done again only when the minute or the schedule changes.
  std::optional<activity::LocalMinutes> next_change_for_;
  std::string next_change_;
  TimePoint next_disk_reading_{};
  uint64_t data_bytes_ = 0;
};

// Bytes in the files under `dir`, recursively; what cannot be read counts as 0.
uint64_t FolderBytes(const std::filesystem::path& dir);

}  // namespace potluck

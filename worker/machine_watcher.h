// Reads what the governor needs to know about the machine: idleness, other programs' CPU use,
// the schedule and the size of the data folder. Cheap to call every tick: the slow readings are
// taken less often and kept in between.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "governor.h"

namespace potluck {

class MachineWatcher {
 public:
  explicit MachineWatcher(std::filesystem::path data_dir);

  MachineReading Read(TimePoint now, const WorkerSettings& settings);
  // Which idle sources are in use, for the status.
  nlohmann::json SourcesJson() const;

 private:
  std::filesystem::path data_dir_;
  TimePoint next_disk_reading_{};
  uint64_t data_bytes_ = 0;
};

// Bytes in the files under `dir`, recursively; what cannot be read counts as 0.
uint64_t FolderBytes(const std::filesystem::path& dir);

}  // namespace potluck

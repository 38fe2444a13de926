#include "machine_watcher.h"

namespace potluck {
namespace {

constexpr Duration kDiskReadingEvery = std::chrono::seconds(10);

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

MachineWatcher::MachineWatcher(std::filesystem::path data_dir) : data_dir_(std::move(data_dir)) {}

MachineReading MachineWatcher::Read(TimePoint now, const WorkerSettings& settings) {
  MachineReading reading;
  if (settings.limits.disk_mb > 0 && now >= next_disk_reading_) {
    data_bytes_ = FolderBytes(data_dir_);
    next_disk_reading_ = now + kDiskReadingEvery;
  }
  reading.data_bytes = data_bytes_;
  return reading;
}

nlohmann::json MachineWatcher::SourcesJson() const { return nlohmann::json::array(); }

}  // namespace potluck

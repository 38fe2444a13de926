#include "data_folder.h"

#include <unistd.h>

#include <cstdlib>

#include "potluck/app/control_socket.h"

namespace potluck::screensaver {

std::filesystem::path UserDataFolder() {
  const char* data_home = std::getenv("XDG_DATA_HOME");
  if (data_home && *data_home) return std::filesystem::path(data_home) / "potluck-worker";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".local/share/potluck-worker";
}

bool WorkerAnswers(const std::filesystem::path& data_dir) {
  // A worker answers at its next tick, every 100 ms; a stale socket never does.
  auto answer = AskWorker(ControlSocketPath(data_dir), {{"command", "status"}}, std::chrono::milliseconds(1000));
  return answer.ok() && answer->value("ok", false);
}

std::optional<std::filesystem::path> FirstWritable(const std::vector<std::filesystem::path>& folders) {
  for (const auto& folder : folders) {
    // A folder not made yet counts if its nearest existing parent is writable.
    std::filesystem::path probe = folder;
    std::error_code ec;
    while (!probe.empty() && !std::filesystem::exists(probe, ec) && probe.has_parent_path() && probe != probe.parent_path()) {
      probe = probe.parent_path();
    }
    if (!probe.empty() && access(probe.c_str(), W_OK | X_OK) == 0) return folder;
  }
  return std::nullopt;
}

}  // namespace potluck::screensaver

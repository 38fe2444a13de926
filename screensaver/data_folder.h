// Which data folder the screensaver shows, and whether a worker already runs on it.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

namespace potluck::screensaver {

// The folder a user's own engine keeps its state in: $XDG_DATA_HOME/potluck-worker, or
// ~/.local/share/potluck-worker.
std::filesystem::path UserDataFolder();

// True when a worker answers on `data_dir`'s control socket within a second.
bool WorkerAnswers(const std::filesystem::path& data_dir);

// The first of `folders` this user could create or write in; none if no folder fits.
std::optional<std::filesystem::path> FirstWritable(const std::vector<std::filesystem::path>& folders);

}  // namespace potluck::screensaver

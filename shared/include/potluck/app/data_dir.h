// A node's data folder: created owner-only, files in it replaced atomically.
#pragma once

#include <filesystem>
#include <string_view>

#include "potluck/base/status.h"

namespace potluck {

// Creates `dir` (mode 0700) if missing and checks that it is a writable folder.
Status PrepareDataDir(const std::filesystem::path& dir);

// Writes to a temporary name, fsyncs, and renames, so readers never see half a file.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content);

}  // namespace potluck

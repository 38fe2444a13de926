// The coordinator: a holder that projects are submitted to and volunteers join. It owns one
// SQLite ledger in its data folder and serves on one ZeroMQ endpoint.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "potluck/base/status.h"
#include "potluck/core/holder.h"

namespace potluck {

struct CoordinatorConfig {
  std::string listen = "tcp://127.0.0.1:7400";
  std::filesystem::path data_dir;
  HolderConfig holder;
};

// Opens the data folder, binds, and runs until `stop` is set. Writes the endpoint really
// bound to `data_dir`/endpoint once it listens.
Status RunCoordinator(const CoordinatorConfig& config, const std::atomic<bool>& stop);

}  // namespace potluck

// The coordinator: a node that holds projects and helps peers find each other, but computes
// nothing. It is useful, never required: any worker can do all of this for a project too.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/core/holder.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

struct CoordinatorConfig {
  std::string listen = "tcp://127.0.0.1:7400";
  std::string advertise;               // what peers dial, if not the endpoint bound
  std::vector<std::string> bootstrap;  // addresses of other nodes of the grid, if any
  LinkSecurity security = LinkSecurity::kCurve;
  std::filesystem::path data_dir;
  HolderConfig holder;
  std::string metrics_listen;    // HOST:PORT or PORT for Prometheus metrics; empty: off
  std::string dashboard_listen;  // HOST:PORT or PORT for the dashboard; empty: off
};

// Runs until `stop` is set. Writes its address to `data_dir`/endpoint once listening.
Status RunCoordinator(const CoordinatorConfig& config, const std::atomic<bool>& stop);

}  // namespace potluck

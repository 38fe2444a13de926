// The volunteer's engine: a node that computes, wired to a kernel runner. Programs (the
// headless worker, later the screensaver) are thin layers over it.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "potluck/app/node_runner.h"
#include "potluck/base/status.h"
#include "potluck/core/volunteer.h"

namespace potluck {

struct WorkerConfig {
  std::string listen = "tcp://127.0.0.1:0";
  std::string advertise;               // what peers dial, if not the endpoint bound
  std::vector<std::string> bootstrap;  // addresses to join through: a coordinator or any worker
  LinkSecurity security = LinkSecurity::kCurve;
  std::filesystem::path data_dir;
  int cores = 1;
  // With bootstrap endpoints and no answer from any for this long, give up.
  Duration join_timeout = std::chrono::seconds(10);
  std::string lan_beacon;  // IPV4:PORT to find peers on the LAN; empty: off
  // How often a running kernel saves its state; a restart loses at most this much work.
  Duration checkpoint_interval = std::chrono::seconds(60);
  VolunteerConfig volunteer;
  std::string metrics_listen;  // HOST:PORT or PORT for Prometheus metrics; empty: off
  // Wraps the kernel runner: how the test-only saboteur returns wrong results. Empty: none.
  std::function<std::unique_ptr<TaskExecutor>(std::unique_ptr<TaskExecutor>)> wrap_executor;
};

// Runs until `stop` is set.
Status RunWorker(const WorkerConfig& config, const std::atomic<bool>& stop);

}  // namespace potluck

// The volunteer's engine: a node that computes, wired to a kernel runner and kept within the
// volunteer's settings by a supervisor. Programs (the headless worker, later the screensaver)
// are thin layers over it.
#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include "potluck/app/node_runner.h"
#include "potluck/base/status.h"
#include "potluck/core/volunteer.h"
#include "worker_supervisor.h"

namespace potluck {

struct WorkerConfig {
  WorkerSettings settings;
  SettingsSource source;  // for reloads on SIGHUP
  VolunteerConfig volunteer;
  // See NodeRunConfig::stop_checkpoint_wait; zero when stopping must not compute any longer.
  Duration stop_checkpoint_wait = std::chrono::seconds(3);
  std::string metrics_listen;  // HOST:PORT or PORT for Prometheus metrics; empty: off
  // Wraps the kernel runner (a KernelRunner): how the test-only saboteur returns wrong results,
  // and how the screensaver holds kernels at once when the user comes back. Empty: none.
  std::function<std::unique_ptr<TaskExecutor>(std::unique_ptr<TaskExecutor>)> wrap_executor;
};

// Runs until `stop` is set.
Status RunWorker(const WorkerConfig& config, const std::atomic<bool>& stop);

}  // namespace potluck

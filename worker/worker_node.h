// The volunteer's engine: identity, durable state, the Volunteer core, kernels, and the
// connection to its holders, wired together. Programs (the headless worker, later the
// screensaver) are thin layers over it.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/core/volunteer.h"

namespace potluck {

struct WorkerConfig {
  std::vector<std::string> join;  // holder endpoints
  std::filesystem::path data_dir;
  int cores = 1;
  // With no answer from any holder for this long after start, give up: a wrong endpoint
  // should be an error, not a silent wait.
  Duration join_timeout = std::chrono::seconds(10);
  VolunteerConfig volunteer;  // timers; holders and offer are filled in from the rest
};

// Runs until `stop` is set.
Status RunWorker(const WorkerConfig& config, const std::atomic<bool>& stop);

}  // namespace potluck

// The worker engine run inside the screensaver's own process, when no worker runs on the data
// folder: RunWorker on a thread of its own, for as long as the view is up. The view reads it
// through the control socket like any worker's.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "worker_node.h"

namespace potluck::screensaver {

// Checkpoints come this often unless the volunteer set an interval: a screensaver is stopped
// without warning whenever the user comes back, and resumes from its last checkpoint.
inline constexpr double kEngineCheckpointIntervalS = 10;

// The worker settings for an engine inside the screensaver: kernels stop at once on exit
// (stop_checkpoint_wait 0), checkpoints every kEngineCheckpointIntervalS unless
// `interval_was_set`, and idle.only_when_idle off, since the screensaver runs only while the
// user is away.
WorkerConfig EngineConfig(WorkerConfig config, bool interval_was_set);

// Reaches the engine's kernel runner while it exists; see engine.cc.
struct EngineBrake;

class Engine {
 public:
  // Starts the engine. Its errors (a bad bootstrap address, a data folder in use) end it; see
  // Ended().
  explicit Engine(WorkerConfig config);
  ~Engine();  // Stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Holds the running kernel at once, so it stops within 100 ms of computing, then stops the
  // engine and waits for it. The unit resumes at the next start from its last checkpoint.
  // Returns how the engine ended. Idempotent.
  Status Stop();
  // How the engine ended if it has already; none while it runs.
  std::optional<Status> Ended() const;

 private:
  WorkerConfig config_;
  std::shared_ptr<EngineBrake> brake_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::optional<Status> ended_;
  std::thread thread_;
};

}  // namespace potluck::screensaver

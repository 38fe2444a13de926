// Runs one kernel at a time on its own thread, inside a tbb::task_arena of the cores the
// volunteer gave, and collects what kernels save and show: checkpoints at most once per
// interval, and the latest view. Thread-safe: Start() and the Take calls from the event loop,
// kernels on the runner's thread and its arena.
#pragma once

#include <tbb/task_arena.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "potluck/app/node_runner.h"
#include "potluck/workload/workload.h"

namespace potluck {

class KernelRunner final : public TaskExecutor {
 public:
  // REQUIRES: `workloads` outlives the runner. `waker` is poked when a kernel finishes.
  KernelRunner(const WorkloadRegistry& workloads, int cores, Duration checkpoint_interval,
               std::shared_ptr<Waker> waker);
  ~KernelRunner() override;  // stops the running kernel and joins

  void Start(TaskStart task) override;
  std::vector<TaskOutcome> TakeFinished() override;
  std::vector<TaskCheckpoint> TakeCheckpoints() override;
  void CancelAll() override;
  double progress() const { return progress_.load(); }
  // What the running kernel last showed (see KernelContext::ShowView); null before any.
  nlohmann::json view() const;

 private:
  class Context;
  void Loop();
  Result<Bytes> Compute(const TaskStart& task);

  const WorkloadRegistry& workloads_;
  tbb::task_arena arena_;
  Duration checkpoint_interval_;
  std::shared_ptr<Waker> waker_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<TaskStart> queue_;
  std::vector<TaskOutcome> finished_;
  std::vector<TaskCheckpoint> checkpoints_;
  nlohmann::json view_;
  bool shutting_down_ = false;
  std::atomic<bool> cancel_{false};
  std::atomic<double> progress_{0};
  std::thread thread_;
};

}  // namespace potluck

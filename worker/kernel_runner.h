// Runs one kernel at a time on its own thread, inside a tbb::task_arena of the cores the
// volunteer gave, and collects what kernels save and show: checkpoints at most once per
// interval, and the latest view. Thread-safe: Start() and the Take calls from the event loop,
// kernels on the runner's thread and its arena.
#pragma once

#include <tbb/task_arena.h>
#include <tbb/task_scheduler_observer.h>

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

// Puts the calling thread at the lowest CPU priority: SCHED_IDLE, which runs only when nothing
// else wants the core, and nice 19 where SCHED_IDLE is refused. Kernel threads never go back up,
// which is fine: in a worker, TBB runs nothing but kernels.
void MakeLowestPriority();

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
  // Moves every thread that enters the arena to the lowest priority (see MakeLowestPriority).
  class LowestPriority final : public tbb::task_scheduler_observer {
   public:
    explicit LowestPriority(tbb::task_arena& arena) : tbb::task_scheduler_observer(arena) { observe(true); }
    ~LowestPriority() override { observe(false); }
    void on_scheduler_entry(bool) override;
  };
  void Loop();
  Result<Bytes> Compute(const TaskStart& task);

  const WorkloadRegistry& workloads_;
  tbb::task_arena arena_;
  LowestPriority lowest_priority_{arena_};
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

// Runs one kernel at a time on its own thread, inside a tbb::task_arena of the cores the
// volunteer gave, and collects what kernels save and show: checkpoints at most once per
// interval, and the latest view. Also where the volunteer's limits bite: a hold that parks
// every kernel thread, a duty cycle that caps the CPU share, and a memory limit.
// Thread-safe: the event loop calls it while kernels run on the runner's thread and its arena.
#pragma once

#include <tbb/task_arena.h>
#include <tbb/task_scheduler_observer.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "potluck/app/node_runner.h"
#include "potluck/workload/workload.h"

namespace potluck {

// The name kernel threads carry (at most 15 characters).
inline constexpr char kKernelThreadName[] = "pl-kernel";

// Names the calling thread kKernelThreadName and puts it at the lowest CPU priority: SCHED_IDLE,
// which runs only when nothing else wants the core, and nice 19 where SCHED_IDLE is refused.
// Kernel threads never go back up, which is fine: in a worker, TBB runs nothing but kernels.
void MakeLowestPriority();

struct RunningUnit {
  UnitKey unit;
  std::string workload;
  double progress = 0;        // fraction done
  Duration computing{0};      // time spent computing it so far, holds left out
  double cpu_seconds = 0;     // of this process since the unit started
};

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
  void CheckpointAndStop(Duration max_wait) override;

  // While held, every kernel thread waits at its next Cancelled() check (within 100 ms of
  // computing) and keeps its progress; releasing lets them go on where they were.
  void Hold(bool held);
  // Share of the given cores' time kernels may use, in (0, 1]. Below 1 a duty cycle holds them
  // whenever the process has used more CPU than the share allows.
  void SetCpuShare(double share);
  // Memory a unit may add to the process, in bytes; a unit growing past it fails with
  // kResourceExhausted. 0: no limit.
  void SetMemoryLimit(uint64_t bytes);
  void SetCheckpointInterval(Duration interval);

  std::optional<RunningUnit> running() const;
  double cpu_share() const;
  // CPU seconds used by every unit computed so far, finished or not.
  double cpu_seconds_given() const;
  // What the running kernel last showed (see KernelContext::ShowView); null before any.
  nlohmann::json view() const;

 private:
  class Context;
  // Moves every thread that enters the arena to the lowest priority (see MakeLowestPriority),
  // and keeps their ids, so a stopping runner can lift them to reach a checkpoint.
  class LowestPriority final : public tbb::task_scheduler_observer {
   public:
    explicit LowestPriority(tbb::task_arena& arena) : tbb::task_scheduler_observer(arena) { observe(true); }
    ~LowestPriority() override { observe(false); }
    void on_scheduler_entry(bool) override;
    void on_scheduler_exit(bool) override;
    // From SCHED_IDLE to SCHED_OTHER at nice 19: on a busy machine SCHED_IDLE threads may not
    // run at all, and the last checkpoint is worth a few seconds of the lowest normal priority.
    void LiftForCheckpoint();

   private:
    std::mutex mu_;
    std::set<pid_t> threads_;
    static inline std::atomic<uint64_t> lifts_{0};  // by any runner of the process
  };
  void Loop();
  // Every few milliseconds: the duty cycle, the memory limit, the computing clock.
  void Watch();
  Result<Bytes> Compute(const TaskStart& task);
  // Blocks a kernel thread while the gate is closed; returns at once when it is open.
  void WaitAtGate() const;
  void UpdateGate();  // REQUIRES: mu_ held
  Duration WatchEvery() const;  // REQUIRES: mu_ held
  // Reads resident memory as the base the limit counts from, unless read within at_most_every.
  void ReadMemoryBaseline(Duration at_most_every);  // REQUIRES: mu_ held

  const WorkloadRegistry& workloads_;
  const int cores_;
  tbb::task_arena arena_;
  LowestPriority lowest_priority_{arena_};
  std::shared_ptr<Waker> waker_;

  mutable std::mutex mu_;
  mutable std::condition_variable wake_;  // the loop's queue, the gate, checkpoints saved
  // The watcher's own, so that it sleeps through the loop's turns: a unit started while it was
  // idle, or shutting down.
  std::condition_variable watch_;
  bool watcher_idle_ = false;
  std::deque<TaskStart> queue_;
  std::vector<TaskOutcome> finished_;
  std::vector<TaskCheckpoint> checkpoints_;
  nlohmann::json view_;
  std::optional<RunningUnit> running_;
  Duration checkpoint_interval_;
  bool checkpoint_now_ = false;
  bool shutting_down_ = false;
  bool held_ = false;
  bool throttled_ = false;
  bool over_memory_ = false;
  double cpu_share_ = 1;
  uint64_t memory_limit_ = 0;
  uint64_t memory_baseline_ = 0;  // resident bytes when the unit started, or when the limit came
  std::chrono::steady_clock::time_point memory_baseline_at_{};
  double cpu_at_start_ = 0;
  double cpu_given_before_ = 0;   // by units finished

  std::atomic<bool> gate_closed_{false};  // held_ || throttled_, read by every Cancelled()
  std::atomic<bool> cancel_{false};
  std::thread thread_;
  std::thread watcher_;
};

}  // namespace potluck

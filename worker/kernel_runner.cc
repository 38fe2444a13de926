#include "kernel_runner.h"

#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include "process_usage.h"

namespace potluck {
namespace {

// How often the watcher samples the kernels' CPU time and memory: often enough for the duty cycle
// and the memory limit, and once a second with neither, as the samples only feed the unit's
// figures then. Each sample wakes a thread that takes a core from a kernel.
constexpr Duration kWatchEvery = std::chrono::milliseconds(10);
constexpr Duration kWatchEveryUnlimited = std::chrono::seconds(1);
// The duty cycle lets kernels run ahead of their share by at most this much CPU time per core
// given, so a cap of 50% alternates runs and holds of about 200 ms each.
constexpr double kBurstCpuSecondsPerCore = 0.1;
// After a kernel was told to stop, how long to wait for it to return.
constexpr Duration kStopWaitMax = std::chrono::seconds(1);

}  // namespace

class KernelRunner::Context final : public KernelContext {
 public:
  Context(KernelRunner& runner, const TaskStart& task) : runner_(runner), task_(task) {}

  // Also the pause point: a kernel thread that reaches it while the gate is closed waits here.
  bool Cancelled() const override {
    if (runner_.gate_closed_.load(std::memory_order_relaxed)) runner_.WaitAtGate();
    return runner_.cancel_.load(std::memory_order_relaxed);
  }
  void Progress(double fraction) override {
    std::lock_guard lock(runner_.mu_);
    if (runner_.running_) runner_.running_->progress = fraction;
  }

  const Bytes& Checkpoint() const override { return task_.checkpoint; }
  // A kernel can save only where it asks, once per round of its work. Saving when the next
  // round, as long as the last one, would end past the interval keeps saves at most one
  // interval apart, so a kill loses at most one interval of work rather than one plus a round.
  bool CheckpointDue() const override {
    std::lock_guard lock(runner_.mu_);
    const auto now = std::chrono::steady_clock::now();
    const auto round = now - last_ask_;
    last_ask_ = now;
    return runner_.checkpoint_now_ || now - last_save_ + round >= runner_.checkpoint_interval_;
  }
  void SaveCheckpoint(Bytes state) override {
    std::lock_guard lock(runner_.mu_);
    last_save_ = std::chrono::steady_clock::now();
    runner_.checkpoints_.push_back({task_.unit, std::move(state)});
    runner_.checkpoint_now_ = false;
    runner_.wake_.notify_all();
  }
  void ShowView(nlohmann::json view) override {
    std::lock_guard lock(runner_.mu_);
    runner_.view_ = std::move(view);
  }

 private:
  KernelRunner& runner_;
  const TaskStart& task_;
  std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();  // under runner_.mu_
  mutable std::chrono::steady_clock::time_point last_ask_ = last_save_;                // under runner_.mu_
};

void MakeLowestPriority() {
  // Named so that tools (and the grid bench) can tell kernel threads from the event loop's.
  pthread_setname_np(pthread_self(), kKernelThreadName);
  sched_param param{};
  // On Linux both calls act on the calling thread alone.
  if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) spdlog::debug("SCHED_IDLE refused: {}", errno);
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
}

void KernelRunner::LowestPriority::on_scheduler_entry(bool) {
  // A thread enters the arena once per kernel, and the calls cost more than a no-op kernel:
  // a thread is lowered again only after some runner lifted it (TBB's threads serve them all).
  thread_local uint64_t lowered_at_lifts = UINT64_MAX;  // never yet
  const uint64_t lifts = lifts_.load();
  if (lowered_at_lifts != lifts) {
    MakeLowestPriority();
    lowered_at_lifts = lifts;
  }
  std::lock_guard lock(mu_);
  threads_.insert(gettid());
}

void KernelRunner::LowestPriority::on_scheduler_exit(bool) {
  std::lock_guard lock(mu_);
  threads_.erase(gettid());
}

void KernelRunner::LowestPriority::LiftForCheckpoint() {
  std::lock_guard lock(mu_);
  ++lifts_;
  for (pid_t thread : threads_) {
    sched_param param{};
    // Refused without privilege unless RLIMIT_NICE allows nice 19 (the service unit sets it).
    if (sched_setscheduler(thread, SCHED_OTHER, &param) != 0) spdlog::debug("cannot lift thread {}: {}", thread, errno);
  }
}

KernelRunner::KernelRunner(const WorkloadRegistry& workloads, int cores, Duration checkpoint_interval,
                           std::shared_ptr<Waker> waker)
    : workloads_(workloads),
      cores_(cores),
      arena_(cores),
      waker_(std::move(waker)),
      checkpoint_interval_(checkpoint_interval),
      thread_([this] { Loop(); }),
      watcher_([this] { Watch(); }) {}

KernelRunner::~KernelRunner() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    cancel_ = true;
    wake_.notify_all();
    watch_.notify_all();
  }
  thread_.join();
  watcher_.join();
}

void KernelRunner::Start(TaskStart task) {
  std::lock_guard lock(mu_);
  cancel_ = false;
  queue_.push_back(std::move(task));
  wake_.notify_all();
}

void KernelRunner::CancelAll() {
  std::lock_guard lock(mu_);
  cancel_ = true;
  wake_.notify_all();
}

void KernelRunner::CheckpointAndStop(Duration max_wait) {
  std::unique_lock lock(mu_);
  // A held kernel stays held: its work since the last checkpoint is given up rather than taking
  // CPU the volunteer wants back.
  if (running_ && !held_ && max_wait.count() > 0) {
    checkpoint_now_ = true;
    lowest_priority_.LiftForCheckpoint();
    if (!wake_.wait_for(lock, max_wait, [&] { return !checkpoint_now_ || !running_; })) {
      spdlog::warn("the running unit reached no checkpoint within {} ms; it will resume from its last one",
                   max_wait.count());
    }
    checkpoint_now_ = false;
  }
  cancel_ = true;
  wake_.notify_all();
  wake_.wait_for(lock, kStopWaitMax, [&] { return !running_; });
}

void KernelRunner::Hold(bool held) {
  std::lock_guard lock(mu_);
  held_ = held;
  UpdateGate();
}

void KernelRunner::SetCpuShare(double share) {
  std::lock_guard lock(mu_);
  cpu_share_ = std::clamp(share, 0.01, 1.0);
  watch_.notify_all();  // a cap starts at once, not at the end of an unlimited watch
}

void KernelRunner::SetMemoryLimit(uint64_t bytes) {
  std::lock_guard lock(mu_);
  // A unit running when a limit first comes is measured from now.
  if (memory_limit_ == 0 && bytes > 0) ReadMemoryBaseline(/*at_most_every=*/Duration(0));
  memory_limit_ = bytes;
  watch_.notify_all();
}

void KernelRunner::ReadMemoryBaseline(Duration at_most_every) {
  const auto now = std::chrono::steady_clock::now();
  if (now - memory_baseline_at_ < at_most_every) return;
  memory_baseline_ = ProcessResidentBytes();
  memory_baseline_at_ = now;
}

void KernelRunner::SetCheckpointInterval(Duration interval) {
  std::lock_guard lock(mu_);
  checkpoint_interval_ = interval;
}

std::vector<TaskOutcome> KernelRunner::TakeFinished() {
  std::lock_guard lock(mu_);
  return std::exchange(finished_, {});
}

std::vector<TaskCheckpoint> KernelRunner::TakeCheckpoints() {
  std::lock_guard lock(mu_);
  return std::exchange(checkpoints_, {});
}

std::optional<RunningUnit> KernelRunner::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

double KernelRunner::cpu_share() const {
  std::lock_guard lock(mu_);
  return cpu_share_;
}

double KernelRunner::cpu_seconds_given() const {
  std::lock_guard lock(mu_);
  return cpu_given_before_ + (running_ ? running_->cpu_seconds : 0);
}

nlohmann::json KernelRunner::view() const {
  std::lock_guard lock(mu_);
  return view_;
}

Duration KernelRunner::WatchEvery() const {
  return cpu_share_ < 1 || memory_limit_ > 0 ? kWatchEvery : kWatchEveryUnlimited;
}

void KernelRunner::UpdateGate() {
  const bool closed = held_ || throttled_;
  if (closed == gate_closed_) return;
  gate_closed_ = closed;
  wake_.notify_all();
}

void KernelRunner::WaitAtGate() const {
  std::unique_lock lock(mu_);
  wake_.wait(lock, [&] { return !(held_ || throttled_) || cancel_ || shutting_down_; });
}

void KernelRunner::Watch() {
  auto last = std::chrono::steady_clock::now();
  double last_cpu = ProcessCpuSeconds();
  double budget = 0;  // CPU seconds the duty cycle still allows
  std::unique_lock lock(mu_);
  for (;;) {
    const Duration every = WatchEvery();
    if (watch_.wait_for(lock, every, [&] { return shutting_down_ || WatchEvery() != every; }) && shutting_down_) return;
    if (!running_) {
      budget = 0;
      throttled_ = false;
      UpdateGate();
      // Nothing to watch until a unit starts: an idle worker should not wake 100 times a second.
      watcher_idle_ = true;
      watch_.wait(lock, [&] { return running_ || shutting_down_; });
      watcher_idle_ = false;
      last = std::chrono::steady_clock::now();
      last_cpu = ProcessCpuSeconds();
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    const double cpu = ProcessCpuSeconds();
    const double seconds = std::chrono::duration<double>(now - last).count();
    const double used = cpu - last_cpu;
    last = now;
    last_cpu = cpu;
    if (!gate_closed_) running_->computing += std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
    running_->cpu_seconds = cpu - cpu_at_start_;
    if (cpu_share_ < 1) {
      const double cores = static_cast<double>(cores_);
      budget = std::min(budget + cpu_share_ * cores * seconds - used, kBurstCpuSecondsPerCore * cores);
      throttled_ = budget < 0;
    } else {
      budget = 0;
      throttled_ = false;
    }
    if (memory_limit_ > 0 && !over_memory_ && ProcessResidentBytes() > memory_baseline_ + memory_limit_) {
      over_memory_ = true;
      cancel_ = true;
    }
    UpdateGate();
  }
}

Result<Bytes> KernelRunner::Compute(const TaskStart& task) {
  const Manifest& m = *task.manifest;
  const Workload* workload = workloads_.Find(m.workload, m.workload_version);
  if (!workload) return NotFound("workload " + m.workload + " v" + std::to_string(m.workload_version) + " is not built in");
  if (Status s = workload->Validate(m.params, m.units); !s.ok()) return s;
  Context context(*this, task);
  std::optional<Result<Bytes>> out;
  arena_.execute([&] { out.emplace(workload->Run(m.params, m.units, task.unit.index, context)); });
  return std::move(*out);
}

void KernelRunner::Loop() {
  MakeLowestPriority();  // this thread joins the arena in every kernel it runs
  for (;;) {
    TaskStart task;
    bool wake = false;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return shutting_down_ || !queue_.empty(); });
      if (shutting_down_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      // The last unit handed over starts: results so far go now, so that the event loop hands
      // more work while this one runs instead of after it.
      wake = queue_.empty() && !finished_.empty();
      running_ = RunningUnit{task.unit, task.manifest->workload};
      over_memory_ = false;
      // Memory is compared only under a limit. The watcher compares every kWatchEvery, so units
      // that follow each other within that share one reading of /proc.
      if (memory_limit_ > 0) ReadMemoryBaseline(/*at_most_every=*/kWatchEvery);
      cpu_at_start_ = ProcessCpuSeconds();
      view_ = nullptr;
      if (watcher_idle_) watch_.notify_one();
    }
    if (wake) waker_->Wake();
    Result<Bytes> result = Compute(task);
    {
      std::lock_guard lock(mu_);
      const double cpu_seconds = ProcessCpuSeconds() - cpu_at_start_;
      cpu_given_before_ += cpu_seconds;
      if (over_memory_) {
        result = ResourceExhausted("the unit needed more than the memory limit of " +
                                   std::to_string(memory_limit_ >> 20) + " MB (limits.memory_mb)");
      }
      finished_.push_back({task.unit, std::move(result), cpu_seconds});
      running_.reset();
      wake_.notify_all();  // CheckpointAndStop() waits for the unit to end
      // Units handed over together are reported together, when the last of them starts or is
      // done: one turn of the event loop (and one commit) for the lot instead of one per unit.
      // The lot is about kWorkStartedAhead of work, so no result waits long.
      if (!queue_.empty()) continue;
    }
    waker_->Wake();
  }
}

}  // namespace potluck

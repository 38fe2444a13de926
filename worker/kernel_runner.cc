#include "kernel_runner.h"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

namespace potluck {

class KernelRunner::Context final : public KernelContext {
 public:
  Context(KernelRunner& runner, const TaskStart& task)
      : runner_(runner), task_(task), last_save_(std::chrono::steady_clock::now()) {}
  bool Cancelled() const override { return runner_.cancel_.load(std::memory_order_relaxed); }
  void Progress(double fraction) override { runner_.progress_.store(fraction, std::memory_order_relaxed); }

  const Bytes& Checkpoint() const override { return task_.checkpoint; }
  bool CheckpointDue() const override {
    std::lock_guard lock(mu_);
    return std::chrono::steady_clock::now() - last_save_ >= runner_.checkpoint_interval_;
  }
  void SaveCheckpoint(Bytes state) override {
    {
      std::lock_guard lock(mu_);
      last_save_ = std::chrono::steady_clock::now();
    }
    std::lock_guard lock(runner_.mu_);
    runner_.checkpoints_.push_back({task_.unit, std::move(state)});
  }
  void ShowView(nlohmann::json view) override {
    std::lock_guard lock(runner_.mu_);
    runner_.view_ = std::move(view);
  }

 private:
  KernelRunner& runner_;
  const TaskStart& task_;
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point last_save_;
};

void MakeLowestPriority() {
  sched_param param{};
  // On Linux both calls act on the calling thread alone.
  if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) spdlog::debug("SCHED_IDLE refused: {}", errno);
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
}

void KernelRunner::LowestPriority::on_scheduler_entry(bool) { MakeLowestPriority(); }

KernelRunner::KernelRunner(const WorkloadRegistry& workloads, int cores, Duration checkpoint_interval,
                           std::shared_ptr<Waker> waker)
    : workloads_(workloads),
      arena_(cores),
      checkpoint_interval_(checkpoint_interval),
      waker_(std::move(waker)),
      thread_([this] { Loop(); }) {}

KernelRunner::~KernelRunner() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
    cancel_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void KernelRunner::Start(TaskStart task) {
  {
    std::lock_guard lock(mu_);
    cancel_ = false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_all();
}

void KernelRunner::CancelAll() { cancel_ = true; }

std::vector<TaskOutcome> KernelRunner::TakeFinished() {
  std::lock_guard lock(mu_);
  return std::exchange(finished_, {});
}

std::vector<TaskCheckpoint> KernelRunner::TakeCheckpoints() {
  std::lock_guard lock(mu_);
  return std::exchange(checkpoints_, {});
}

nlohmann::json KernelRunner::view() const {
  std::lock_guard lock(mu_);
  return view_;
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
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return shutting_down_ || !queue_.empty(); });
      if (shutting_down_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    progress_ = 0;
    Result<Bytes> result = Compute(task);
    {
      std::lock_guard lock(mu_);
      finished_.push_back({task.unit, std::move(result)});
    }
    waker_->Wake();
  }
}

}  // namespace potluck

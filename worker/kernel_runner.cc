#include "kernel_runner.h"

#include <spdlog/spdlog.h>

namespace potluck {

class KernelRunner::Context final : public KernelContext {
 public:
  explicit Context(KernelRunner& runner) : runner_(runner) {}
  bool Cancelled() const override { return runner_.cancel_.load(std::memory_order_relaxed); }
  void Progress(double fraction) override { runner_.progress_.store(fraction, std::memory_order_relaxed); }

 private:
  KernelRunner& runner_;
};

KernelRunner::KernelRunner(const WorkloadRegistry& workloads, int cores, std::shared_ptr<Waker> waker)
    : workloads_(workloads), arena_(cores), waker_(std::move(waker)), thread_([this] { Loop(); }) {}

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

Result<Bytes> KernelRunner::Compute(const TaskStart& task) {
  const Manifest& m = *task.manifest;
  const Workload* workload = workloads_.Find(m.workload, m.workload_version);
  if (!workload) return NotFound("workload " + m.workload + " v" + std::to_string(m.workload_version) + " is not built in");
  if (Status s = workload->Validate(m.params, m.units); !s.ok()) return s;
  Context context(*this);
  std::optional<Result<Bytes>> out;
  arena_.execute([&] { out.emplace(workload->Run(m.params, m.units, task.unit.index, context)); });
  return std::move(*out);
}

void KernelRunner::Loop() {
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

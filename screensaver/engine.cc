#include "engine.h"

#include "kernel_runner.h"

namespace potluck::screensaver {

struct EngineBrake {
  std::mutex mu;
  KernelRunner* runner = nullptr;  // null before the node starts it and after it is gone

  void Hold() {
    std::lock_guard lock(mu);
    if (runner) runner->Hold(true);
  }
};

namespace {

// Passes everything to the kernel runner, and lets the engine hold it from another thread
// for as long as the runner exists.
class BrakedExecutor final : public TaskExecutor {
 public:
  BrakedExecutor(std::unique_ptr<TaskExecutor> inner, std::shared_ptr<EngineBrake> brake)
      : inner_(std::move(inner)), brake_(std::move(brake)) {
    std::lock_guard lock(brake_->mu);
    brake_->runner = dynamic_cast<KernelRunner*>(inner_.get());
  }
  ~BrakedExecutor() override {
    std::lock_guard lock(brake_->mu);
    brake_->runner = nullptr;
  }

  void Start(TaskStart task) override { inner_->Start(std::move(task)); }
  std::vector<TaskOutcome> TakeFinished() override { return inner_->TakeFinished(); }
  std::vector<TaskCheckpoint> TakeCheckpoints() override { return inner_->TakeCheckpoints(); }
  void CancelAll() override { inner_->CancelAll(); }
  void CheckpointAndStop(Duration max_wait) override { inner_->CheckpointAndStop(max_wait); }

 private:
  std::unique_ptr<TaskExecutor> inner_;
  std::shared_ptr<EngineBrake> brake_;
};

}  // namespace

WorkerConfig EngineConfig(WorkerConfig config, bool interval_was_set) {
  config.stop_checkpoint_wait = Duration(0);
  if (!interval_was_set) config.settings.limits.checkpoint_interval_s = kEngineCheckpointIntervalS;
  config.settings.idle.only_when_idle = false;
  return config;
}

Engine::Engine(WorkerConfig config) : config_(std::move(config)), brake_(std::make_shared<EngineBrake>()) {
  config_.wrap_executor = [brake = brake_](std::unique_ptr<TaskExecutor> runner) -> std::unique_ptr<TaskExecutor> {
    return std::make_unique<BrakedExecutor>(std::move(runner), brake);
  };
  thread_ = std::thread([this] {
    Status status = RunWorker(config_, stop_);
    std::lock_guard lock(mu_);
    ended_ = std::move(status);
  });
}

Engine::~Engine() { (void)Stop(); }

Status Engine::Stop() {
  // Holding first stops the kernel now; the event loop sees `stop_` only at its next tick.
  stop_ = true;
  brake_->Hold();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return ended_.value_or(Status::Ok());
}

std::optional<Status> Engine::Ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

}  // namespace potluck::screensaver

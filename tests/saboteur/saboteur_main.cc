// potluck-saboteur: a worker built only for tests. It takes every potluck-worker flag and
// returns wrong results: always, at random, or in collusion with other saboteurs (all of them
// the same wrong result, so that together they could make a quorum).
#include <memory>
#include <random>

#include "worker_program.h"

namespace potluck {
namespace {

enum class Mode { kAlways, kRandom, kCollude };

class SabotagingExecutor final : public TaskExecutor {
 public:
  SabotagingExecutor(std::unique_ptr<TaskExecutor> honest, Mode mode, double rate)
      : honest_(std::move(honest)), mode_(mode), rate_(rate), rng_(std::random_device{}()),
        own_flip_(static_cast<uint8_t>(1 + rng_() % 254)) {}

  void Start(TaskStart task) override { honest_->Start(std::move(task)); }
  void CancelAll() override { honest_->CancelAll(); }
  void CheckpointAndStop(Duration max_wait) override { honest_->CheckpointAndStop(max_wait); }
  std::vector<TaskCheckpoint> TakeCheckpoints() override { return honest_->TakeCheckpoints(); }

  std::vector<TaskOutcome> TakeFinished() override {
    std::vector<TaskOutcome> out = honest_->TakeFinished();
    for (TaskOutcome& o : out) {
      if (!o.result.ok() || o.result.value().empty()) continue;
      bool lie = mode_ != Mode::kRandom || std::uniform_real_distribution<double>(0, 1)(rng_) < rate_;
      // Colluders all flip the same bit pattern; the others each their own.
      if (lie) o.result.value().back() ^= mode_ == Mode::kCollude ? uint8_t{0xFF} : own_flip_;
    }
    return out;
  }

 private:
  std::unique_ptr<TaskExecutor> honest_;
  Mode mode_;
  double rate_;
  std::mt19937_64 rng_;
  uint8_t own_flip_;
};

}  // namespace
}  // namespace potluck

int main(int argc, char** argv) {
  potluck::WorkerFlags flags;
  CLI::App app{"potluck-saboteur: a worker for tests that returns wrong results"};
  potluck::AddWorkerFlags(app, flags);
  std::string mode = "always";
  double rate = 0.5;
  app.add_option("--sabotage", mode, "always, random or collude")
      ->capture_default_str()
      ->check(CLI::IsMember({"always", "random", "collude"}));
  app.add_option("--sabotage-rate", rate, "share of wrong results with --sabotage random")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  flags.config.wrap_executor = [&](std::unique_ptr<potluck::TaskExecutor> honest) {
    auto m = mode == "always" ? potluck::Mode::kAlways : mode == "random" ? potluck::Mode::kRandom : potluck::Mode::kCollude;
    return std::make_unique<potluck::SabotagingExecutor>(std::move(honest), m, rate);
  };
  return potluck::RunWorkerProgram(app, flags, "potluck-saboteur", argc, argv);
}

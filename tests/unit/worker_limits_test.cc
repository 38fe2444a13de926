// The volunteer's limits as the kernel runner enforces them: a hold parks every kernel thread
// within 100 ms and keeps the progress, the duty cycle keeps CPU use near the share, a unit
// that grows past the memory limit fails (also when the limit comes while it runs), and a
// stopping runner saves a checkpoint first.
#include <gtest/gtest.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <thread>

#include "kernel_runner.h"
#include "potluck/base/byte_io.h"
#include "potluck/core/manifest.h"
#include "process_usage.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;

// Busy work in chunks of about a millisecond, checked for stop between chunks; the result is
// the number of chunks and a hash of their work, the same however it was paused or resumed.
// Resumes from its checkpoint (the chunks done so far).
class SpinWorkload final : public Workload {
 public:
  static constexpr int kChunksPerRound = 64;

  std::string_view Name() const override { return "spin"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override { return {}; }
  Status Validate(const Params&, uint64_t) const override { return Status::Ok(); }
  Result<Bytes> Run(const Params& params, uint64_t, uint64_t, KernelContext& context) const override {
    const int rounds = std::stoi(params.at("rounds"));
    const uint64_t grow_mb = params.count("grow_mb") ? std::stoull(params.at("grow_mb")) : 0;
    std::vector<std::vector<char>> hoard;
    int round = 0;
    uint64_t hash = 0;
    if (!context.Checkpoint().empty()) {
      ByteReader in(context.Checkpoint());
      round = static_cast<int>(in.U64());
      hash = in.U64();
    }
    for (; round < rounds; ++round) {
      std::atomic<bool> stopped{false};
      std::vector<uint64_t> chunk_hash(kChunksPerRound);
      tbb::parallel_for(0, kChunksPerRound, [&](int chunk) {
        if (context.Cancelled()) {
          stopped = true;
          return;
        }
        uint64_t x = static_cast<uint64_t>(round * kChunksPerRound + chunk) + 1;
        for (int i = 0; i < 200'000; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        chunk_hash[static_cast<size_t>(chunk)] = x;
      });
      if (stopped) return Unavailable("spin: cancelled");
      for (uint64_t h : chunk_hash) hash ^= h;
      if (grow_mb > 0) hoard.emplace_back(grow_mb << 20, static_cast<char>(round));  // touched: resident
      context.Progress(static_cast<double>(round + 1) / rounds);
      if (context.CheckpointDue()) context.SaveCheckpoint(Encode(round + 1, hash));
    }
    return Encode(rounds, hash);
  }
  Result<nlohmann::json> DescribeUnit(const Bytes&) const override { return nlohmann::json{}; }
  std::unique_ptr<Aggregator> NewAggregator(const Params&, uint64_t) const override { return nullptr; }

 private:
  static Bytes Encode(int rounds_done, uint64_t hash) {
    Bytes out;
    ByteWriter writer(out);
    writer.U64(static_cast<uint64_t>(rounds_done));
    writer.U64(hash);
    return out;
  }
};

class WorkerLimitsTest : public ::testing::Test {
 protected:
  WorkerLimitsTest() { workloads_.Add(std::make_unique<SpinWorkload>()); }

  std::unique_ptr<KernelRunner> NewRunner(int cores, Duration checkpoint_interval = 3600s) {
    return std::make_unique<KernelRunner>(workloads_, cores, checkpoint_interval, waker_);
  }

  static TaskStart Task(int rounds, uint64_t grow_mb = 0, Bytes checkpoint = {}) {
    Manifest m;
    m.workload = "spin";
    m.workload_version = 1;
    m.units = 1;
    m.params = {{"rounds", std::to_string(rounds)}};
    if (grow_mb > 0) m.params["grow_mb"] = std::to_string(grow_mb);
    return {UnitKey{ProjectId{}, 0}, std::make_shared<const Manifest>(m), std::move(checkpoint)};
  }

  static TaskOutcome WaitFinished(KernelRunner& runner, Duration limit = 120s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      std::vector<TaskOutcome> done = runner.TakeFinished();
      if (!done.empty()) return std::move(done[0]);
      std::this_thread::sleep_for(5ms);
    }
    ADD_FAILURE() << "the unit did not finish in time";
    return {UnitKey{}, Unavailable("timed out")};
  }

  // Whether a unit is running and has made progress, within 30 s. Kernels run at SCHED_IDLE:
  // on a busy machine they may wait a while for their first round.
  static bool WaitComputing(KernelRunner& runner) {
    for (int i = 0; i < 3000; ++i) {
      if (auto running = runner.running(); running && running->progress > 0) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  // CPU seconds this process uses over `span`.
  static double CpuOver(Duration span) {
    const double before = ProcessCpuSeconds();
    std::this_thread::sleep_for(span);
    return ProcessCpuSeconds() - before;
  }

  WorkloadRegistry workloads_;
  zmq::context_t zmq_context_;
  std::shared_ptr<Waker> waker_ = std::make_shared<Waker>(zmq_context_, "inproc://worker-limits-test");
};

TEST_F(WorkerLimitsTest, HoldParksEveryKernelThreadWithin100MsAndKeepsTheProgress) {
  auto reference_runner = NewRunner(2);
  reference_runner->Start(Task(40));
  TaskOutcome reference = WaitFinished(*reference_runner);
  ASSERT_TRUE(reference.result.ok()) << reference.result.status().message();

  auto runner = NewRunner(2);
  runner->Start(Task(40));
  ASSERT_TRUE(WaitComputing(*runner)) << "the kernel should be computing";
  for (int pause = 0; pause < 3; ++pause) {
    runner->Hold(true);
    std::this_thread::sleep_for(100ms);  // every thread reaches its next check in this time
    const double progress = runner->running()->progress;
    EXPECT_LT(CpuOver(400ms), 0.02) << "kernel threads still ran while held";
    EXPECT_EQ(runner->running()->progress, progress);
    runner->Hold(false);
    std::this_thread::sleep_for(100ms);
  }
  TaskOutcome held = WaitFinished(*runner);
  ASSERT_TRUE(held.result.ok()) << held.result.status().message();
  EXPECT_EQ(held.result.value(), reference.result.value());
  EXPECT_GT(held.cpu_seconds, 0.1);
}

TEST_F(WorkerLimitsTest, DutyCycleKeepsCpuUseNearTheShare) {
  auto runner = NewRunner(1);
  runner->SetCpuShare(0.5);
  runner->Start(Task(100000));
  std::this_thread::sleep_for(500ms);
  const Duration computing_before = runner->running()->computing;
  const double share = CpuOver(4s) / 4;
  const double open = std::chrono::duration<double>(runner->running()->computing - computing_before).count() / 4;
  std::printf("cpu share measured at a 50%% cap: %.1f%%, kernel let run %.1f%% of the time\n", share * 100, open * 100);
  runner->CancelAll();
  (void)WaitFinished(*runner);
  // Never more than 10% over the share. Below it only when this machine leaves the
  // lowest-priority kernel less CPU than the share: then the duty cycle must not hold it back,
  // so the time it is let run is at least the share.
  EXPECT_LT(share, 0.55);
  EXPECT_GT(open, 0.40);
}

TEST_F(WorkerLimitsTest, UnitGrowingPastTheMemoryLimitFails) {
  auto runner = NewRunner(1);
  runner->SetMemoryLimit(64ull << 20);
  runner->Start(Task(40, /*grow_mb=*/16));  // would reach 640 MB
  TaskOutcome outcome = WaitFinished(*runner);
  ASSERT_FALSE(outcome.result.ok());
  EXPECT_EQ(outcome.result.status().code(), Code::kResourceExhausted);
  EXPECT_NE(outcome.result.status().message().find("limits.memory_mb"), std::string::npos);
}

// Memory the process held before the limit came is not the unit's: with 128 MB resident
// already, a 64 MB limit set while a unit runs counts from then, and the unit finishes.
TEST_F(WorkerLimitsTest, AMemoryLimitSetWhileAUnitRunsCountsFromThen) {
  std::vector<char> held_before(128u << 20, 1);  // touched: resident
  auto runner = NewRunner(1);
  runner->Start(Task(40));
  ASSERT_TRUE(WaitComputing(*runner)) << "the unit ended before the limit came";
  runner->SetMemoryLimit(64ull << 20);
  TaskOutcome outcome = WaitFinished(*runner);
  EXPECT_TRUE(outcome.result.ok()) << outcome.result.status().message();
  EXPECT_EQ(held_before[held_before.size() / 2], 1);
}

// A limit set while a unit runs holds for that unit.
TEST_F(WorkerLimitsTest, AUnitGrowingPastALimitSetWhileItRunsFails) {
  auto runner = NewRunner(1);
  runner->Start(Task(40, /*grow_mb=*/16));  // would reach 640 MB
  ASSERT_TRUE(WaitComputing(*runner)) << "the unit ended before the limit came";
  runner->SetMemoryLimit(64ull << 20);
  TaskOutcome outcome = WaitFinished(*runner);
  ASSERT_FALSE(outcome.result.ok());
  EXPECT_EQ(outcome.result.status().code(), Code::kResourceExhausted);
}

TEST_F(WorkerLimitsTest, StoppingSavesACheckpointFirstAndTheUnitResumesFromIt) {
  auto runner = NewRunner(2);
  runner->Start(Task(60));
  std::this_thread::sleep_for(300ms);
  const auto asked = std::chrono::steady_clock::now();
  runner->CheckpointAndStop(3s);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
  std::vector<TaskCheckpoint> saved = runner->TakeCheckpoints();
  ASSERT_EQ(saved.size(), 1u);
  TaskOutcome stopped = WaitFinished(*runner);
  EXPECT_EQ(stopped.result.status().code(), Code::kUnavailable);

  ByteReader state(saved[0].state);
  const uint64_t rounds_done = state.U64();
  EXPECT_GT(rounds_done, 0u);
  runner->Start(Task(60, 0, saved[0].state));
  TaskOutcome resumed = WaitFinished(*runner);
  ASSERT_TRUE(resumed.result.ok());
  runner->Start(Task(60));
  TaskOutcome fresh = WaitFinished(*runner);
  ASSERT_TRUE(fresh.result.ok());
  EXPECT_EQ(resumed.result.value(), fresh.result.value());
}

}  // namespace
}  // namespace potluck

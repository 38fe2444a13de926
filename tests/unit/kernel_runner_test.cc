// The worker's kernel runner: kernels run at the lowest priority on every thread they use,
// checkpoints and views reach the event loop, and a stopped kernel keeps its lease.
#include "kernel_runner.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "potluck/core/manifest.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;

// Records, from every thread that runs part of it, the thread's scheduling policy and nice
// value; saves one checkpoint and shows one view.
class ProbeWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "probe"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override { return {}; }
  Status Validate(const Params&, uint64_t) const override { return Status::Ok(); }
  Result<Bytes> Run(const Params&, uint64_t, uint64_t, KernelContext& context) const override {
    tbb::parallel_for(0, 64, [&](int) {
      std::lock_guard lock(mu);
      policies.insert(sched_getscheduler(0));
      nices.insert(getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())));
      std::this_thread::sleep_for(1ms);
    });
    context.SaveCheckpoint({4, 2});
    context.ShowView({{"probe", true}});
    return Bytes{1};
  }
  Result<nlohmann::json> DescribeUnit(const Bytes&) const override { return nlohmann::json{}; }
  std::unique_ptr<Aggregator> NewAggregator(const Params&, uint64_t) const override { return nullptr; }

  mutable std::mutex mu;
  mutable std::set<int> policies, nices;
};

TEST(KernelRunnerTest, KernelsRunAtTheLowestPriorityAndHandBackCheckpoints) {
  WorkloadRegistry workloads;
  auto probe = std::make_unique<ProbeWorkload>();
  ProbeWorkload* seen = probe.get();
  workloads.Add(std::move(probe));
  zmq::context_t zmq_context;
  auto waker = std::make_shared<Waker>(zmq_context, "inproc://kernel-runner-test");
  KernelRunner runner(workloads, 2, 60s, waker);

  Manifest m;
  m.workload = "probe";
  m.workload_version = 1;
  m.units = 1;
  const UnitKey unit{ProjectId{}, 0};
  runner.Start({unit, std::make_shared<const Manifest>(m), {}});
  std::vector<TaskOutcome> done;
  for (int i = 0; i < 500 && done.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    done = runner.TakeFinished();
  }
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].result.ok());

  EXPECT_EQ(seen->policies, (std::set<int>{SCHED_IDLE}));
  EXPECT_EQ(seen->nices, (std::set<int>{19}));
  std::vector<TaskCheckpoint> saved = runner.TakeCheckpoints();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].state, (Bytes{4, 2}));
  EXPECT_EQ(runner.view()["probe"], true);
}

// Unit 2 waits until released; the others return at once.
class GateWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "gate"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override { return {}; }
  Status Validate(const Params&, uint64_t) const override { return Status::Ok(); }
  Result<Bytes> Run(const Params&, uint64_t, uint64_t index, KernelContext& context) const override {
    if (index == 2) {
      gate_reached = true;
      while (!released && !context.Cancelled()) std::this_thread::sleep_for(1ms);
    }
    return Bytes{static_cast<uint8_t>(index)};
  }
  Result<nlohmann::json> DescribeUnit(const Bytes&) const override { return nlohmann::json{}; }
  std::unique_ptr<Aggregator> NewAggregator(const Params&, uint64_t) const override { return nullptr; }

  mutable std::atomic<bool> gate_reached{false}, released{false};
};

// Wake-ups that have reached `pull` so far.
int WakeUps(zmq::socket_t& pull) {
  int n = 0;
  zmq::message_t message;
  while (pull.recv(message, zmq::recv_flags::dontwait)) ++n;
  return n;
}

TEST(KernelRunnerTest, UnitsHandedOverTogetherAreReportedWhenTheLastStartsAndWhenItEnds) {
  WorkloadRegistry workloads;
  auto gate = std::make_unique<GateWorkload>();
  GateWorkload* seen = gate.get();
  workloads.Add(std::move(gate));
  zmq::context_t zmq_context;
  zmq::socket_t pull(zmq_context, zmq::socket_type::pull);
  pull.bind("inproc://kernel-runner-wakes");
  auto waker = std::make_shared<Waker>(zmq_context, "inproc://kernel-runner-wakes");
  KernelRunner runner(workloads, 1, 60s, waker);

  Manifest m;
  m.workload = "gate";
  m.workload_version = 1;
  m.units = 3;
  auto manifest = std::make_shared<const Manifest>(m);
  for (uint64_t i = 0; i < 3; ++i) runner.Start({{ProjectId{}, i}, manifest, {}});
  for (int i = 0; i < 500 && !seen->gate_reached; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(seen->gate_reached);
  EXPECT_EQ(WakeUps(pull), 1) << "units 0 and 1 wait for the last unit to start, then wake the loop once";
  EXPECT_EQ(runner.TakeFinished().size(), 2u);

  seen->released = true;
  std::vector<TaskOutcome> done;
  for (int i = 0; i < 500 && done.empty(); ++i) {
    std::this_thread::sleep_for(10ms);
    done = runner.TakeFinished();
  }
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].unit.index, 2u);
  EXPECT_EQ(WakeUps(pull), 1) << "the last unit wakes the loop when it is done";
}

}  // namespace
}  // namespace potluck

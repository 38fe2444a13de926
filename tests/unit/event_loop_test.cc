// How often the event loop runs its timers: when they are due, within kLoopTick and kLoopTickMax
// of the last run.
#include "potluck/net/event_loop.h"

#include <gtest/gtest.h>

#include "potluck/crypto/identity.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;

// Runs a loop with no peers for about `run_for` and returns how many times its timers ran.
int TicksIn(Duration run_for, const std::function<TimePoint(TimePoint)>& next_due) {
  SystemClock clock;
  zmq::context_t context;
  Identity identity = Identity::Ephemeral();
  ZmqTransport transport(context, identity, LinkSecurity::kCurve);
  const TimePoint start = clock.Now();
  int ticks = 0;
  std::atomic<bool> stop{false};
  LoopHooks hooks{
      .on_message = [](const Inbound&, TimePoint) { return Actions{}; },
      .on_tick =
          [&](TimePoint) {
            ++ticks;
            return Actions{};
          },
      .next_due = next_due,
      .begin = [] {},
      .commit = [](const Actions&) { return Status::Ok(); },
      .done = [&] { return clock.Now() - start >= run_for; },
  };
  EXPECT_TRUE(RunEventLoop(transport, clock, hooks, stop).ok());
  return ticks;
}

TEST(EventLoopTest, TimersNotDueRunOnlyEveryLongestTick) {
  // At 0, 0.5, 1.0 and 1.5 s, the last in the turn that ends the run: fewer if the machine is slow.
  const int ticks = TicksIn(1200ms, [](TimePoint now) { return now + 1h; });
  EXPECT_GE(ticks, 2);
  EXPECT_LE(ticks, 4);
}

TEST(EventLoopTest, TimersAlwaysDueRunEveryShortestTick) {
  // About twelve in 1.2 s; never more often than every kLoopTick.
  const int ticks = TicksIn(1200ms, [](TimePoint now) { return now; });
  EXPECT_GE(ticks, 6);
  EXPECT_LE(ticks, 13);
}

TEST(EventLoopTest, WithoutDueTimesTimersRunEveryShortestTick) {
  const int ticks = TicksIn(1200ms, nullptr);
  EXPECT_GE(ticks, 6);
  EXPECT_LE(ticks, 13);
}

}  // namespace
}  // namespace potluck

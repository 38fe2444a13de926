// When the governor lets kernels run, and what it says when it does not.
#include "governor.h"

#include <gtest/gtest.h>

namespace potluck {
namespace {

using namespace std::chrono_literals;

TEST(GovernorTest, ComputesWhenNothingStandsInTheWay) {
  Decision d = Decide(WorkerSettings{}, MachineReading{}, ControlState{});
  EXPECT_FALSE(d.paused());
  EXPECT_TRUE(d.accept_work);
}

TEST(GovernorTest, EachRuleGivesItsReason) {
  WorkerSettings s;
  s.idle.only_when_idle = true;
  s.idle.idle_minutes = 2;
  s.idle.suspend_above_cpu_percent = 25;
  s.limits.disk_mb = 10;
  MachineReading m{.idle_for = 30s, .other_cpu_share = 0.5, .schedule_allows = false, .data_bytes = 20 << 20};
  Decision d = Decide(s, m, ControlState{.paused_by_volunteer = true});
  EXPECT_EQ(d.reasons, (std::vector<PauseReason>{PauseReason::kVolunteer, PauseReason::kSchedule, PauseReason::kInUse,
                                                 PauseReason::kBusy, PauseReason::kDiskQuota}));
  EXPECT_FALSE(d.accept_work);
  EXPECT_EQ(DescribePause(d, m, s),
            "paused by the volunteer, outside the schedule, the computer is in use (idle 30 s of 2 min), other "
            "programs use 50% of the CPU (limit 25%), the data folder holds 20 MB, over the quota of 10 MB");

  m = {.idle_for = 3min, .other_cpu_share = 0.1, .schedule_allows = true, .data_bytes = 1 << 20};
  EXPECT_FALSE(Decide(s, m, ControlState{}).paused());
}

TEST(GovernorTest, UnknownIdlenessCountsAsInUse) {
  WorkerSettings s;
  s.idle.only_when_idle = true;
  Decision d = Decide(s, MachineReading{}, ControlState{});
  EXPECT_EQ(d.reasons, std::vector<PauseReason>{PauseReason::kInUse});
  EXPECT_NE(DescribePause(d, MachineReading{}, s).find("cannot be told"), std::string::npos);
}

TEST(GovernorTest, FinishingComputesButTakesNoNewWork) {
  Decision d = Decide(WorkerSettings{}, MachineReading{}, ControlState{.finishing = true});
  EXPECT_FALSE(d.paused());
  EXPECT_FALSE(d.accept_work);
}

TEST(GovernorTest, OtherProgramsOnlyCountWhenAskedTo) {
  MachineReading busy{.other_cpu_share = 0.95};
  EXPECT_FALSE(Decide(WorkerSettings{}, busy, ControlState{}).paused());
}

}  // namespace
}  // namespace potluck

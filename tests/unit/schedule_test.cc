// The volunteer's time-of-day schedule: windows per weekday, overrides, midnight, errors.
#include "activity/schedule.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace potluck::activity {
namespace {

using namespace std::chrono;

// A moment in the week of Monday 1 January 2024; `day` counts from Monday = 0.
LocalSeconds At(int day, int hour, int minute, int second = 0) {
  return local_days{2024y / January / 1} + days{day} + hours{hour} + minutes{minute} + seconds{second};
}
constexpr int kMon = 0, kTue = 1, kWed = 2, kFri = 4, kSat = 5, kSun = 6;

Schedule MustParse(const std::map<std::string, std::string>& days) {
  auto schedule = Schedule::Parse(days);
  EXPECT_TRUE(schedule.ok()) << schedule.status().message();
  return schedule.ok() ? *schedule : Schedule();
}

std::string ErrorOf(const std::map<std::string, std::string>& days) {
  auto schedule = Schedule::Parse(days);
  return schedule.ok() ? "parsed" : schedule.status().message();
}

TEST(ScheduleTest, EmptyScheduleAllowsEveryMinute) {
  Schedule schedule = MustParse({});
  for (int day = kMon; day <= kSun; ++day) {
    EXPECT_TRUE(schedule.Allows(At(day, 0, 0)));
    EXPECT_TRUE(schedule.Allows(At(day, 23, 59, 59)));
  }
  EXPECT_FALSE(schedule.NextChange(At(kWed, 12, 0)).has_value());
}

TEST(ScheduleTest, WindowIncludesItsStartAndExcludesItsEnd) {
  Schedule schedule = MustParse({{"daily", "09:00-17:00"}});
  EXPECT_FALSE(schedule.Allows(At(kTue, 8, 59, 59)));
  EXPECT_TRUE(schedule.Allows(At(kTue, 9, 0)));
  EXPECT_TRUE(schedule.Allows(At(kTue, 16, 59, 59)));
  EXPECT_FALSE(schedule.Allows(At(kTue, 17, 0)));
  EXPECT_TRUE(schedule.Allows(At(kSun, 12, 0)));
}

TEST(ScheduleTest, WindowEndingBeforeItStartsRunsPastMidnightIntoTheNextDay) {
  Schedule schedule = MustParse({{"mon", "22:00-06:00"}});
  EXPECT_FALSE(schedule.Allows(At(kMon, 21, 59)));
  EXPECT_TRUE(schedule.Allows(At(kMon, 22, 0)));
  EXPECT_TRUE(schedule.Allows(At(kMon, 23, 59, 59)));
  EXPECT_TRUE(schedule.Allows(At(kTue, 3, 0)));
  EXPECT_FALSE(schedule.Allows(At(kTue, 6, 0)));
  // Monday morning would be the spill of a Sunday window, and Sunday has none.
  EXPECT_FALSE(schedule.Allows(At(kMon, 3, 0)));
  EXPECT_FALSE(schedule.Allows(At(kTue, 23, 0)));
}

TEST(ScheduleTest, SundayWindowRunsIntoMonday) {
  Schedule schedule = MustParse({{"sun", "23:00-01:00"}});
  EXPECT_TRUE(schedule.Allows(At(kSun, 23, 30)));
  EXPECT_TRUE(schedule.Allows(At(kMon, 0, 30)));
  EXPECT_FALSE(schedule.Allows(At(kMon, 1, 0)));
}

TEST(ScheduleTest, MidnightToMidnightIsTheWholeDay) {
  Schedule schedule = MustParse({{"wed", "00:00-00:00"}});
  EXPECT_TRUE(schedule.Allows(At(kWed, 0, 0)));
  EXPECT_TRUE(schedule.Allows(At(kWed, 23, 59)));
  EXPECT_FALSE(schedule.Allows(At(kTue, 23, 59)));
  EXPECT_FALSE(schedule.Allows(At(kWed + 1, 0, 0)));
}

TEST(ScheduleTest, DayKeyReplacesDaily) {
  Schedule schedule = MustParse({{"daily", "18:00-08:00"}, {"sat", "all"}, {"sun", "all"}, {"wed", "none"}});
  EXPECT_FALSE(schedule.Allows(At(kFri, 12, 0)));
  EXPECT_TRUE(schedule.Allows(At(kFri, 19, 0)));
  EXPECT_TRUE(schedule.Allows(At(kSat, 12, 0)));
  EXPECT_TRUE(schedule.Allows(At(kSun, 12, 0)));
  EXPECT_FALSE(schedule.Allows(At(kWed, 20, 0)));
  // Tuesday's evening window still runs into Wednesday morning.
  EXPECT_TRUE(schedule.Allows(At(kWed, 7, 0)));
  EXPECT_FALSE(schedule.Allows(At(kWed, 8, 0)));
}

TEST(ScheduleTest, SeveralWindowsInOneDay) {
  Schedule schedule = MustParse({{"daily", "12:00-13:00, 20:00-21:30 ,07:15-07:45"}});
  EXPECT_TRUE(schedule.Allows(At(kMon, 12, 30)));
  EXPECT_TRUE(schedule.Allows(At(kMon, 21, 29)));
  EXPECT_TRUE(schedule.Allows(At(kMon, 7, 15)));
  EXPECT_FALSE(schedule.Allows(At(kMon, 7, 45)));
  EXPECT_FALSE(schedule.Allows(At(kMon, 15, 0)));
}

TEST(ScheduleTest, DayWithoutItsOwnKeyOrDailyAllowsNothing) {
  Schedule schedule = MustParse({{"sat", "all"}});
  EXPECT_TRUE(schedule.Allows(At(kSat, 10, 0)));
  EXPECT_FALSE(schedule.Allows(At(kFri, 10, 0)));
  EXPECT_FALSE(schedule.Allows(At(kSun, 10, 0)));
}

TEST(ScheduleTest, ErrorsNameTheKeyAndTheBadPart) {
  EXPECT_EQ(ErrorOf({{"tue", "25:00-08:00"}}), "schedule.tue: '25:00-08:00': hour must be 00 to 23");
  EXPECT_EQ(ErrorOf({{"daily", "08:00-09:60"}}), "schedule.daily: '08:00-09:60': minute must be 00 to 59");
  EXPECT_EQ(ErrorOf({{"mon", "8:00-09:00"}}), "schedule.mon: '8:00-09:00': expected HH:MM-HH:MM, or all or none alone");
  EXPECT_EQ(ErrorOf({{"mon", "08:00-09:00, all"}}), "schedule.mon: 'all': expected HH:MM-HH:MM, or all or none alone");
  EXPECT_EQ(ErrorOf({{"fri", "08:00-09:00,"}}), "schedule.fri: '': expected HH:MM-HH:MM, or all or none alone");
  EXPECT_EQ(ErrorOf({{"sun", " "}}), "schedule.sun: '': empty; use all, none or HH:MM-HH:MM windows");
  EXPECT_EQ(ErrorOf({{"friday", "all"}}),
            "schedule: unknown key 'friday'; use daily, mon, tue, wed, thu, fri, sat or sun");
  // Control bytes are escaped, so an error stays one line.
  EXPECT_EQ(ErrorOf({{"daily", "08:00-09:00\n"}}),
            "schedule.daily: '08:00-09:00\\x0a': expected HH:MM-HH:MM, or all or none alone");
}

TEST(ScheduleTest, NextChangeIsTheFirstMinuteWithTheOtherAnswer) {
  Schedule schedule = MustParse({{"daily", "09:00-17:00"}});
  EXPECT_EQ(schedule.NextChange(At(kMon, 8, 30, 20)), At(kMon, 9, 0));
  EXPECT_EQ(schedule.NextChange(At(kMon, 9, 0)), At(kMon, 17, 0));
  EXPECT_EQ(schedule.NextChange(At(kMon, 17, 0)), At(kTue, 9, 0));

  Schedule weekends = MustParse({{"sat", "all"}, {"sun", "all"}});
  EXPECT_EQ(weekends.NextChange(At(kMon, 10, 0)), At(kSat, 0, 0));
  EXPECT_EQ(weekends.NextChange(At(kSat, 10, 0)), At(kSun + 1, 0, 0));

  EXPECT_FALSE(MustParse({{"daily", "none"}}).NextChange(At(kMon, 10, 0)).has_value());
}

TEST(ScheduleTest, LocalTimeFollowsTheTimeZone) {
  // A POSIX TZ rule needs no time zone database: two hours east of UTC.
  const char* saved = std::getenv("TZ");
  const std::string previous = saved ? saved : "";
  setenv("TZ", "XST-2", 1);
  tzset();
  const auto utc = sys_days{2024y / January / 1} + hours{23} + minutes{30} + seconds{5};
  EXPECT_EQ(LocalTimeOf(utc), local_days{2024y / January / 2} + hours{1} + minutes{30} + seconds{5});
  if (saved) {
    setenv("TZ", previous.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace potluck::activity

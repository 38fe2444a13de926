// When the volunteer lets the worker compute: time-of-day windows per weekday, in local time.
//
// The schedule is given as a map from day key to text. Keys are `daily` and `mon` .. `sun`; a
// day's own key replaces `daily` for that day. A value is `all`, `none`, or comma-separated
// windows `HH:MM-HH:MM` (start included, end excluded). A window whose end is not after its
// start runs past midnight into the next day: mon `22:00-06:00` also allows Tuesday 03:00,
// whatever Tuesday's own key says, and `00:00-00:00` is the whole day. A day with neither its
// own key nor `daily` allows nothing; an empty map allows everything.
#pragma once

#include <array>
#include <bitset>
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "potluck/base/status.h"

namespace potluck::activity {

using LocalMinutes = std::chrono::local_time<std::chrono::minutes>;
using LocalSeconds = std::chrono::local_time<std::chrono::seconds>;

// The wall-clock time of this machine's time zone at `t` (localtime_r, so TZ applies).
LocalSeconds LocalTimeOf(std::chrono::system_clock::time_point t);

// Immutable once parsed; safe to share between threads.
class Schedule {
 public:
  // Allows every minute of the week.
  Schedule();

  // Errors are one line naming the key and the bad part, e.g.
  // "schedule.tue: '25:00-08:00': hour must be 00 to 23".
  static Result<Schedule> Parse(const std::map<std::string, std::string>& days);

  bool Allows(LocalSeconds t) const;
  // The first minute after `t` at which Allows changes its answer, e.g. to say "resumes at
  // 18:00"; none when the answer is the same all week.
  std::optional<LocalMinutes> NextChange(LocalSeconds t) const;

 private:
  static constexpr int kMinutesPerDay = 24 * 60;
  using DayMinutes = std::bitset<kMinutesPerDay>;

  bool AllowsMinute(int weekday, int minute) const { return allowed_[weekday][minute]; }

  // Indexed by weekday, Sunday = 0 (std::chrono::weekday::c_encoding).
  std::array<DayMinutes, 7> allowed_;
};

}  // namespace potluck::activity

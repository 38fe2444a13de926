#include "activity/schedule.h"

#include <ctime>
#include <string_view>
#include <utility>
#include <vector>

#include "potluck/base/quoted.h"

namespace potluck::activity {
namespace {

using std::chrono::days;
using std::chrono::minutes;

// Day keys in std::chrono::weekday's c_encoding order: Sunday = 0.
constexpr std::array<std::string_view, 7> kDayKeys = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::string_view kDailyKey = "daily";

struct Window {
  int start_minute = 0;
  int end_minute = 0;  // not after start_minute: the window ends on the next day
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses "HH:MM" into minutes of the day, or says what is wrong with it.
Result<int> ParseClock(std::string_view text) {
  if (text.size() != 5 || !IsDigit(text[0]) || !IsDigit(text[1]) || text[2] != ':' || !IsDigit(text[3]) ||
      !IsDigit(text[4])) {
    return InvalidArgument("expected HH:MM-HH:MM, or all or none alone");
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (hour > 23) return InvalidArgument("hour must be 00 to 23");
  if (minute > 59) return InvalidArgument("minute must be 00 to 59");
  return hour * 60 + minute;
}

Result<Window> ParseWindow(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return InvalidArgument("expected HH:MM-HH:MM, or all or none alone");
  auto start = ParseClock(text.substr(0, dash));
  if (!start.ok()) return start.status();
  auto end = ParseClock(text.substr(dash + 1));
  if (!end.ok()) return end.status();
  return Window{*start, *end};
}

// The windows of one key's value; `all` is the window that starts and ends at midnight.
Result<std::vector<Window>> ParseDay(const std::string& key, std::string_view value) {
  auto error = [&](std::string_view part, const std::string& why) {
    return InvalidArgument("schedule." + key + ": " + Quoted(part) + ": " + why);
  };
  value = Trim(value);
  if (value == "none") return std::vector<Window>{};
  if (value == "all") return std::vector<Window>{{0, 0}};
  if (value.empty()) return error(value, "empty; use all, none or HH:MM-HH:MM windows");
  std::vector<Window> windows;
  while (true) {
    const size_t comma = value.find(',');
    const std::string_view part = Trim(value.substr(0, comma));
    auto window = ParseWindow(part);
    if (!window.ok()) return error(part, window.status().message());
    windows.push_back(*window);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return windows;
}

// Which weekday (c_encoding) a key names, or -1 for `daily`.
Result<int> DayOfKey(const std::string& key) {
  if (key == kDailyKey) return -1;
  for (int day = 0; day < 7; ++day) {
    if (key == kDayKeys[day]) return day;
  }
  return InvalidArgument("schedule: unknown key " + Quoted(key) + "; use daily, mon, tue, wed, thu, fri, sat or sun");
}

}  // namespace

LocalSeconds LocalTimeOf(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm local{};
  localtime_r(&seconds, &local);
  const std::chrono::year_month_day date{std::chrono::year{local.tm_year + 1900},
                                         std::chrono::month{static_cast<unsigned>(local.tm_mon + 1)},
                                         std::chrono::day{static_cast<unsigned>(local.tm_mday)}};
  return std::chrono::local_days{date} + std::chrono::hours{local.tm_hour} + minutes{local.tm_min} +
         std::chrono::seconds{local.tm_sec};
}

Schedule::Schedule() {
  for (auto& day : allowed_) day.set();
}

Result<Schedule> Schedule::Parse(const std::map<std::string, std::string>& days) {
  Schedule schedule;
  if (days.empty()) return schedule;

  std::optional<std::vector<Window>> daily;
  std::array<std::optional<std::vector<Window>>, 7> own;
  for (const auto& [key, value] : days) {
    auto day = DayOfKey(key);
    if (!day.ok()) return day.status();
    auto windows = ParseDay(key, value);
    if (!windows.ok()) return windows.status();
    (*day < 0 ? daily : own[*day]) = std::move(*windows);
  }

  for (auto& day : schedule.allowed_) day.reset();
  for (int day = 0; day < 7; ++day) {
    const auto& windows = own[day] ? own[day] : daily;
    if (!windows) continue;
    DayMinutes& today = schedule.allowed_[day];
    DayMinutes& tomorrow = schedule.allowed_[(day + 1) % 7];
    for (const Window& w : *windows) {
      if (w.end_minute > w.start_minute) {
        for (int m = w.start_minute; m < w.end_minute; ++m) today.set(m);
      } else {
        for (int m = w.start_minute; m < kMinutesPerDay; ++m) today.set(m);
        for (int m = 0; m < w.end_minute; ++m) tomorrow.set(m);
      }
    }
  }
  return schedule;
}

bool Schedule::Allows(LocalSeconds t) const {
  const auto day = std::chrono::floor<days>(t);
  const auto minute = std::chrono::floor<minutes>(t - day);
  return AllowsMinute(std::chrono::weekday{day}.c_encoding(), static_cast<int>(minute.count()));
}

std::optional<LocalMinutes> Schedule::NextChange(LocalSeconds t) const {
  // A week of minutes is ten thousand bit tests: cheap enough for a status line.
  const bool now = Allows(t);
  LocalMinutes next = std::chrono::floor<minutes>(t);
  for (int i = 0; i < 7 * kMinutesPerDay; ++i) {
    next += minutes{1};
    if (Allows(next) != now) return next;
  }
  return std::nullopt;
}

}  // namespace potluck::activity

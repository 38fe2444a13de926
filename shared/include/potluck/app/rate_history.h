// How much a growing total grew in each wall-clock minute, for the dashboard's chart of units
// verified per minute. Bounded: the last kMinutesMax minutes. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include <nlohmann/json.hpp>

#include "potluck/base/time.h"

namespace potluck {

class RateHistory {
 public:
  static constexpr size_t kMinutesMax = 120;

  // `total` counts from zero at the start of the process and never goes down.
  void Record(TimePoint now, uint64_t total);

  // [{"minute_unix_ms": start of the minute, "count": growth in it}], oldest first, one entry
  // for every minute from the first record (or kMinutesMax ago) to the latest.
  nlohmann::json ToJson() const;

 private:
  static constexpr int64_t kMinuteMs = 60'000;
  std::deque<std::pair<int64_t, uint64_t>> minutes_;  // (minute_unix_ms, count)
  uint64_t last_total_ = 0;
};

}  // namespace potluck

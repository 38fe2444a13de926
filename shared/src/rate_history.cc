#include "potluck/app/rate_history.h"

namespace potluck {

void RateHistory::Record(TimePoint now, uint64_t total) {
  const int64_t minute = ToUnixMs(now) / kMinuteMs * kMinuteMs;
  // A clock set back, or a gap longer than the history, starts the history again.
  if (!minutes_.empty() &&
      (minute < minutes_.back().first || minute - minutes_.back().first >= int64_t{kMinutesMax} * kMinuteMs)) {
    minutes_.clear();
  }
  if (minutes_.empty()) minutes_.push_back({minute, 0});
  while (minutes_.back().first < minute) minutes_.push_back({minutes_.back().first + kMinuteMs, 0});
  while (minutes_.size() > kMinutesMax) minutes_.pop_front();
  if (total > last_total_) minutes_.back().second += total - last_total_;
  last_total_ = total;
}

nlohmann::json RateHistory::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [minute, count] : minutes_) out.push_back({{"minute_unix_ms", minute}, {"count", count}});
  return out;
}

}  // namespace potluck

// One way of telling how long ago the user last touched the keyboard or the mouse.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace potluck::activity {

// CLOCK_MONOTONIC on Linux, the clock logind's IdleSinceHintMonotonic is counted on.
using IdleClock = std::chrono::steady_clock;
using IdleDuration = std::chrono::milliseconds;

// Not thread-safe: one owner polls it, about once a second.
class IdleSource {
 public:
  virtual ~IdleSource() = default;
  // A short name for the worker's status, e.g. "x11 :0" or "input devices (3)".
  virtual std::string Describe() const = 0;
  // Time since the last input this source saw, as of `now`; none when it cannot tell right now
  // (its display or bus went away). Must not block for long: at most a local round trip.
  virtual std::optional<IdleDuration> IdleTime(IdleClock::time_point now) = 0;
};

}  // namespace potluck::activity

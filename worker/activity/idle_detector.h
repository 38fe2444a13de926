// How long since the volunteer last touched the keyboard or the mouse, from every source this
// machine offers: the X11 screen saver extension, logind's idle hint, the input devices.
//
// Any source that saw recent input means the user is here, so the detector answers the least
// idle time among its sources. With no source it cannot tell; the caller then treats the
// machine as never idle and says so in its status.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "activity/idle_source.h"

namespace potluck::activity {

// Which sources to try. The worker fills it from its environment (IdleSourcesFromEnvironment)
// and its configuration; tests point it at their own display, bus and folder.
struct IdleSourcesConfig {
  std::string x11_display;                // empty: no X11
  bool logind = true;                     // the bus is the one DBUS_SYSTEM_BUS_ADDRESS names
  std::string input_dir = "/dev/input";   // empty: no input devices
};

// X11 on $DISPLAY when it is set, logind, and /dev/input.
IdleSourcesConfig IdleSourcesFromEnvironment();

// Not thread-safe: one owner polls it, about once a second; each poll is cheap (a round trip
// to the X server and to logind, a few non-blocking reads).
class IdleDetector {
 public:
  // Opens each configured source that works now. Those that do not are listed in unavailable()
  // with the reason, and not tried again: restart the worker to pick them up.
  static IdleDetector Open(const IdleSourcesConfig& config);
  // For tests and for callers that build their own sources.
  explicit IdleDetector(std::vector<std::unique_ptr<IdleSource>> sources);

  // The sources in use, e.g. {"x11 :0", "logind"}.
  std::vector<std::string> sources() const;
  // Why each configured source that is not in use could not be opened, one line each.
  const std::vector<std::string>& unavailable() const { return unavailable_; }
  // One line for the worker's status: what is in use and what is not, and why.
  std::string Describe() const;

  // The least idle time among the sources that can tell now; none when none can.
  std::optional<IdleDuration> IdleTime(IdleClock::time_point now);

 private:
  std::vector<std::unique_ptr<IdleSource>> sources_;
  std::vector<std::string> unavailable_;
};

}  // namespace potluck::activity

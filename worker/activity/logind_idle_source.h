// Idle time from systemd-logind's IdleHint, over the system D-Bus (sd-bus, from libsystemd,
// which is loaded with dlopen when a source is opened).
//
// logind's Manager joins the idle hints of all sessions: it is idle when every session is. A
// Wayland or X desktop sets its session's hint after its own idle delay (often minutes), and
// logind sets it for text sessions from their terminal's last use, so this source is coarse: it
// says "active now" until the desktop calls the session idle, then counts from that moment.
// It needs no permission: the properties are readable by everyone.
#pragma once

#include <memory>
#include <string>

#include "activity/idle_source.h"
#include "potluck/base/status.h"

namespace potluck::activity {

class LogindIdleSource final : public IdleSource {
 public:
  // Loads libsystemd, connects to the system bus (sd_bus_open_system, which honours
  // DBUS_SYSTEM_BUS_ADDRESS) and reads IdleHint once. Unavailable when there is no libsystemd,
  // no bus or no logind on it.
  static Result<std::unique_ptr<LogindIdleSource>> Open();
  ~LogindIdleSource() override;

  std::string Describe() const override { return "logind"; }
  // Zero while logind says the user is active; otherwise time since IdleSinceHintMonotonic.
  // Each call is one or two method calls on the bus, bounded by a short timeout. When the bus
  // connection breaks, gives none and reconnects now and then.
  std::optional<IdleDuration> IdleTime(IdleClock::time_point now) override;

 private:
  struct Bus;  // the loaded library, its functions we call, and the connection

  explicit LogindIdleSource(std::unique_ptr<Bus> bus);

  std::unique_ptr<Bus> bus_;
  IdleClock::time_point last_connect_attempt_{};
};

}  // namespace potluck::activity

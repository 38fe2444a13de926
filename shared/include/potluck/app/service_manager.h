// Talks to systemd when it started this process as a Type=notify service: ready, still alive
// (the watchdog), a status line, stopping. Without systemd (no NOTIFY_SOCKET) every call does
// nothing, so programs call it unconditionally.
#pragma once

#include <string>
#include <string_view>

#include "potluck/base/time.h"

namespace potluck {

class ServiceManager {
 public:
  // Reads the notification socket and the watchdog interval systemd set, if any.
  ServiceManager();
  ~ServiceManager();
  ServiceManager(const ServiceManager&) = delete;
  ServiceManager& operator=(const ServiceManager&) = delete;

  void Ready(const std::string& status);
  void Status(const std::string& status);
  // Pets the watchdog at half its interval; call it from the event loop, so a stuck loop is
  // what systemd notices.
  void KeepAlive(TimePoint now);
  // When KeepAlive next has something to do: never without a watchdog.
  TimePoint NextKeepAlive() const { return watchdog_interval_.count() == 0 ? TimePoint::max() : next_keep_alive_; }
  void Stopping();

 private:
  void Notify(std::string_view message);

  int socket_ = -1;  // a datagram socket connected to systemd's; -1 without one
  Duration watchdog_interval_{0};  // zero: no watchdog
  TimePoint next_keep_alive_{};
};

}  // namespace potluck

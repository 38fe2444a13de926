#include "potluck/app/service_manager.h"

#include <systemd/sd-daemon.h>

namespace potluck {

ServiceManager::ServiceManager() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) watchdog_interval_ = std::chrono::duration_cast<Duration>(std::chrono::microseconds(usec));
}

void ServiceManager::Ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceManager::Status(const std::string& status) { sd_notifyf(0, "STATUS=%s", status.c_str()); }

void ServiceManager::KeepAlive(TimePoint now) {
  if (watchdog_interval_.count() == 0 || now < next_keep_alive_) return;
  sd_notify(0, "WATCHDOG=1");
  next_keep_alive_ = now + watchdog_interval_ / 2;
}

void ServiceManager::Stopping() { sd_notify(0, "STOPPING=1"); }

}  // namespace potluck

// Idle time from the kernel's input devices: any key, button or motion event read from
// /dev/input/event* means the user is here now.
//
// Reading the devices needs the `input` group (a systemd unit gives it with
// SupplementaryGroups=input). The events are read only to be counted and are never kept.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "activity/idle_source.h"
#include "potluck/base/status.h"

namespace potluck::activity {

class InputDeviceIdleSource final : public IdleSource {
 public:
  // Opens, non-blocking, every readable `dir`/event* that is a character device (or a FIFO, so
  // that tests can stand in for devices). Unavailable when none can be opened. `now` is when
  // idle time starts counting, as nothing is known about input before the devices were opened.
  static Result<std::unique_ptr<InputDeviceIdleSource>> Open(const std::string& dir, IdleClock::time_point now);
  ~InputDeviceIdleSource() override;

  std::string Describe() const override;
  // Reads what the devices queued since the last call (a bounded amount per device), and looks
  // for new devices now and then. Never none once opened.
  std::optional<IdleDuration> IdleTime(IdleClock::time_point now) override;

 private:
  struct Device {
    int fd = -1;
    std::vector<char> partial;  // the start of a record a FIFO gave only in part
  };

  InputDeviceIdleSource(std::string dir, IdleClock::time_point now) : dir_(std::move(dir)), last_input_(now) {}
  // Opens the devices not open yet; returns why the first one that failed could not be opened.
  std::string Scan();
  // Reads a device; false when it is gone (unplugged).
  bool Drain(Device& device, IdleClock::time_point now);

  std::string dir_;
  std::map<std::string, Device> devices_;  // by path
  IdleClock::time_point last_input_;
  IdleClock::time_point last_scan_{};
};

}  // namespace potluck::activity

#include "activity/input_device_idle_source.h"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace potluck::activity {
namespace {

// How often the folder is looked at again for devices plugged in since.
constexpr auto kRescanInterval = std::chrono::seconds(10);
// A machine has a few dozen input devices at most; more event files than this are not ours to read.
constexpr size_t kDevicesMax = 64;
// Records read from one device per poll: a second of fast mouse motion is about a thousand.
// Whatever is left is read at the next poll, and one record already says "active".
constexpr size_t kRecordsPerPollMax = 4096;
constexpr size_t kRecordsPerRead = 64;

// Events a person makes with a hand; switches (a laptop lid, a headphone jack), LEDs and sync
// markers say nothing about whether someone is at the machine.
bool IsUserInput(const input_event& event) {
  return event.type == EV_KEY || event.type == EV_REL || event.type == EV_ABS;
}

}  // namespace

Result<std::unique_ptr<InputDeviceIdleSource>> InputDeviceIdleSource::Open(const std::string& dir,
                                                                           IdleClock::time_point now) {
  std::unique_ptr<InputDeviceIdleSource> source(new InputDeviceIdleSource(dir, now));
  source->last_scan_ = now;
  const std::string failure = source->Scan();
  if (source->devices_.empty()) {
    return Unavailable("input devices: " + (failure.empty() ? "no event devices in " + dir : failure));
  }
  return source;
}

InputDeviceIdleSource::~InputDeviceIdleSource() {
  for (auto& [path, device] : devices_) close(device.fd);
}

std::string InputDeviceIdleSource::Describe() const {
  return "input devices (" + std::to_string(devices_.size()) + ")";
}

std::string InputDeviceIdleSource::Scan() {
  std::string failure;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string path = entry.path().string();
    if (!entry.path().filename().string().starts_with("event") || devices_.contains(path)) continue;
    if (devices_.size() >= kDevicesMax) break;
    struct stat info {};
    if (stat(path.c_str(), &info) != 0 || !(S_ISCHR(info.st_mode) || S_ISFIFO(info.st_mode))) continue;
    const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      if (failure.empty()) {
        failure = "cannot open " + path + ": " + std::strerror(errno);
        if (errno == EACCES) failure += " (the worker needs the input group)";
      }
      continue;
    }
    devices_[path].fd = fd;
  }
  if (ec && failure.empty()) failure = "cannot list " + dir_ + ": " + ec.message();
  return failure;
}

bool InputDeviceIdleSource::Drain(Device& device, IdleClock::time_point now) {
  std::array<char, kRecordsPerRead * sizeof(input_event)> buffer;
  for (size_t records = 0; records < kRecordsPerPollMax; records += kRecordsPerRead) {
    const ssize_t n = read(device.fd, buffer.data(), buffer.size());
    if (n == 0) return true;  // a FIFO without a writer; a device never says end of file
    if (n < 0) return errno == EAGAIN || errno == EINTR;  // ENODEV: unplugged
    device.partial.insert(device.partial.end(), buffer.data(), buffer.data() + n);
    size_t used = 0;
    for (; used + sizeof(input_event) <= device.partial.size(); used += sizeof(input_event)) {
      input_event event;
      std::memcpy(&event, device.partial.data() + used, sizeof event);
      if (IsUserInput(event)) last_input_ = now;
    }
    device.partial.erase(device.partial.begin(), device.partial.begin() + static_cast<ptrdiff_t>(used));
  }
  return true;
}

std::optional<IdleDuration> InputDeviceIdleSource::IdleTime(IdleClock::time_point now) {
  if (now - last_scan_ >= kRescanInterval) {
    last_scan_ = now;
    (void)Scan();  // a device we cannot open now is simply not watched
  }
  for (auto it = devices_.begin(); it != devices_.end();) {
    if (Drain(it->second, now)) {
      ++it;
    } else {
      close(it->second.fd);
      it = devices_.erase(it);
    }
  }
  if (now <= last_input_) return IdleDuration::zero();
  return std::chrono::duration_cast<IdleDuration>(now - last_input_);
}

}  // namespace potluck::activity

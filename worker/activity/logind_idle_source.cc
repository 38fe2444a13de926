#include "activity/logind_idle_source.h"

#include <systemd/sd-bus.h>

#include <cstring>

namespace potluck::activity {
namespace {

constexpr const char* kService = "org.freedesktop.login1";
constexpr const char* kPath = "/org/freedesktop/login1";
constexpr const char* kManager = "org.freedesktop.login1.Manager";

// logind answers from memory; a slow answer means something is wrong, and the caller polls
// from its event loop, so it must not wait long.
constexpr uint64_t kCallTimeoutUsec = 500'000;
// How often a source whose bus went away tries to connect again.
constexpr auto kReconnectInterval = std::chrono::seconds(10);

std::string ErrorText(int r, const sd_bus_error& error) {
  return error.message ? error.message : std::strerror(-r);
}

Result<sd_bus*> Connect() {
  sd_bus* bus = nullptr;
  if (int r = sd_bus_open_system(&bus); r < 0) {
    return Unavailable(std::string("logind: cannot connect to the system bus: ") + std::strerror(-r));
  }
  sd_bus_set_method_call_timeout(bus, kCallTimeoutUsec);
  return bus;
}

// The time since logind's idle hint was set, or zero when it is not set.
Result<IdleDuration> ReadIdleTime(sd_bus* bus, IdleClock::time_point now) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  int idle_hint = 0;
  int r = sd_bus_get_property_trivial(bus, kService, kPath, kManager, "IdleHint", &error, 'b', &idle_hint);
  if (r < 0) {
    Status status = Unavailable("logind: cannot read IdleHint: " + ErrorText(r, error));
    sd_bus_error_free(&error);
    return status;
  }
  if (!idle_hint) return IdleDuration::zero();

  uint64_t since_usec = 0;
  r = sd_bus_get_property_trivial(bus, kService, kPath, kManager, "IdleSinceHintMonotonic", &error, 't',
                                  &since_usec);
  if (r < 0) {
    Status status = Unavailable("logind: cannot read IdleSinceHintMonotonic: " + ErrorText(r, error));
    sd_bus_error_free(&error);
    return status;
  }
  // Zero means idle since boot, e.g. no session at all; the hint is on CLOCK_MONOTONIC, as is
  // IdleClock.
  const auto since = IdleClock::time_point(std::chrono::microseconds(since_usec));
  if (since >= now) return IdleDuration::zero();
  return std::chrono::duration_cast<IdleDuration>(now - since);
}

}  // namespace

Result<std::unique_ptr<LogindIdleSource>> LogindIdleSource::Open() {
  auto bus = Connect();
  if (!bus.ok()) return bus.status();
  std::unique_ptr<LogindIdleSource> source(new LogindIdleSource(*bus));
  auto idle = ReadIdleTime(*bus, IdleClock::now());
  if (!idle.ok()) return idle.status();
  return source;
}

LogindIdleSource::~LogindIdleSource() { sd_bus_flush_close_unref(bus_); }

std::optional<IdleDuration> LogindIdleSource::IdleTime(IdleClock::time_point now) {
  if (!bus_) {
    if (now - last_connect_attempt_ < kReconnectInterval) return std::nullopt;
    last_connect_attempt_ = now;
    auto bus = Connect();
    if (!bus.ok()) return std::nullopt;
    bus_ = *bus;
  }
  auto idle = ReadIdleTime(bus_, now);
  if (idle.ok()) return *idle;
  // A broken connection is replaced later; a live one stays, as logind may just be restarting.
  if (sd_bus_is_open(bus_) <= 0) {
    bus_ = sd_bus_flush_close_unref(bus_);
    last_connect_attempt_ = now;
  }
  return std::nullopt;
}

}  // namespace potluck::activity

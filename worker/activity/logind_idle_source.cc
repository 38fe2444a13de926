#include "activity/logind_idle_source.h"

#include <systemd/sd-bus.h>

#include <cstring>

#include "activity/loaded_library.h"

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

}  // namespace

// libsystemd is loaded only for this source: with the compression and crypto libraries it
// brings, it would otherwise keep about 1.2 MB resident in every worker.
struct LogindIdleSource::Bus {
  std::unique_ptr<LoadedLibrary> library;
  decltype(&sd_bus_open_system) open_system = nullptr;
  decltype(&sd_bus_set_method_call_timeout) set_method_call_timeout = nullptr;
  decltype(&sd_bus_get_property_trivial) get_property_trivial = nullptr;
  decltype(&sd_bus_error_free) error_free = nullptr;
  decltype(&sd_bus_is_open) is_open = nullptr;
  decltype(&sd_bus_flush_close_unref) flush_close_unref = nullptr;
  sd_bus* bus = nullptr;  // null while disconnected

  ~Bus() { Close(); }

  static Result<std::unique_ptr<Bus>> Load() {
    auto library = LoadedLibrary::Load("libsystemd.so.0");
    if (!library.ok()) return Unavailable("logind: " + library.status().message());
    auto bus = std::make_unique<Bus>();
    bus->library = std::move(library.value());
    const LoadedLibrary& l = *bus->library;
    const bool found = l.Find("sd_bus_open_system", bus->open_system) &
                       l.Find("sd_bus_set_method_call_timeout", bus->set_method_call_timeout) &
                       l.Find("sd_bus_get_property_trivial", bus->get_property_trivial) &
                       l.Find("sd_bus_error_free", bus->error_free) & l.Find("sd_bus_is_open", bus->is_open) &
                       l.Find("sd_bus_flush_close_unref", bus->flush_close_unref);
    if (!found) return Unavailable("logind: libsystemd lacks a function we need");
    return bus;
  }

  Status Connect() {
    if (int r = open_system(&bus); r < 0) {
      bus = nullptr;
      return Unavailable(std::string("logind: cannot connect to the system bus: ") + std::strerror(-r));
    }
    set_method_call_timeout(bus, kCallTimeoutUsec);
    return Status::Ok();
  }

  void Close() {
    if (bus) bus = flush_close_unref(bus);
  }

  // A property of logind's Manager, of D-Bus type `type`.
  Status Read(const char* property, char type, void* value) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int r = get_property_trivial(bus, kService, kPath, kManager, property, &error, type, value);
    if (r >= 0) return Status::Ok();
    Status status = Unavailable(std::string("logind: cannot read ") + property + ": " + ErrorText(r, error));
    error_free(&error);
    return status;
  }

  // The time since logind's idle hint was set, or zero when it is not set.
  Result<IdleDuration> IdleTime(IdleClock::time_point now) {
    int idle_hint = 0;
    if (Status s = Read("IdleHint", 'b', &idle_hint); !s.ok()) return s;
    if (!idle_hint) return IdleDuration::zero();
    uint64_t since_usec = 0;
    if (Status s = Read("IdleSinceHintMonotonic", 't', &since_usec); !s.ok()) return s;
    // Zero means idle since boot, e.g. no session at all; the hint is on CLOCK_MONOTONIC, as is
    // IdleClock.
    const auto since = IdleClock::time_point(std::chrono::microseconds(since_usec));
    if (since >= now) return IdleDuration::zero();
    return std::chrono::duration_cast<IdleDuration>(now - since);
  }
};

Result<std::unique_ptr<LogindIdleSource>> LogindIdleSource::Open() {
  auto bus = Bus::Load();
  if (!bus.ok()) return bus.status();
  if (Status s = bus.value()->Connect(); !s.ok()) return s;
  auto idle = bus.value()->IdleTime(IdleClock::now());
  if (!idle.ok()) return idle.status();
  return std::unique_ptr<LogindIdleSource>(new LogindIdleSource(std::move(bus.value())));
}

LogindIdleSource::LogindIdleSource(std::unique_ptr<Bus> bus) : bus_(std::move(bus)) {}

LogindIdleSource::~LogindIdleSource() = default;

std::optional<IdleDuration> LogindIdleSource::IdleTime(IdleClock::time_point now) {
  if (!bus_->bus) {
    if (now - last_connect_attempt_ < kReconnectInterval) return std::nullopt;
    last_connect_attempt_ = now;
    if (!bus_->Connect().ok()) return std::nullopt;
  }
  auto idle = bus_->IdleTime(now);
  if (idle.ok()) return *idle;
  // A broken connection is replaced later; a live one stays, as logind may just be restarting.
  if (bus_->is_open(bus_->bus) <= 0) {
    bus_->Close();
    last_connect_attempt_ = now;
  }
  return std::nullopt;
}

}  // namespace potluck::activity

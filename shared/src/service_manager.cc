// systemd's notification protocol is a stable interface (see sd_notify(3)): one datagram of
// "KEY=value" lines to the socket NOTIFY_SOCKET names. It is spoken here directly because
// libsystemd, with the compression and crypto libraries it loads, kept about 1.2 MB resident in
// every idle worker for these four messages.
#include "potluck/app/service_manager.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace potluck {
namespace {

// The socket's address: a path, or a name in the abstract namespace when it starts with '@'.
// Nothing for anything else (systemd may also name a vsock address, which a local worker
// never gets).
bool NotifyAddress(const char* name, sockaddr_un& address, socklen_t& length) {
  if (name == nullptr || (name[0] != '/' && name[0] != '@')) return false;
  const size_t size = std::strlen(name);
  if (size < 2 || size > sizeof(address.sun_path)) return false;
  address = {};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name, size);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + size);
  return true;
}

// WATCHDOG_USEC, unless WATCHDOG_PID says it was meant for another process.
Duration WatchdogInterval() {
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr && std::atol(pid) != getpid()) {
    return Duration{0};
  }
  const char* usec = std::getenv("WATCHDOG_USEC");
  uint64_t value = 0;
  if (usec == nullptr || std::from_chars(usec, usec + std::strlen(usec), value).ec != std::errc()) {
    return Duration{0};
  }
  return std::chrono::duration_cast<Duration>(std::chrono::microseconds(value));
}

}  // namespace

ServiceManager::ServiceManager() {
  sockaddr_un address;
  socklen_t length = 0;
  if (!NotifyAddress(std::getenv("NOTIFY_SOCKET"), address, length)) return;
  socket_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (socket_ >= 0 && connect(socket_, reinterpret_cast<const sockaddr*>(&address), length) != 0) {
    close(socket_);
    socket_ = -1;
  }
  if (socket_ >= 0) watchdog_interval_ = WatchdogInterval();
}

ServiceManager::~ServiceManager() {
  if (socket_ >= 0) close(socket_);
}

void ServiceManager::Notify(std::string_view message) {
  // Best effort, as systemd expects: a message it misses changes nothing here.
  if (socket_ >= 0) (void)send(socket_, message.data(), message.size(), MSG_NOSIGNAL);
}

void ServiceManager::Ready(const std::string& status) { Notify("READY=1\nSTATUS=" + status); }

void ServiceManager::Status(const std::string& status) { Notify("STATUS=" + status); }

void ServiceManager::KeepAlive(TimePoint now) {
  if (watchdog_interval_.count() == 0 || now < next_keep_alive_) return;
  Notify("WATCHDOG=1");
  next_keep_alive_ = now + watchdog_interval_ / 2;
}

void ServiceManager::Stopping() { Notify("STOPPING=1"); }

}  // namespace potluck

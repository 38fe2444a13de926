#include "potluck/app/service_manager.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace potluck {
namespace {

// systemd's end of the notify socket, in the abstract namespace (NOTIFY_SOCKET "@name"), as
// systemd itself names it for services.
class AbstractNotifySocket {
 public:
  AbstractNotifySocket() : name_("@potluck-notify-test-" + std::to_string(getpid())) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    name_.copy(address.sun_path, name_.size());
    address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    EXPECT_EQ(bind(fd_, reinterpret_cast<const sockaddr*>(&address), length), 0);
    timeval timeout{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~AbstractNotifySocket() { close(fd_); }
  const std::string& name() const { return name_; }
  // The next message, or "" after a second without one.
  std::string Receive() {
    char buffer[512];
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

 private:
  std::string name_;
  int fd_ = -1;
};

class ServiceManagerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}) unsetenv(name);
  }
};

TEST_F(ServiceManagerTest, SpeaksToAnAbstractSocketAndPetsTheWatchdogAtHalfItsInterval) {
  AbstractNotifySocket systemd;
  setenv("NOTIFY_SOCKET", systemd.name().c_str(), 1);
  setenv("WATCHDOG_USEC", "4000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  ServiceManager service;
  service.Ready("joined");
  EXPECT_EQ(systemd.Receive(), "READY=1\nSTATUS=joined");
  const TimePoint now{};
  service.KeepAlive(now);
  EXPECT_EQ(systemd.Receive(), "WATCHDOG=1");
  EXPECT_EQ(service.NextKeepAlive(), now + std::chrono::seconds(2));
  service.KeepAlive(now + std::chrono::seconds(1));  // not due: nothing sent
  service.Stopping();
  EXPECT_EQ(systemd.Receive(), "STOPPING=1");
}

TEST_F(ServiceManagerTest, AWatchdogMeantForAnotherProcessIsNotPetted) {
  AbstractNotifySocket systemd;
  setenv("NOTIFY_SOCKET", systemd.name().c_str(), 1);
  setenv("WATCHDOG_USEC", "4000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  ServiceManager service;
  EXPECT_EQ(service.NextKeepAlive(), TimePoint::max());
  service.KeepAlive(TimePoint{});
  service.Status("still here");
  EXPECT_EQ(systemd.Receive(), "STATUS=still here");
}

TEST_F(ServiceManagerTest, WithoutSystemdEveryCallDoesNothing) {
  setenv("WATCHDOG_USEC", "4000000", 1);
  for (const char* socket : {static_cast<const char*>(nullptr), "", "relative/path", "@"}) {
    if (socket) setenv("NOTIFY_SOCKET", socket, 1);
    ServiceManager service;
    EXPECT_EQ(service.NextKeepAlive(), TimePoint::max()) << (socket ? socket : "unset");
    service.Ready("joined");
    service.KeepAlive(TimePoint{});
    service.Stopping();
  }
}

}  // namespace
}  // namespace potluck

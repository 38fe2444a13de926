// The idle sources against real servers: an X server (Xvfb, moved with xdotool) and a private
// D-Bus with a stand-in for logind that this test serves itself with sd-bus.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "activity/idle_detector.h"
#include "activity/logind_idle_source.h"
#include "activity/x11_idle_source.h"
#include "integration/process.h"

namespace potluck::activity {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using potluck::testing::Eventually;
using potluck::testing::Process;
using potluck::testing::RunCommand;
using potluck::testing::TempDir;

// The full path of a program on PATH, or empty.
std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "";
}

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// An Xvfb on a display number no one uses, and a source connected to it.
struct VirtualDisplay {
  std::unique_ptr<Process> server;
  std::string name;
  std::unique_ptr<X11IdleSource> source;
};

std::optional<VirtualDisplay> StartXvfb(const std::string& xvfb, const TempDir& dir) {
  constexpr int kAttemptsMax = 5;
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    const int number = 100 + (getpid() * 7 + attempt * 13) % 400;
    if (fs::exists("/tmp/.X" + std::to_string(number) + "-lock")) continue;
    VirtualDisplay display;
    display.name = ":" + std::to_string(number);
    display.server = std::make_unique<Process>(
        std::vector<std::string>{xvfb, display.name, "-nolisten", "tcp", "-screen", "0", "640x480x24"},
        dir.path() / ("xvfb" + std::to_string(number) + ".log"));
    // Ready when a client can connect; gone when another server got the number first.
    Eventually(
        [&] {
          if (display.server->Poll()) return true;
          auto source = X11IdleSource::Open(display.name);
          if (source.ok()) display.source = std::move(*source);
          return display.source != nullptr;
        },
        15s);
    if (display.source) return display;
  }
  return std::nullopt;
}

TEST(X11IdleSourceHostTest, IdleTimeGrowsAndMouseMotionResetsIt) {
  const std::string xvfb = FindProgram("Xvfb"), xdotool = FindProgram("xdotool");
  if (xvfb.empty() || xdotool.empty()) GTEST_SKIP() << "needs Xvfb and xdotool (scripts/deps installs them)";
  TempDir dir;
  std::optional<VirtualDisplay> display = StartXvfb(xvfb, dir);
  ASSERT_TRUE(display) << "no Xvfb came up; logs in " << dir.path();
  X11IdleSource& source = *display->source;
  EXPECT_EQ(source.Describe(), "x11 " + display->name);

  const auto before = source.IdleTime(IdleClock::now());
  ASSERT_TRUE(before);
  std::this_thread::sleep_for(1200ms);
  const auto later = source.IdleTime(IdleClock::now());
  ASSERT_TRUE(later);
  EXPECT_GE(*later, *before + 1000ms);

  ScopedEnv env("DISPLAY", display->name);
  const auto moved = RunCommand({xdotool, "mousemove", "17", "23"}, 10s);
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  const auto after = source.IdleTime(IdleClock::now());
  ASSERT_TRUE(after);
  EXPECT_LT(*after, *later);

  // The detector opens the display named by DISPLAY.
  IdleDetector detector = IdleDetector::Open({.x11_display = IdleSourcesFromEnvironment().x11_display,
                                              .logind = false, .input_dir = ""});
  EXPECT_EQ(detector.sources(), (std::vector<std::string>{"x11 " + display->name}));
  EXPECT_TRUE(detector.IdleTime(IdleClock::now()).has_value());

  // The X server going away must not end this process: the source just cannot tell.
  display->server->Stop();
  EXPECT_FALSE(source.IdleTime(IdleClock::now()).has_value());
  EXPECT_FALSE(detector.IdleTime(IdleClock::now()).has_value());
}

TEST(X11IdleSourceHostTest, DisplayThatDoesNotAnswerIsUnavailable) {
  auto source = X11IdleSource::Open(":99999");
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message().rfind("x11: ", 0), 0u) << source.status().message();
}

// A dbus-daemon configured like a system bus that lets everyone do everything, on a socket in
// a temp folder.
// Whether a server accepts connections on a Unix socket: its file appears at bind(), before listen().
bool AcceptsConnections(const fs::path& socket_path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  const bool connected = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

class PrivateSystemBus {
 public:
  PrivateSystemBus(const std::string& dbus_daemon, const TempDir& dir, const std::string& tag)
      : socket_(dir.path() / (tag + ".socket")) {
    const fs::path config = dir.path() / (tag + ".conf");
    std::ofstream(config) << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                             " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                             "<busconfig>\n"
                             "  <type>system</type>\n"
                             "  <listen>unix:path=" << socket_.string() << "</listen>\n"
                             "  <auth>EXTERNAL</auth>\n"
                             "  <policy context=\"default\">\n"
                             "    <allow user=\"*\"/>\n"
                             "    <allow own=\"*\"/>\n"
                             "    <allow send_destination=\"*\"/>\n"
                             "    <allow receive_sender=\"*\"/>\n"
                             "  </policy>\n"
                             "</busconfig>\n";
    daemon_ = std::make_unique<Process>(
        std::vector<std::string>{dbus_daemon, "--config-file=" + config.string(), "--nofork", "--nopidfile",
                                 "--nosyslog"},
        dir.path() / (tag + ".log"));
    ready_ = Eventually([&] { return AcceptsConnections(socket_) || daemon_->Poll(); }, 15s) && !daemon_->Poll();
  }

  bool ready() const { return ready_; }
  std::string address() const { return "unix:path=" + socket_.string(); }
  void Stop() { daemon_->Stop(); }

 private:
  fs::path socket_;
  std::unique_ptr<Process> daemon_;
  bool ready_ = false;
};

// org.freedesktop.login1 with only the Manager's idle properties, served on its own thread.
class FakeLogind {
 public:
  std::atomic<bool> idle_hint{false};
  std::atomic<uint64_t> idle_since_monotonic_usec{0};

  explicit FakeLogind(const std::string& address) {
    if (sd_bus_new(&bus_) < 0 || sd_bus_set_address(bus_, address.c_str()) < 0 ||
        sd_bus_set_bus_client(bus_, 1) < 0 || sd_bus_start(bus_) < 0 ||
        sd_bus_add_object_vtable(bus_, nullptr, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
                                 kVtable, this) < 0 ||
        sd_bus_request_name(bus_, "org.freedesktop.login1", 0) < 0) {
      return;
    }
    serving_ = true;
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeLogind() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    sd_bus_flush_close_unref(bus_);
  }
  bool serving() const { return serving_; }

 private:
  static int GetIdleHint(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void* self,
                         sd_bus_error*) {
    return sd_bus_message_append(reply, "b", static_cast<FakeLogind*>(self)->idle_hint.load() ? 1 : 0);
  }
  static int GetIdleSince(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply, void*,
                          sd_bus_error*) {
    // Real logind also gives the realtime stamp; the source does not read it.
    return sd_bus_message_append(reply, "t", uint64_t{0});
  }
  static int GetIdleSinceMonotonic(sd_bus*, const char*, const char*, const char*, sd_bus_message* reply,
                                   void* self, sd_bus_error*) {
    return sd_bus_message_append(reply, "t", static_cast<FakeLogind*>(self)->idle_since_monotonic_usec.load());
  }
  static constexpr sd_bus_vtable kVtable[] = {
      SD_BUS_VTABLE_START(0),
      SD_BUS_PROPERTY("IdleHint", "b", GetIdleHint, 0, 0),
      SD_BUS_PROPERTY("IdleSinceHint", "t", GetIdleSince, 0, 0),
      SD_BUS_PROPERTY("IdleSinceHintMonotonic", "t", GetIdleSinceMonotonic, 0, 0),
      SD_BUS_VTABLE_END,
  };

  // Answers calls until stopped; every wait is bounded so that Stop is noticed.
  void Serve() {
    while (!stop_) {
      const int r = sd_bus_process(bus_, nullptr);
      if (r < 0) break;
      if (r == 0) sd_bus_wait(bus_, 100'000);
    }
  }

  sd_bus* bus_ = nullptr;
  bool serving_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class LogindIdleSourceHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dbus_daemon_ = FindProgram("dbus-daemon");
    if (dbus_daemon_.empty()) GTEST_SKIP() << "needs dbus-daemon (scripts/deps installs it)";
  }
  std::string dbus_daemon_;
  TempDir dir_;
};

TEST_F(LogindIdleSourceHostTest, ReadsActiveAndIdleFromLogind) {
  PrivateSystemBus bus(dbus_daemon_, dir_, "bus");
  ASSERT_TRUE(bus.ready()) << "dbus-daemon did not start; log in " << dir_.path();
  ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
  FakeLogind logind(bus.address());
  ASSERT_TRUE(logind.serving());

  auto source = LogindIdleSource::Open();
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->Describe(), "logind");
  const IdleClock::time_point now = IdleClock::now();
  EXPECT_EQ((*source)->IdleTime(now), IdleDuration(0));

  logind.idle_since_monotonic_usec = std::chrono::duration_cast<std::chrono::microseconds>(
                                         (now - 30s).time_since_epoch()).count();
  logind.idle_hint = true;
  EXPECT_EQ((*source)->IdleTime(now), IdleDuration(30s));

  // Idle since boot: no session ever set the hint.
  logind.idle_since_monotonic_usec = 0;
  EXPECT_EQ((*source)->IdleTime(now),
            std::chrono::duration_cast<IdleDuration>(now.time_since_epoch()));

  logind.idle_hint = false;
  EXPECT_EQ((*source)->IdleTime(now), IdleDuration(0));

  IdleDetector detector = IdleDetector::Open({.x11_display = "", .logind = true, .input_dir = ""});
  EXPECT_EQ(detector.sources(), (std::vector<std::string>{"logind"}));
  EXPECT_EQ(detector.IdleTime(now), IdleDuration(0));
}

TEST_F(LogindIdleSourceHostTest, BusWithoutLogindOrNoBusIsUnavailable) {
  PrivateSystemBus bus(dbus_daemon_, dir_, "bus");
  ASSERT_TRUE(bus.ready()) << "dbus-daemon did not start; log in " << dir_.path();
  {
    ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
    auto source = LogindIdleSource::Open();
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.status().message().rfind("logind: cannot read IdleHint: ", 0), 0u)
        << source.status().message();
  }
  ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + (dir_.path() / "absent.socket").string());
  auto source = LogindIdleSource::Open();
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message().rfind("logind: ", 0), 0u) << source.status().message();
}

TEST_F(LogindIdleSourceHostTest, LostBusGivesNoAnswerUntilReconnected) {
  auto bus = std::make_unique<PrivateSystemBus>(dbus_daemon_, dir_, "first");
  ASSERT_TRUE(bus->ready()) << "dbus-daemon did not start; log in " << dir_.path();
  ScopedEnv env("DBUS_SYSTEM_BUS_ADDRESS", bus->address());
  auto logind = std::make_unique<FakeLogind>(bus->address());
  ASSERT_TRUE(logind->serving());
  auto source = LogindIdleSource::Open();
  ASSERT_TRUE(source.ok()) << source.status().message();

  logind.reset();
  bus->Stop();
  const IdleClock::time_point now = IdleClock::now();
  EXPECT_FALSE((*source)->IdleTime(now).has_value());

  // A new bus at a new address; the source tries again only after its reconnect interval.
  bus = std::make_unique<PrivateSystemBus>(dbus_daemon_, dir_, "second");
  ASSERT_TRUE(bus->ready()) << "dbus-daemon did not start; log in " << dir_.path();
  ScopedEnv second_env("DBUS_SYSTEM_BUS_ADDRESS", bus->address());
  logind = std::make_unique<FakeLogind>(bus->address());
  ASSERT_TRUE(logind->serving());
  EXPECT_FALSE((*source)->IdleTime(now + 1s).has_value());
  EXPECT_EQ((*source)->IdleTime(now + 11s), IdleDuration(0));
}

}  // namespace
}  // namespace potluck::activity

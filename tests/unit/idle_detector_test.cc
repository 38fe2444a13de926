// Idle time from input devices (FIFOs in a temp folder stand in for /dev/input/event*), and
// how the detector combines its sources.
#include "activity/idle_detector.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "activity/input_device_idle_source.h"

namespace potluck::activity {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class InputFolder {
 public:
  InputFolder() {
    char pattern[] = "/tmp/potluck-input-XXXXXX";
    EXPECT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  ~InputFolder() {
    for (int fd : writers_) close(fd);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir() const { return dir_.string(); }

  // A FIFO named like an event device, and the end the test writes to. The writer can only be
  // opened without blocking once the source holds the read end, so that comes later.
  void AddDevice(const std::string& name) { ASSERT_EQ(mkfifo((dir_ / name).c_str(), 0600), 0); }
  int OpenWriter(const std::string& name) {
    const int fd = open((dir_ / name).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(fd, 0) << name << ": " << std::strerror(errno);
    writers_.push_back(fd);
    return fd;
  }

 private:
  fs::path dir_;
  std::vector<int> writers_;
};

void WriteBytes(int fd, const void* data, size_t size) {
  ASSERT_EQ(write(fd, data, size), static_cast<ssize_t>(size)) << std::strerror(errno);
}

void WriteEvent(int fd, uint16_t type, uint16_t code, int32_t value) {
  input_event event{};
  event.type = type;
  event.code = code;
  event.value = value;
  WriteBytes(fd, &event, sizeof event);
}

TEST(InputDeviceIdleSourceTest, AnyKeyOrMotionResetsIdleTime) {
  InputFolder input;
  input.AddDevice("event0");
  const IdleClock::time_point t0{100s};
  auto source = InputDeviceIdleSource::Open(input.dir(), t0);
  ASSERT_TRUE(source.ok()) << source.status().message();
  EXPECT_EQ((*source)->Describe(), "input devices (1)");
  // Nothing is known before the device was opened, so idle time counts from then.
  EXPECT_EQ((*source)->IdleTime(t0 + 5s), IdleDuration(5s));

  const int device = input.OpenWriter("event0");
  WriteEvent(device, EV_REL, REL_X, 3);
  WriteEvent(device, EV_SYN, SYN_REPORT, 0);
  EXPECT_EQ((*source)->IdleTime(t0 + 6s), IdleDuration(0));
  EXPECT_EQ((*source)->IdleTime(t0 + 8s), IdleDuration(2s));

  WriteEvent(device, EV_KEY, KEY_A, 1);
  EXPECT_EQ((*source)->IdleTime(t0 + 9s), IdleDuration(0));
  EXPECT_EQ((*source)->IdleTime(t0 + 9500ms), IdleDuration(500ms));
}

TEST(InputDeviceIdleSourceTest, SwitchesAndLedsAreNotUserInput) {
  InputFolder input;
  input.AddDevice("event3");
  const IdleClock::time_point t0{100s};
  auto source = InputDeviceIdleSource::Open(input.dir(), t0);
  ASSERT_TRUE(source.ok()) << source.status().message();
  const int device = input.OpenWriter("event3");
  WriteEvent(device, EV_SW, SW_LID, 1);
  WriteEvent(device, EV_LED, LED_CAPSL, 1);
  WriteEvent(device, EV_SYN, SYN_REPORT, 0);
  EXPECT_EQ((*source)->IdleTime(t0 + 4s), IdleDuration(4s));
}

TEST(InputDeviceIdleSourceTest, RecordSplitAcrossReadsCountsOnceWhole) {
  InputFolder input;
  input.AddDevice("event0");
  const IdleClock::time_point t0{100s};
  auto source = InputDeviceIdleSource::Open(input.dir(), t0);
  ASSERT_TRUE(source.ok()) << source.status().message();
  const int device = input.OpenWriter("event0");

  input_event event{};
  event.type = EV_KEY;
  event.code = KEY_SPACE;
  const auto* bytes = reinterpret_cast<const char*>(&event);
  WriteBytes(device, bytes, 10);
  EXPECT_EQ((*source)->IdleTime(t0 + 3s), IdleDuration(3s));
  WriteBytes(device, bytes + 10, sizeof event - 10);
  EXPECT_EQ((*source)->IdleTime(t0 + 4s), IdleDuration(0));
}

TEST(InputDeviceIdleSourceTest, DevicePluggedInLaterIsFoundAtTheNextScan) {
  InputFolder input;
  input.AddDevice("event0");
  const IdleClock::time_point t0{100s};
  auto source = InputDeviceIdleSource::Open(input.dir(), t0);
  ASSERT_TRUE(source.ok()) << source.status().message();

  input.AddDevice("event7");
  EXPECT_EQ((*source)->IdleTime(t0 + 1s), IdleDuration(1s));
  EXPECT_EQ((*source)->Describe(), "input devices (1)");  // not looked for yet
  EXPECT_EQ((*source)->IdleTime(t0 + 10s), IdleDuration(10s));
  EXPECT_EQ((*source)->Describe(), "input devices (2)");

  WriteEvent(input.OpenWriter("event7"), EV_ABS, ABS_X, 100);
  EXPECT_EQ((*source)->IdleTime(t0 + 12s), IdleDuration(0));
}

TEST(InputDeviceIdleSourceTest, FolderWithoutEventDevicesIsUnavailable) {
  InputFolder input;
  input.AddDevice("mice");  // not an event device
  std::ofstream(fs::path(input.dir()) / "event1") << "a regular file is no device\n";
  auto source = InputDeviceIdleSource::Open(input.dir(), IdleClock::time_point{});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message(), "input devices: no event devices in " + input.dir());

  auto missing = InputDeviceIdleSource::Open(input.dir() + "/absent", IdleClock::time_point{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message().rfind("input devices: cannot list " + input.dir() + "/absent: ", 0), 0u)
      << missing.status().message();
}

// A source whose answers the test sets.
class FixedSource final : public IdleSource {
 public:
  FixedSource(std::string name, std::optional<IdleDuration> idle) : name_(std::move(name)), idle_(idle) {}
  std::string Describe() const override { return name_; }
  std::optional<IdleDuration> IdleTime(IdleClock::time_point) override { return idle_; }

 private:
  std::string name_;
  std::optional<IdleDuration> idle_;
};

TEST(IdleDetectorTest, LeastIdleSourceWinsAndSilentSourcesAreLeftOut) {
  std::vector<std::unique_ptr<IdleSource>> sources;
  sources.push_back(std::make_unique<FixedSource>("a", IdleDuration(5min)));
  sources.push_back(std::make_unique<FixedSource>("b", std::nullopt));
  sources.push_back(std::make_unique<FixedSource>("c", IdleDuration(40s)));
  IdleDetector detector(std::move(sources));
  EXPECT_EQ(detector.IdleTime(IdleClock::now()), IdleDuration(40s));
  EXPECT_EQ(detector.sources(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(IdleDetectorTest, WithoutAnySourceIdleTimeIsUnknown) {
  std::vector<std::unique_ptr<IdleSource>> sources;
  sources.push_back(std::make_unique<FixedSource>("gone", std::nullopt));
  EXPECT_FALSE(IdleDetector(std::move(sources)).IdleTime(IdleClock::now()).has_value());
  EXPECT_FALSE(IdleDetector({}).IdleTime(IdleClock::now()).has_value());
}

TEST(IdleDetectorTest, OpenUsesWhatWorksAndSaysWhyTheRestDoesNot) {
  InputFolder input;
  input.AddDevice("event0");
  IdleDetector detector = IdleDetector::Open({.x11_display = "", .logind = false, .input_dir = input.dir()});
  EXPECT_EQ(detector.sources(), (std::vector<std::string>{"input devices (1)"}));
  EXPECT_TRUE(detector.unavailable().empty());
  EXPECT_TRUE(detector.IdleTime(IdleClock::now()).has_value());
  EXPECT_EQ(detector.Describe(), "idle time from input devices (1)");

  IdleDetector none = IdleDetector::Open({.x11_display = "", .logind = false, .input_dir = input.dir() + "/x"});
  EXPECT_TRUE(none.sources().empty());
  ASSERT_EQ(none.unavailable().size(), 1u);
  EXPECT_FALSE(none.IdleTime(IdleClock::now()).has_value());
  EXPECT_EQ(none.Describe().rfind("idle time unknown, so never idle; input devices: cannot list ", 0), 0u)
      << none.Describe();
}

}  // namespace
}  // namespace potluck::activity

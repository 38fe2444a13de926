// potluck-screensaver against real programs: its terminal view under tmux and its X11 view
// under Xvfb, showing a worker that computes (viewer mode) or running the engine itself
// (engine mode); a key, a mouse move or SIGTERM ends it, and in engine mode its kernel stops
// with it while the unit's checkpoint is kept.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "integration/grid.h"

// Last: Xlib's macros (None, Bool, Status) would break the headers above.
#include <X11/Xlib.h>
#include <X11/Xutil.h>

namespace potluck::testing {
namespace {

namespace fs = std::filesystem;
const std::string kScreensaver = kBin + "/potluck-screensaver";

// The full path of a program on PATH, or empty.
std::string FindProgram(const std::string& name) {
  std::istringstream dirs(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (access((fs::path(dir) / name).c_str(), X_OK) == 0) return (fs::path(dir) / name).string();
  }
  return "";
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

bool Computing(const fs::path& data) {
  const nlohmann::json status = WorkerStatus(data);
  return status.is_object() && status["units"].size() == 1 && status["state"] == "computing";
}

// A long lj-md unit, so it is still computing while the test looks.
void SubmitLjMd(Grid& grid, const TempDir& dir) {
  auto r = grid.Cli({"submit", "--workload", "lj-md", "--param", "cells=6", "--param", "steps=200000", "--units", "1",
                     "--quorum", "1", "--any-network", "--home", (dir.path() / "owner").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// A tmux server of this test's own (-L), with one 100x30 window running a command.
class Tmux {
 public:
  explicit Tmux(std::string tmux) : tmux_(std::move(tmux)), socket_("potluck-test-" + std::to_string(getpid())) {}
  ~Tmux() { (void)Run({"kill-server"}); }

  CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {tmux_, "-L", socket_});
    return RunCommand(args, 10s);
  }
  // Starts `command` (a shell line) and returns its pid; `exec` makes the pane's process the program itself.
  pid_t Start(const std::string& command) {
    auto r = Run({"new-session", "-d", "-x", "100", "-y", "30", "-s", "saver", "exec " + command});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto pid = Run({"list-panes", "-t", "saver", "-F", "#{pane_pid}"});
    return pid.exit_code == 0 ? std::stoi(pid.out) : -1;
  }
  std::string Capture() { return Run({"capture-pane", "-p", "-t", "saver"}).out; }

 private:
  std::string tmux_;
  std::string socket_;
};

std::string Quoted(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& a : args) line += (line.empty() ? "'" : " '") + a + "'";
  return line;
}

// The atoms' shades: some of them are on screen when the simulation is drawn.
int ShadeCharacters(const std::string& screen) {
  int n = 0;
  // Not '#' or '%', which the header has too.
  for (char c : screen) n += std::string_view("=+*@").find(c) != std::string_view::npos;
  return n;
}

TEST(ScreensaverTest, TerminalViewShowsTheRunningWorkerAndAKeyEndsIt) {
  const std::string tmux = FindProgram("tmux");
  if (tmux.empty()) GTEST_SKIP() << "needs tmux (scripts/deps installs it)";
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  grid.StartWorker(0);
  const fs::path data = dir.path() / "worker0";
  SubmitLjMd(grid, dir);
  ASSERT_TRUE(Eventually([&] { return Computing(data); }, 60s)) << grid.Logs();

  Tmux session(tmux);
  const pid_t pid = session.Start(Quoted({kScreensaver, "--terminal", "--data", data.string()}) + " 2>" +
                                  (dir.path() / "screensaver.err").string());
  ASSERT_GT(pid, 0);
  std::string screen;
  EXPECT_TRUE(Eventually([&] {
    screen = session.Capture();
    return screen.find("potluck  computing  project") != std::string::npos &&
           screen.find("lj-md  step") != std::string::npos && ShadeCharacters(screen) >= 3;
  }, 20s)) << screen << ReadFile(dir.path() / "screensaver.err");
  if (const char* out = std::getenv("POTLUCK_SCREENSHOT_DIR")) {
    std::ofstream(fs::path(out) / "screensaver-terminal.txt") << screen;
  }

  // It follows the terminal's size.
  session.Run({"resize-window", "-t", "saver", "-x", "60", "-y", "20"});
  EXPECT_TRUE(Eventually([&] {
    screen = session.Capture();
    std::istringstream lines(screen);
    size_t count = 0, widest = 0;
    for (std::string line; std::getline(lines, line); ++count) widest = std::max(widest, line.size());
    return count == 20 && widest <= 60 && ShadeCharacters(screen) >= 3 &&
           screen.find("potluck  computing") != std::string::npos;
  }, 10s)) << screen;

  session.Run({"send-keys", "-t", "saver", "q"});
  EXPECT_TRUE(Eventually([&] { return !Alive(pid); }, 5s)) << "the screensaver did not exit on a key";
  // In viewer mode the worker goes on under its own rules.
  EXPECT_TRUE(Computing(data));
}

TEST(ScreensaverTest, EngineModeComputesUntilAKeyThenStopsAtOnceKeepingTheCheckpoint) {
  const std::string tmux = FindProgram("tmux"), sqlite = FindProgram("sqlite3");
  if (tmux.empty() || sqlite.empty()) GTEST_SKIP() << "needs tmux and sqlite3 (scripts/deps installs them)";
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  SubmitLjMd(grid, dir);
  const fs::path data = dir.path() / "saver";
  const std::string command = Quoted({kScreensaver, "--terminal", "--data", data.string(), "--join", grid.endpoint_,
                                      "--cores", "1", "--checkpoint-interval", "1"});

  Tmux session(tmux);
  pid_t pid = session.Start(command);
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(Eventually([&] { return Computing(data); }, 60s)) << session.Capture() << ReadFile(data / "screensaver.log");
  EXPECT_TRUE(Eventually([&] { return session.Capture().find("lj-md  step") != std::string::npos; }, 10s))
      << session.Capture();
  const double cpu_computing = CpuSecondsOf(pid);
  std::this_thread::sleep_for(2500ms);  // past two checkpoint intervals
  EXPECT_GT(CpuSecondsOf(pid) - cpu_computing, 0.5) << "the engine is not computing";
  const double progress = WorkerStatus(data)["units"][0]["progress"].get<double>();

  // The user is back: the kernel stops, so the process uses little more CPU before it is gone.
  const double cpu_at_key = CpuSecondsOf(pid);
  session.Run({"send-keys", "-t", "saver", "x"});
  double cpu_last = cpu_at_key;
  EXPECT_TRUE(Eventually([&] {
    const double cpu = CpuSecondsOf(pid);
    if (cpu >= 0) cpu_last = cpu;
    return !Alive(pid);
  }, 10s)) << "the screensaver did not exit on a key";
  EXPECT_LT(cpu_last - cpu_at_key, 0.3) << "the kernel went on computing after the key";
  auto saved = RunCommand({sqlite, (data / "node.db").string(), "SELECT count(*) FROM checkpoints"}, 10s);
  EXPECT_EQ(saved.out, "1\n") << saved.err << ReadFile(data / "screensaver.log");

  // Idle again: the unit goes on from its checkpoint, not from the start.
  pid = session.Start(command);
  ASSERT_TRUE(Eventually([&] { return Computing(data); }, 60s)) << ReadFile(data / "screensaver.log");
  // Progress shows at the kernel's first report, from where the checkpoint left off.
  double resumed = 0;
  EXPECT_TRUE(Eventually([&] {
    const nlohmann::json units = WorkerStatus(data)["units"];
    resumed = units.size() == 1 ? units[0]["progress"].get<double>() : 0;
    return resumed > 0;
  }, 30s));
  EXPECT_GT(resumed, progress / 2) << "the unit started again from the beginning";
  session.Run({"send-keys", "-t", "saver", "x"});
  EXPECT_TRUE(Eventually([&] { return !Alive(pid); }, 10s));
}

// An Xvfb of this test's own on a free display number, and DISPLAY pointing at it.
class VirtualDisplay {
 public:
  explicit VirtualDisplay(const TempDir& dir) {
    const std::string xvfb = FindProgram("Xvfb");
    if (xvfb.empty()) return;
    for (int attempt = 0; attempt < 5 && !display_; ++attempt) {
      const int number = 100 + (getpid() * 11 + attempt * 17) % 400;
      if (fs::exists("/tmp/.X" + std::to_string(number) + "-lock")) continue;
      name_ = ":" + std::to_string(number);
      server_ = std::make_unique<Process>(std::vector<std::string>{xvfb, name_, "-screen", "0", "640x480x24", "-nolisten", "tcp"},
                                          dir.path() / "xvfb.log");
      Eventually([&] { return server_->Poll() || (display_ = XOpenDisplay(name_.c_str())) != nullptr; }, 15s);
    }
    if (display_) setenv("DISPLAY", name_.c_str(), 1);
  }
  ~VirtualDisplay() {
    if (display_) XCloseDisplay(display_);
    unsetenv("DISPLAY");
  }
  Display* display() const { return display_; }

 private:
  std::string name_;
  std::unique_ptr<Process> server_;
  Display* display_ = nullptr;
};

std::vector<unsigned long> Pixels(Display* display, Window window) {
  XWindowAttributes attributes;
  if (!XGetWindowAttributes(display, window, &attributes)) return {};
  XImage* image = XGetImage(display, window, 0, 0, attributes.width, attributes.height, AllPlanes, ZPixmap);
  if (!image) return {};
  std::vector<unsigned long> pixels;
  for (int y = 0; y < attributes.height; ++y) {
    for (int x = 0; x < attributes.width; ++x) pixels.push_back(XGetPixel(image, x, y));
  }
  XDestroyImage(image);
  return pixels;
}

size_t Colours(const std::vector<unsigned long>& pixels) { return std::set<unsigned long>(pixels.begin(), pixels.end()).size(); }

// Saves a 24-bit frame as a binary PPM, for the docs' screenshot.
void SavePpm(Display* display, Window window, const fs::path& path) {
  XWindowAttributes a;
  XGetWindowAttributes(display, window, &a);
  const std::vector<unsigned long> pixels = Pixels(display, window);
  std::ofstream out(path, std::ios::binary);
  out << "P6\n" << a.width << " " << a.height << "\n255\n";
  for (unsigned long p : pixels) out << static_cast<char>(p >> 16 & 255) << static_cast<char>(p >> 8 & 255) << static_cast<char>(p & 255);
}

// Waits until `window` shows a drawn picture, then checks that the next frames differ.
void ExpectLiveDrawing(Display* display, Window window, const TempDir& dir) {
  std::vector<unsigned long> first;
  ASSERT_TRUE(Eventually([&] {
    first = Pixels(display, window);
    return Colours(first) >= 8;  // text, edges, and atoms in several shades
  }, 30s)) << "nothing drawn; " << ReadFile(dir.path() / "screensaver.log");
  std::this_thread::sleep_for(300ms);
  EXPECT_NE(Pixels(display, window), first) << "the picture does not move";
}

TEST(ScreensaverTest, X11ViewDrawsFullScreenAndAMouseMoveEndsIt) {
  TempDir dir;
  VirtualDisplay x(dir);
  const std::string xdotool = FindProgram("xdotool");
  if (!x.display() || xdotool.empty()) GTEST_SKIP() << "needs Xvfb and xdotool (scripts/deps installs them)";
  Grid grid(dir);
  grid.StartCoordinator();
  grid.StartWorker(0);
  const fs::path data = dir.path() / "worker0";
  SubmitLjMd(grid, dir);
  ASSERT_TRUE(Eventually([&] { return Computing(data); }, 60s)) << grid.Logs();

  Process saver({kScreensaver, "--x11", "--data", data.string()}, dir.path() / "screensaver.log");
  const Window root = DefaultRootWindow(x.display());
  ExpectLiveDrawing(x.display(), root, dir);
  if (const char* out = std::getenv("POTLUCK_SCREENSHOT_DIR")) SavePpm(x.display(), root, fs::path(out) / "screensaver-x11.ppm");
  EXPECT_FALSE(saver.Poll());

  std::this_thread::sleep_for(1s);  // past the motion the screensaver ignores as its window appears
  auto moved = RunCommand({xdotool, "mousemove", "200", "150"}, 10s);
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(saver.WaitFor(5s), 0) << ReadFile(dir.path() / "screensaver.log");
  EXPECT_TRUE(Computing(data));

  // A key ends it too.
  Process again({kScreensaver, "--x11", "--data", data.string()}, dir.path() / "screensaver.log");
  ExpectLiveDrawing(x.display(), root, dir);
  auto key = RunCommand({xdotool, "key", "space"}, 10s);
  ASSERT_EQ(key.exit_code, 0) << key.err;
  EXPECT_EQ(again.WaitFor(5s), 0) << ReadFile(dir.path() / "screensaver.log");
}

TEST(ScreensaverTest, X11ViewDrawsInTheWindowItIsGivenAndEndsOnSigterm) {
  TempDir dir;
  VirtualDisplay x(dir);
  if (!x.display()) GTEST_SKIP() << "needs Xvfb (scripts/deps installs it)";
  Grid grid(dir);
  grid.StartCoordinator();
  grid.StartWorker(0);
  const fs::path data = dir.path() / "worker0";
  SubmitLjMd(grid, dir);
  ASSERT_TRUE(Eventually([&] { return Computing(data); }, 60s)) << grid.Logs();

  // As xscreensaver does: a window of its own, named to the hack in XSCREENSAVER_WINDOW.
  Display* display = x.display();
  const Window window = XCreateSimpleWindow(display, DefaultRootWindow(display), 40, 30, 320, 240, 0, 0, 0);
  XMapWindow(display, window);
  XSync(display, False);
  setenv("XSCREENSAVER_WINDOW", std::to_string(window).c_str(), 1);
  Process saver({kScreensaver, "--data", data.string(), "-root"}, dir.path() / "screensaver.log");
  unsetenv("XSCREENSAVER_WINDOW");
  ExpectLiveDrawing(display, window, dir);
  // Only that window: the rest of the screen stays as it was.
  XImage* corner = XGetImage(display, DefaultRootWindow(display), 600, 440, 40, 40, AllPlanes, ZPixmap);
  ASSERT_NE(corner, nullptr);
  std::set<unsigned long> corner_colours;
  for (int y = 0; y < 40; ++y) {
    for (int px = 0; px < 40; ++px) corner_colours.insert(XGetPixel(corner, px, y));
  }
  XDestroyImage(corner);
  EXPECT_EQ(corner_colours.size(), 1u);

  // xscreensaver ends its hack with SIGTERM when the user is back.
  kill(saver.pid(), SIGTERM);
  EXPECT_EQ(saver.WaitFor(5s), 0) << ReadFile(dir.path() / "screensaver.log");

  // The window named on the command line instead, in hex as xwininfo prints it.
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", window);
  XClearWindow(display, window);
  Process named({kScreensaver, "--data", data.string(), "-window-id", hex}, dir.path() / "screensaver.log");
  ExpectLiveDrawing(display, window, dir);
  kill(named.pid(), SIGINT);
  EXPECT_EQ(named.WaitFor(5s), 0) << ReadFile(dir.path() / "screensaver.log");
  XDestroyWindow(display, window);
}

}  // namespace
}  // namespace potluck::testing

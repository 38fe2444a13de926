// Starts the real potluck programs for integration tests, and makes sure they stop.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace potluck::testing {

// A child process whose output goes to a log file. The destructor kills it if still running.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Exit code if it has exited by now (a signal gives 128 + signal).
  std::optional<int> Poll();
  std::optional<int> WaitFor(std::chrono::milliseconds limit);
  // SIGTERM, then SIGKILL if it has not gone within `grace`.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void Kill9();

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs a command to completion, or kills it after `limit`.
CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds limit = std::chrono::seconds(60));

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Polls `condition` every 50 ms until it holds or `limit` passes.
template <typename F>
bool Eventually(F&& condition, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    struct timespec ts {0, 50'000'000};
    nanosleep(&ts, nullptr);
  }
  return condition();
}

std::string ReadFile(const std::filesystem::path& path);

// CPU seconds a process has used (utime + stime from /proc/PID/stat); -1 once it is gone.
double CpuSecondsOf(pid_t pid);

}  // namespace potluck::testing

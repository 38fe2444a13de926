// A crash loop: a real grid on 127.0.0.1 computes a primes project while its processes are
// killed with SIGKILL at random moments and started again on their data folders. At the end
// every unit must be verified, the result must equal primesieve's count, and no kill may have
// cost more than one checkpoint interval of work.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "crash/crash_grid.h"
#include "crash/kill_report.h"

namespace potluck::crash {

struct LoopOptions {
  int kills = 60;
  uint64_t seed = 0;
  int workers = 4;
  int units = 30;
  uint64_t from = 1'000'000'000'000;
  double unit_seconds = 2;  // one core's time per unit, measured here before the grid starts
  uint64_t unit_numbers = 0;  // numbers per unit; 0 sizes units from unit_seconds
  double checkpoint_interval_s = 1;
  double gap_max_s = 2;    // between a restart and the next kill, drawn from [0.2, this]
  double pause_max_s = 1.5;  // a killed process stays down for [0.1, this]
  double timeout_s = 900;  // for the whole loop
  std::filesystem::path bin_dir;
  bool keep = false;  // keep the data folders and logs even when every check passes
};

class CrashLoop {
 public:
  CrashLoop(LoopOptions options, const std::atomic<bool>& interrupted);
  // Runs the loop and the checks; prints the table and the summary. Returns the exit code: 0
  // when every check passed, 1 otherwise (after one line saying why on stderr).
  int Run();

 private:
  using Clock = std::chrono::steady_clock;

  std::string RunSteps();
  double SecondsPerNumber(uint64_t numbers) const;
  uint64_t UnitNumbersFor(double seconds) const;
  double MeasureUnitCpuSeconds() const;
  std::string Submit();
  std::string KillPhase();
  std::string KillAndRestart(GridNode& node, KillRecord& record);
  void ReadUnitAtKill(GridNode& node, KillRecord& record);
  // Sleeps for `seconds`, asking restarted workers meanwhile which unit they resumed.
  void Idle(double seconds);
  void WatchResumes();
  std::string AwaitProject();
  std::string CheckResults();
  std::string CheckWorkLost();
  double Since(Clock::time_point t) const { return std::chrono::duration<double>(Clock::now() - t).count(); }
  double Uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  bool TimeLeft() const { return !interrupted_ && Clock::now() < deadline_; }

  LoopOptions options_;
  const std::atomic<bool>& interrupted_;
  std::mt19937_64 rng_;
  std::filesystem::path dir_;
  std::unique_ptr<CrashGrid> grid_;
  std::string project_;
  Clock::time_point submitted_;
  Clock::time_point deadline_;
  std::vector<KillRecord> kills_;
  std::vector<size_t> watching_;  // kills whose worker has not yet been seen on its unit again
  LoopFigures figures_;
};

}  // namespace potluck::crash

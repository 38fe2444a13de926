// How much of the machine's CPU other programs use: the basis of "suspend while the volunteer's
// own programs use more than X% of the CPU" (BOINC's non-BOINC CPU usage limit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "potluck/base/status.h"

namespace potluck::activity {

// CPU time in clock ticks (USER_HZ), as /proc counts it.
struct CpuTicks {
  uint64_t machine_busy = 0;   // all CPUs, every state but idle and iowait
  uint64_t machine_total = 0;  // all CPUs, every state
  uint64_t own = 0;            // this process, user and system, all its threads
};

// Reads the counters above from `proc_root`/stat and `proc_root`/self/stat.
Result<CpuTicks> ReadCpuTicks(const std::string& proc_root);

// Samples the counters and gives the share of the machine's CPU that other programs used
// between two samples. Not thread-safe; meant to be sampled every few seconds.
class OtherCpuShare {
 public:
  // `proc_root` is "/proc" outside tests.
  explicit OtherCpuShare(std::string proc_root = "/proc");

  // The share, 0..1, of all CPUs' time since the previous successful Sample() that went to
  // processes other than this one. The first call only records the counters and gives none,
  // as does a call when no time has passed. Errors: /proc unreadable or malformed.
  Result<std::optional<double>> Sample();

 private:
  std::string proc_root_;
  std::optional<CpuTicks> previous_;
};

}  // namespace potluck::activity

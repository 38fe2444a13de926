// Decides whether kernels may run now, and why not: the volunteer's own pause, `finish`, the
// schedule, idleness, other programs' CPU use, the disk quota. A pure function of what the
// worker read about the machine, so every rule is tested without a machine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "potluck/base/time.h"
#include "worker_settings.h"

namespace potluck {

enum class PauseReason {
  kVolunteer,  // `potluck worker pause`, or `finish` once the units held are done
  kSchedule,   // outside the time windows of [schedule]
  kInUse,      // idle.only_when_idle and the computer is in use (or its idleness is unknown)
  kBusy,       // other programs use more than idle.suspend_above_cpu_percent
  kDiskQuota,  // the data folder is over limits.disk_mb
};

// "volunteer", "schedule", "in_use", "busy", "disk_quota": the label in metrics and JSON.
const char* PauseReasonName(PauseReason reason);

// What the worker knows of its machine and its own state at one moment.
struct MachineReading {
  std::optional<Duration> idle_for;  // since the last keyboard or mouse input; unknown: nullopt
  std::optional<double> other_cpu_share;  // of the whole machine, 0..1, by other programs
  bool schedule_allows = true;
  std::string schedule_changes_at;  // "Mon 18:00"; empty: the schedule never changes its answer
  uint64_t data_bytes = 0;  // size of the data folder
};

struct ControlState {
  bool paused_by_volunteer = false;
  bool finishing = false;  // finish the units held, then pause
};

struct Decision {
  std::vector<PauseReason> reasons;  // empty: compute
  // Ask holders for more work. False while paused and while finishing.
  bool accept_work = true;
  bool paused() const { return !reasons.empty(); }
};

Decision Decide(const WorkerSettings& settings, const MachineReading& machine, const ControlState& control);

// One line for people: "paused: outside the schedule, the computer is in use".
std::string DescribePause(const Decision& decision, const MachineReading& machine, const WorkerSettings& settings);

}  // namespace potluck

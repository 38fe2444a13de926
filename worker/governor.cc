#include "governor.h"

#include <fmt/format.h>

namespace potluck {

const char* PauseReasonName(PauseReason reason) {
  switch (reason) {
    case PauseReason::kVolunteer: return "volunteer";
    case PauseReason::kSchedule: return "schedule";
    case PauseReason::kInUse: return "in_use";
    case PauseReason::kBusy: return "busy";
    case PauseReason::kDiskQuota: return "disk_quota";
  }
  return "unknown";
}

Decision Decide(const WorkerSettings& settings, const MachineReading& machine, const ControlState& control) {
  Decision d;
  if (control.paused_by_volunteer) d.reasons.push_back(PauseReason::kVolunteer);
  if (!machine.schedule_allows) d.reasons.push_back(PauseReason::kSchedule);
  if (settings.idle.only_when_idle) {
    // Idleness nobody can tell is treated as use: the volunteer asked never to be in the way.
    const auto needed = std::chrono::duration<double, std::ratio<60>>(settings.idle.idle_minutes);
    if (!machine.idle_for || *machine.idle_for < needed) d.reasons.push_back(PauseReason::kInUse);
  }
  const double busy_limit = settings.idle.suspend_above_cpu_percent / 100;
  if (busy_limit > 0 && machine.other_cpu_share && *machine.other_cpu_share > busy_limit) {
    d.reasons.push_back(PauseReason::kBusy);
  }
  if (settings.limits.disk_mb > 0 && machine.data_bytes > (settings.limits.disk_mb << 20)) {
    d.reasons.push_back(PauseReason::kDiskQuota);
  }
  d.accept_work = d.reasons.empty() && !control.finishing;
  return d;
}

std::string DescribePause(const Decision& decision, const MachineReading& machine, const WorkerSettings& settings) {
  std::string out;
  for (PauseReason reason : decision.reasons) {
    if (!out.empty()) out += ", ";
    switch (reason) {
      case PauseReason::kVolunteer: out += "paused by the volunteer"; break;
      case PauseReason::kSchedule:
        out += "outside the schedule";
        if (!machine.schedule_changes_at.empty()) out += " (resumes " + machine.schedule_changes_at + ")";
        break;
      case PauseReason::kInUse:
        out += machine.idle_for ? fmt::format("the computer is in use (idle {:.0f} s of {:.0f} min)",
                                              std::chrono::duration<double>(*machine.idle_for).count(),
                                              settings.idle.idle_minutes)
                                : "idleness cannot be told here (no X display, logind or readable input device)";
        break;
      case PauseReason::kBusy:
        out += fmt::format("other programs use {:.0f}% of the CPU (limit {:.0f}%)",
                           machine.other_cpu_share.value_or(0) * 100, settings.idle.suspend_above_cpu_percent);
        break;
      case PauseReason::kDiskQuota:
        out += fmt::format("the data folder holds {} MB, over the quota of {} MB", machine.data_bytes >> 20,
                           settings.limits.disk_mb);
        break;
    }
  }
  return out;
}

}  // namespace potluck

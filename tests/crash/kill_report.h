// What each kill of a crash loop hit and cost, and the table and summary printed of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace potluck::crash {

// One kill -9 and what followed it.
struct KillRecord {
  int number = 0;
  double at_s = 0;     // since the project was submitted
  std::string target;  // "coordinator", "worker2", ...
  std::string role;    // "coordinator", "holder" (a worker holding the project) or "worker"
  double pause_s = 0;  // down before the restart
  // For a worker computing a unit of the project when killed:
  std::optional<uint64_t> unit;
  double progress_at_kill = 0;  // from its status, read just before the kill
  double cpu_after_reading_s = 0;  // the worker's CPU time from asking that status to the kill
  double checkpoint = 0;        // the progress its stored checkpoint stands for, 0 if none
  bool finished = false;        // the unit was computed and claimed before the kill came
  bool resumed = false;         // the restarted worker went on from that checkpoint
  std::optional<double> progress_seen_after;  // the first progress its status showed after the restart
  size_t log_offset = 0;        // the worker's log size at the restart

  // The kernel CPU seconds this kill threw away (see LostCpuSeconds); 0 without a unit.
  double lost_cpu_s = 0;
};

// The work a killed worker must do again: the progress made since the checkpoint it resumed
// from (all of it when it did not resume, none when the unit was finished before the kill), as CPU seconds at `unit_cpu_s` per unit, plus all the
// CPU time the worker used between asking for that progress and the kill, since the progress
// read may be that much older than the kill.
double LostCpuSeconds(const KillRecord& kill, double unit_cpu_s);

struct LoopFigures {
  uint64_t seed = 0;
  int units = 0;
  int workers = 0;
  double checkpoint_interval_s = 0;
  double unit_cpu_s = 0;        // one unit on one core, measured before the grid started
  double project_s = 0;         // from submit to every unit verified
  double grid_cpu_s = 0;        // CPU time of every worker run
  double needed_cpu_s = 0;      // units x quorum x unit_cpu_s
};

void PrintKillTable(const std::vector<KillRecord>& kills);
void PrintSummary(const std::vector<KillRecord>& kills, const LoopFigures& figures);

}  // namespace potluck::crash

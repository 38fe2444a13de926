#include "crash/kill_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace potluck::crash {

double LostCpuSeconds(const KillRecord& kill, double unit_cpu_s) {
  if (!kill.unit) return 0;
  const double from = kill.finished ? kill.progress_at_kill : kill.resumed ? kill.checkpoint : 0;
  return std::max(0.0, kill.progress_at_kill - from) * unit_cpu_s + kill.cpu_after_reading_s;
}

void PrintKillTable(const std::vector<KillRecord>& kills) {
  fmt::print("{:>4} {:>7}  {:<12} {:<11} {:>6} {:>8} {:>10} {:>8} {:>9} {:>8}\n", "kill", "at (s)", "process",
             "role", "unit", "at kill", "checkpoint", "resumed", "lost (s)", "down (s)");
  for (const KillRecord& k : kills) {
    std::string unit = "-", at = "-", checkpoint = "-", resumed = "-", lost = "-";
    if (k.unit) {
      unit = fmt::format("#{}", *k.unit);
      at = fmt::format("{:.1f}%", k.progress_at_kill * 100);
      checkpoint = k.checkpoint > 0 ? fmt::format("{:.1f}%", k.checkpoint * 100) : "none";
      resumed = k.finished ? "done" : k.resumed ? "yes" : "no";
      lost = fmt::format("{:.2f}", k.lost_cpu_s);
    }
    fmt::print("{:>4} {:>7.1f}  {:<12} {:<11} {:>6} {:>8} {:>10} {:>8} {:>9} {:>8.2f}\n", k.number, k.at_s, k.target,
               k.role, unit, at, checkpoint, resumed, lost, k.pause_s);
  }
}

void PrintSummary(const std::vector<KillRecord>& kills, const LoopFigures& f) {
  std::map<std::string, int> by_role;
  int mid_unit = 0, from_checkpoint = 0;
  double lost_total = 0, lost_max = 0;
  for (const KillRecord& k : kills) {
    ++by_role[k.role];
    if (!k.unit) continue;
    ++mid_unit;
    if (k.resumed && k.checkpoint > 0) ++from_checkpoint;
    lost_total += k.lost_cpu_s;
    lost_max = std::max(lost_max, k.lost_cpu_s);
  }
  fmt::print("seed {}: {} kills ({} coordinator, {} holder, {} worker) over {} units on {} workers in {:.1f} s\n",
             f.seed, kills.size(), by_role["coordinator"], by_role["holder"], by_role["worker"], f.units, f.workers,
             f.project_s);
  fmt::print("{} kills hit a unit being computed; {} of them resumed from a checkpoint\n", mid_unit, from_checkpoint);
  fmt::print("work lost per kill mid-unit: mean {:.2f} s, max {:.2f} s of CPU (checkpoint interval {:.2f} s, "
             "one unit {:.2f} s)\n",
             mid_unit > 0 ? lost_total / mid_unit : 0.0, lost_max, f.checkpoint_interval_s, f.unit_cpu_s);
  const double excess = f.grid_cpu_s - f.needed_cpu_s;
  fmt::print("workers used {:.1f} s of CPU for {:.1f} s of replicas needed: {:.1f} s more, {:.2f} s per kill\n",
             f.grid_cpu_s, f.needed_cpu_s, excess, kills.empty() ? 0.0 : excess / static_cast<double>(kills.size()));
}

}  // namespace potluck::crash

// `potluck worker status|pause|resume|finish|set`: talks to the worker running on this machine
// over its control socket (DATA/control.sock). Each returns the process exit code.
#pragma once

#include <string>

namespace potluck::cli {

struct WorkerTarget {
  std::string data_dir;  // the worker's data folder; its control socket is inside
  bool json = false;
  double answer_timeout_s = 5;
};

int WorkerStatus(const WorkerTarget& target);
// "pause", "resume" or "finish".
int WorkerCommand(const WorkerTarget& target, const std::string& command);
// KEY=VALUE, e.g. limits.cpu_percent=50.
int WorkerSet(const WorkerTarget& target, const std::string& assignment);

}  // namespace potluck::cli

// The processes of a crash loop: one coordinator and several workers of potluck on 127.0.0.1,
// each on its own data folder, killed with SIGKILL and started again on the same folder and port.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "integration/process.h"

namespace potluck::crash {

using testing::CommandResult;
using testing::Process;

// One program of the grid. The first start listens on a free port; later starts reuse it, so
// the addresses the other nodes stored stay good.
struct GridNode {
  std::string name;  // "coordinator", "worker0", ...
  bool coordinator = false;
  std::filesystem::path data;
  std::filesystem::path log;
  std::string address;  // ENDPOINT#PEER-ID once started
  std::unique_ptr<Process> process;
  double cpu_seconds_before = 0;  // CPU time of the runs that were killed
  int starts = 0;

  bool up() { return process && !process->Poll(); }
};

// A worker's `potluck worker status --json`, what the loop needs of it.
struct WorkerView {
  bool answered = false;
  std::optional<uint64_t> unit;  // the index of the unit it is computing
  std::string project;           // hex
  double progress = 0;           // of that unit, 0 to 1
};

class CrashGrid {
 public:
  CrashGrid(std::filesystem::path bin_dir, std::filesystem::path dir, int workers, double checkpoint_interval_s);

  // Starts every node, the coordinator first. Empty on success, else why not.
  std::string StartAll();
  // Starts `node` on its data folder and waits, bounded, until it serves. Empty on success.
  std::string Start(GridNode& node);
  // SIGKILL, and notes the CPU time the run had used.
  void Kill(GridNode& node);
  // SIGTERM to every node still running (SIGKILL after a grace period).
  void StopAll();

  WorkerView Status(const GridNode& worker);
  // Whether `node` answers `potluck status` for the project, i.e. holds it.
  bool Holds(const GridNode& node, const std::string& project);
  // `potluck COMMAND PROJECT --json` asked of `node`; null if it does not answer.
  nlohmann::json Ask(const GridNode& node, const std::string& command, const std::string& project);
  // The `potluck` CLI with `args`, bounded by `limit`.
  CommandResult Cli(std::vector<std::string> args, std::chrono::milliseconds limit);
  // The hex of the kernel checkpoint `worker` stored for a unit, empty if none; read while
  // the worker is down.
  std::string StoredCheckpoint(const GridNode& worker, const std::string& project, uint64_t unit);
  // Whether `worker` has computed and claimed the unit (its outbox or its credit table holds it);
  // read while the worker is down.
  bool Claimed(const GridNode& worker, const std::string& project, uint64_t unit);
  // CPU seconds every worker has used over all its runs, read while they still run.
  double WorkerCpuSeconds();

  GridNode& coordinator() { return nodes_.front(); }
  std::vector<GridNode>& nodes() { return nodes_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::vector<std::string> Arguments(const GridNode& node) const;

  const std::filesystem::path bin_dir_;
  const std::filesystem::path dir_;
  const double checkpoint_interval_s_;
  std::vector<GridNode> nodes_;  // the coordinator, then the workers
};

}  // namespace potluck::crash

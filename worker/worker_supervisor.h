// Keeps a running worker within what its volunteer set: every tick it reads the machine, asks
// the governor whether kernels may run, holds or releases them, answers the local control
// socket, and reads the config again after SIGHUP. Runs on the event loop's thread.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "governor.h"
#include "kernel_runner.h"
#include "machine_watcher.h"
#include "potluck/app/control_socket.h"
#include "potluck/app/metrics.h"
#include "potluck/core/node.h"
#include "worker_settings.h"

namespace potluck {

// Where the settings come from, so a reload can build them again the same way.
struct SettingsSource {
  std::optional<std::filesystem::path> config_path;      // none: defaults and flags only
  std::vector<std::pair<std::string, std::string>> flags;  // key, value: given on the command line
};

// The file (if any) under the flags.
Result<WorkerSettings> BuildSettings(const SettingsSource& source);

class WorkerSupervisor {
 public:
  // REQUIRES: `runner` outlives the supervisor.
  WorkerSupervisor(SettingsSource source, WorkerSettings settings, int hardware_cores,
                   std::unique_ptr<ControlServer> control);

  void Attach(KernelRunner* runner) { runner_ = runner; }
  // Counts pauses by reason and the CPU time given in `metrics`, each tick. REQUIRES: `metrics`
  // outlives the supervisor.
  void PublishTo(MetricsRegistry* metrics) { metrics_ = metrics; }
  void Tick(Node& node, TimePoint now);
  // The local control socket, for the event loop to wait on; null without one.
  ControlServer* control_server() { return control_server_.get(); }

  const WorkerSettings& settings() const { return settings_; }
  // Times each reason started a pause, by PauseReasonName.
  const std::map<std::string, uint64_t>& pauses() const { return pauses_; }

 private:
  nlohmann::json Handle(const nlohmann::json& request, Node& node, TimePoint now);
  nlohmann::json StatusJson(Node& node, TimePoint now) const;
  nlohmann::json Set(const std::string& key, const std::string& value);
  void Reload();
  // Limits that act inside the kernel runner: the CPU share, memory, checkpoint interval.
  void ApplyToRunner();
  void SaveControlState() const;

  SettingsSource source_;
  WorkerSettings settings_;
  int hardware_cores_;
  std::unique_ptr<ControlServer> control_server_;
  KernelRunner* runner_ = nullptr;
  MetricsRegistry* metrics_ = nullptr;
  MachineWatcher watcher_;
  ControlState control_;
  MachineReading machine_;
  Decision decision_;
  std::map<std::string, uint64_t> pauses_;
  TimePoint started_{};
};

}  // namespace potluck

// Everything a volunteer can set about their worker: the TOML file (/etc/potluck/worker.toml),
// command-line flags over it, and `potluck worker set KEY=VALUE` while it runs. Every key, its
// default and its meaning are in docs/volunteer.md; keys are named as in the file
// ("limits.cpu_percent").
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "potluck/base/status.h"

namespace potluck {

struct WorkerSettings {
  std::filesystem::path data_dir = "/var/lib/potluck-worker";
  std::string log_level = "info";

  struct Grid {
    std::vector<std::string> bootstrap;  // ENDPOINT#PEER-ID of a coordinator or any worker
    std::string listen = "tcp://127.0.0.1:0";
    std::string advertise;
    bool lan_discovery = false;
    std::string lan_beacon = "255.255.255.255:7399";
    bool insecure = false;
    double join_timeout_s = 10;
  } grid;

  struct Limits {
    int cores = 0;             // 0: all but one
    double cpu_percent = 100;  // of the cores given, by a duty cycle
    uint64_t memory_mb = 0;    // for kernels; 0: no limit
    uint64_t disk_mb = 0;      // for the data folder; 0: no limit
    double checkpoint_interval_s = 60;
  } limits;

  struct Idle {
    bool only_when_idle = false;
    double idle_minutes = 3;
    double suspend_above_cpu_percent = 0;  // other programs' share; 0: never
  } idle;

  // Day key ("daily", "mon".."sun") to windows; see worker/activity/schedule.h.
  std::map<std::string, std::string> schedule;

  struct Metrics {
    std::string listen;  // HOST:PORT for Prometheus; empty: off
  } metrics;

  struct Dashboard {
    std::string listen;  // HOST:PORT for the dashboard and its JSON API; empty: off
  } dashboard;

  // The cores to compute on, with 0 resolved to all but one of `hardware`.
  int CoresGiven(int hardware) const;
};

// Where the service's config lives when --config is not given.
inline constexpr char kDefaultConfigPath[] = "/etc/potluck/worker.toml";

// Reads a config file over the defaults. Errors are one line naming the file, the line and the
// key: "worker.toml:7: limits.cpu_percent: must be from 1 to 100, not 150".
Result<WorkerSettings> LoadWorkerSettings(const std::filesystem::path& path);

// Sets one key from text as a volunteer types it ("50", "true", "18:00-08:00"). Errors name
// the key. Used by `potluck worker set` and by the flags.
Status SetWorkerKey(WorkerSettings& settings, std::string_view key, std::string_view text);

// True for keys a running worker applies at once (limits, idle rules, schedule, log level);
// the others (grid.*, data_dir, limits.cores, metrics.*, dashboard.*) take effect at the next start.
bool IsLiveKey(std::string_view key);

// Gives every key that is not live its value in `running`: what a reload keeps until restart.
void KeepRestartKeys(WorkerSettings& next, const WorkerSettings& running);

// The keys whose values differ, by name.
std::vector<std::string> ChangedKeys(const WorkerSettings& a, const WorkerSettings& b);

// The limits and rules in force, for `potluck worker status`.
nlohmann::json LimitsJson(const WorkerSettings& settings, int hardware_cores);

}  // namespace potluck

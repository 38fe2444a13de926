#include "worker_program.h"


#include <cstdio>
#include <thread>

#include "potluck/app/http_server.h"
#include "potluck/app/program.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {
namespace {

struct SettingFlag {
  const char* names;
  const char* key;
  const char* help;
};

// Flags that take a value and stand for one key of the config file.
constexpr SettingFlag kValueFlags[] = {
    {"--data", "data_dir", "folder for the worker's database, identity and control socket"},
    {"--log-level", "log_level", "trace, debug, info, warn, error or off"},
    {"--listen", "grid.listen", "endpoint to serve peers on (tcp://HOST:0 picks a free port)"},
    {"--advertise", "grid.advertise", "endpoint peers should dial, if not the one bound"},
    {"--lan-beacon", "grid.lan_beacon", "IPV4:PORT the LAN beacons go to and are heard on"},
    {"--join-timeout", "grid.join_timeout", "seconds to wait for the first answer before giving up"},
    {"--cores", "limits.cores", "cores to compute on (0: all but one)"},
    {"--cpu-percent", "limits.cpu_percent", "share of the given cores' time to use, 1 to 100"},
    {"--memory-mb", "limits.memory_mb", "memory a unit may use, in MB (0: no limit)"},
    {"--disk-mb", "limits.disk_mb", "size the data folder may reach, in MB (0: no limit)"},
    {"--checkpoint-interval", "limits.checkpoint_interval",
     "seconds between saves of a running unit's state; a restart loses at most this much work"},
    {"--idle-minutes", "idle.idle_minutes", "minutes without input before the computer counts as idle"},
    {"--suspend-above-cpu-percent", "idle.suspend_above_cpu_percent",
     "pause while other programs use more than this share of the CPU (0: never)"},
    {"--metrics", "metrics.listen", "serve Prometheus metrics on HOST:PORT, or PORT on 127.0.0.1 (default: off)"},
    {"--dashboard", "dashboard.listen",
     "serve the dashboard and its JSON API on HOST:PORT, or PORT on 127.0.0.1 (default: off)"},
};

// Flags without a value: each sets its key to true.
constexpr SettingFlag kSwitchFlags[] = {
    {"--insecure", "grid.insecure", "plain-text links without CurveZMQ: only for debugging on a trusted network"},
    {"--lan-discovery", "grid.lan_discovery", "find peers on the local network by UDP broadcast beacons"},
    {"--only-when-idle", "idle.only_when_idle", "compute only while nobody uses the computer"},
};

// The settings flags given, in a fixed order, as (key, value) for SetWorkerKey.
std::vector<std::pair<std::string, std::string>> GivenFlags(const WorkerFlags& f) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const SettingFlag& flag : kValueFlags) {
    if (f.options.at(flag.key)->count() > 0) out.emplace_back(flag.key, f.values.at(flag.key));
  }
  for (const SettingFlag& flag : kSwitchFlags) {
    if (f.options.at(flag.key)->count() > 0) out.emplace_back(flag.key, "true");
  }
  // As a TOML array of strings: JSON's string escapes are TOML's.
  if (!f.bootstrap.empty()) out.emplace_back("grid.bootstrap", nlohmann::json(f.bootstrap).dump());
  for (const std::string& day : f.schedule) {
    const size_t eq = day.find('=');
    out.emplace_back("schedule." + day.substr(0, eq), eq == std::string::npos ? "" : day.substr(eq + 1));
  }
  return out;
}

// What cannot be checked key by key: addresses, endpoints, the cores this machine has.
Status CheckSettings(const WorkerSettings& s) {
  if (Status st = CheckEndpoint(s.grid.listen); !st.ok()) return st;
  if (!s.metrics.listen.empty()) {
    if (auto m = ParseHttpListen(s.metrics.listen, "metrics"); !m.ok()) return m.status();
  }
  if (!s.dashboard.listen.empty()) {
    if (auto d = ParseHttpListen(s.dashboard.listen, "dashboard"); !d.ok()) return d.status();
  }
  for (const auto& address : s.grid.bootstrap) {
    if (auto a = ParseAddress(address, !s.grid.insecure); !a.ok()) return a.status();
  }
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (s.limits.cores > hardware) {
    return InvalidArgument("limits.cores: " + std::to_string(s.limits.cores) + " is more than the " +
                           std::to_string(hardware) + " cores of this machine");
  }
  return Status::Ok();
}

}  // namespace

void AddWorkerFlags(CLI::App& app, WorkerFlags& f) {
  app.set_version_flag("--version", std::string("potluck-worker ") + kVersion);
  app.add_option("--config", f.config_path,
                 std::string("the config file (default ") + kDefaultConfigPath + " if it exists); flags win over it");
  for (const SettingFlag& flag : kValueFlags) f.options[flag.key] = app.add_option(flag.names, f.values[flag.key], flag.help);
  for (const SettingFlag& flag : kSwitchFlags) f.options[flag.key] = app.add_flag(flag.names, flag.help);
  app.add_option("--bootstrap,--join", f.bootstrap,
                 "address of a node to join through, a coordinator or any worker: ENDPOINT#PEER-ID (repeatable)");
  app.add_flag("--check-config", f.check_config, "read and check the config file and flags, then exit");
  app.add_option("--schedule", f.schedule,
                 "DAY=WINDOWS: when to compute, e.g. daily=18:00-08:00 or sat=all (repeatable; see docs/volunteer.md)");
}

Result<WorkerSettings> SettingsFromFlags(WorkerFlags& f) {
  SettingsSource& source = f.config.source;
  if (!f.config_path.empty()) {
    source.config_path = f.config_path;
  } else if (std::filesystem::exists(kDefaultConfigPath)) {
    source.config_path = kDefaultConfigPath;
  }
  if (source.config_path && !std::filesystem::is_regular_file(*source.config_path)) {
    return InvalidArgument("--config " + source.config_path->string() + ": no such file");
  }
  source.flags = GivenFlags(f);
  Result<WorkerSettings> settings = BuildSettings(source);
  if (!settings.ok()) return settings.status();
  if (Status s = CheckSettings(settings.value()); !s.ok()) return s;
  return settings;
}

int ParseWorkerFlags(CLI::App& app, const std::string& program, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "%s: %s (see --help)\n", program.c_str(), e.what());
    return 2;
  }
  return -1;
}

int RunWorkerProgram(CLI::App& app, WorkerFlags& f, const std::string& program, int argc, char** argv) {
  if (int code = ParseWorkerFlags(app, program, argc, argv); code >= 0) return code;
  auto fail = [&](const Status& s, int exit_code = 1) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), s.message().c_str());
    return exit_code;
  };
  Result<WorkerSettings> settings = SettingsFromFlags(f);
  // Bad values are bad input (exit 2), like bad flags.
  if (!settings.ok()) return fail(settings.status(), settings.status().code() == Code::kIoError ? 1 : 2);
  f.config.settings = std::move(settings.value());
  if (f.check_config) {
    std::printf("%s: the settings are good\n",
                f.config.source.config_path ? f.config.source.config_path->c_str() : "defaults and flags");
    return 0;
  }
  if (auto s = SetupLogging(f.config.settings.log_level); !s.ok()) return fail(s, 2);
  const auto& stop = InstallStopSignals();
  (void)InstallReloadSignal();
  if (auto s = RunWorker(f.config, stop); !s.ok()) return fail(s);
  return 0;
}

}  // namespace potluck

#include "worker_supervisor.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "potluck/app/data_dir.h"
#include "potluck/app/program.h"

namespace potluck {
namespace {

// The volunteer's pause outlives a restart: a worker paused before a reboot stays paused.
std::filesystem::path ControlStatePath(const std::filesystem::path& data_dir) { return data_dir / "paused"; }

ControlState LoadControlState(const std::filesystem::path& data_dir) {
  std::ifstream in(ControlStatePath(data_dir));
  std::string word;
  in >> word;
  return {.paused_by_volunteer = word == "paused", .finishing = word == "finishing"};
}

nlohmann::json Ok(const std::string& message) { return {{"ok", true}, {"message", message}}; }
// A refusal because the request itself is wrong (bad key or value): `potluck` exits with 2.
nlohmann::json BadInput(const std::string& error) { return {{"ok", false}, {"error", error}, {"bad_input", true}}; }

// Credit counts only results a holder verified; see Volunteer::credit().
nlohmann::json CreditJson(const Credit& c) {
  return {{"units_verified", c.units_verified},
          {"cpu_seconds_verified", c.cpu_seconds_verified},
          {"units_pending", c.units_pending}};
}

}  // namespace

Result<WorkerSettings> BuildSettings(const SettingsSource& source) {
  WorkerSettings settings;
  if (source.config_path) {
    auto loaded = LoadWorkerSettings(*source.config_path);
    if (!loaded.ok()) return loaded.status();
    settings = std::move(loaded.value());
  }
  for (const auto& [key, value] : source.flags) {
    if (Status s = SetWorkerKey(settings, key, value); !s.ok()) return s;
  }
  return settings;
}

WorkerSupervisor::WorkerSupervisor(SettingsSource source, WorkerSettings settings, int hardware_cores,
                                   std::unique_ptr<ControlServer> control)
    : source_(std::move(source)),
      settings_(std::move(settings)),
      hardware_cores_(hardware_cores),
      control_server_(std::move(control)),
      watcher_(settings_.data_dir, activity::IdleSourcesFromEnvironment()),
      control_(LoadControlState(settings_.data_dir)) {}

void WorkerSupervisor::Tick(Node& node, TimePoint now) {
  if (started_ == TimePoint{}) {
    started_ = now;
    ApplyToRunner();
  }
  if (TakeReloadRequest()) Reload();
  if (control_server_) {
    control_server_->Serve([&](const nlohmann::json& request) { return Handle(request, node, now); });
  }
  // `finish` turns into a pause once nothing is held any more.
  if (control_.finishing && node.volunteer() && node.volunteer()->leases_held() == 0) {
    control_ = {.paused_by_volunteer = true, .finishing = false};
    SaveControlState();
    spdlog::info("finished the units held; paused until `potluck worker resume`");
  }
  machine_ = watcher_.Read(now, settings_);
  Decision next = Decide(settings_, machine_, control_);
  for (PauseReason reason : next.reasons) {
    if (std::find(decision_.reasons.begin(), decision_.reasons.end(), reason) == decision_.reasons.end()) {
      ++pauses_[PauseReasonName(reason)];
      if (metrics_) {
        metrics_->Counter("potluck_pauses_total", "Times computing paused, by reason.", {{"reason", PauseReasonName(reason)}})
            .Add(1);
      }
    }
  }
  if (next.paused() != decision_.paused()) {
    if (next.paused()) {
      spdlog::info("pausing: {}", DescribePause(next, machine_, settings_));
    } else {
      spdlog::info("computing again");
    }
  }
  decision_ = std::move(next);
  if (runner_) runner_->Hold(decision_.paused());
  if (metrics_ && runner_) {
    metrics_->Counter("potluck_cpu_seconds_given_total", "CPU time the worker used computing units, in seconds.")
        .Set(runner_->cpu_seconds_given());
    metrics_->Gauge("potluck_paused", "1 while computing is paused for any reason.").Set(decision_.paused() ? 1 : 0);
    if (const Volunteer* volunteer = node.volunteer()) {
      const Credit credit = volunteer->credit();
      metrics_->Counter("potluck_credit_units_verified_total", "Units computed here that a holder verified.")
          .Set(static_cast<double>(credit.units_verified));
      metrics_->Counter("potluck_credit_cpu_seconds_verified_total",
                        "CPU seconds of units computed here that a holder verified.")
          .Set(credit.cpu_seconds_verified);
    }
  }
  node.set_accepting_work(decision_.accept_work);
}

void WorkerSupervisor::ApplyToRunner() {
  if (!runner_) return;
  runner_->SetCpuShare(settings_.limits.cpu_percent / 100);
  runner_->SetMemoryLimit(settings_.limits.memory_mb << 20);
  runner_->SetCheckpointInterval(
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(settings_.limits.checkpoint_interval_s)));
}

void WorkerSupervisor::Reload() {
  Result<WorkerSettings> loaded = BuildSettings(source_);
  if (!loaded.ok()) {
    spdlog::error("config not reloaded, keeping the last good one: {}", loaded.status().message());
    return;
  }
  for (const std::string& key : ChangedKeys(settings_, loaded.value())) {
    if (IsLiveKey(key)) {
      spdlog::info("config: {} changed", key);
    } else {
      spdlog::warn("config: {} changed; it takes effect at the next start", key);
    }
  }
  // Keys that need a restart keep their running values, so status shows what is in force.
  WorkerSettings next = loaded.value();
  KeepRestartKeys(next, settings_);
  settings_ = std::move(next);
  if (Status s = SetLogLevel(settings_.log_level); !s.ok()) spdlog::error("config: {}", s.message());
  ApplyToRunner();
  spdlog::info("config reloaded");
}

nlohmann::json WorkerSupervisor::Set(const std::string& key, const std::string& value) {
  if (!IsLiveKey(key)) {
    WorkerSettings probe = settings_;
    if (Status s = SetWorkerKey(probe, key, value); !s.ok()) return BadInput(s.message());
    return BadInput(key + " takes effect only at the next start: change it in the config file");
  }
  if (Status s = SetWorkerKey(settings_, key, value); !s.ok()) return BadInput(s.message());
  if (key == "log_level") (void)SetLogLevel(settings_.log_level);
  ApplyToRunner();
  spdlog::info("{} set to {} (until the worker restarts or reloads its config)", key, value);
  return Ok(key + " = " + value + " until the worker restarts or reloads its config");
}

void WorkerSupervisor::SaveControlState() const {
  const auto path = ControlStatePath(settings_.data_dir);
  if (!control_.paused_by_volunteer && !control_.finishing) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return;
  }
  if (Status s = WriteFileAtomically(path, control_.finishing ? "finishing\n" : "paused\n"); !s.ok()) {
    spdlog::error("could not keep the pause across restarts: {}", s.message());
  }
}

nlohmann::json WorkerSupervisor::Handle(const nlohmann::json& request, Node& node, TimePoint now) {
  const std::string command = request.value("command", "");
  if (command == "status") return StatusJson(node, now);
  // The status with the running kernel's picture, for the screensaver.
  if (command == "view") {
    nlohmann::json out = StatusJson(node, now);
    out["view"] = runner_ ? runner_->view() : nlohmann::json();
    return out;
  }
  if (command == "pause") {
    control_ = {.paused_by_volunteer = true, .finishing = false};
    SaveControlState();
    spdlog::info("paused by the volunteer");
    if (runner_) runner_->Hold(true);  // now, not at the end of this tick
    return Ok("paused; `potluck worker resume` goes on where it stopped");
  }
  if (command == "resume") {
    control_ = {};
    SaveControlState();
    spdlog::info("resumed by the volunteer");
    return Ok("resumed");
  }
  if (command == "finish") {
    control_ = {.paused_by_volunteer = false, .finishing = true};
    SaveControlState();
    spdlog::info("finishing the units held, then pausing");
    return Ok("finishing the units held, then pausing");
  }
  if (command == "set") {
    if (!request.contains("key") || !request["key"].is_string() || !request.contains("value") ||
        !request["value"].is_string()) {
      return BadInput("set needs KEY=VALUE");
    }
    return Set(request["key"].get<std::string>(), request["value"].get<std::string>());
  }
  return BadInput("unknown command '" + command.substr(0, 40) + "': status, view, pause, resume, finish or set");
}

nlohmann::json WorkerSupervisor::StatusJson(Node& node, TimePoint now) const {
  nlohmann::json units = nlohmann::json::array();
  std::optional<RunningUnit> running = runner_ ? runner_->running() : std::nullopt;
  if (running) {
    const double seconds = std::chrono::duration<double>(running->computing).count();
    nlohmann::json unit = {{"project", running->unit.project.Hex()}, {"index", running->unit.index},
                           {"workload", running->workload},          {"progress", running->progress},
                           {"computing_s", seconds},                {"cpu_s", running->cpu_seconds}};
    // Time left at the pace so far, stretched by the CPU cap; unknown until 1% is done.
    if (running->progress >= 0.01) {
      unit["eta_s"] = seconds * (1 - running->progress) / running->progress / runner_->cpu_share();
    }
    units.push_back(std::move(unit));
  }
  const Volunteer* volunteer = node.volunteer();
  const size_t held = volunteer ? volunteer->leases_held() : 0;
  std::string state = decision_.paused() ? "paused" : control_.finishing ? "finishing" : running ? "computing" : "waiting for work";

  nlohmann::json reasons = nlohmann::json::array();
  for (PauseReason r : decision_.reasons) reasons.push_back(PauseReasonName(r));
  nlohmann::json machine = {{"idle_sources", watcher_.SourcesJson()}, {"data_mb", machine_.data_bytes >> 20}};
  if (!machine_.schedule_changes_at.empty()) machine["schedule_changes_at"] = machine_.schedule_changes_at;
  if (machine_.idle_for) machine["idle_s"] = std::chrono::duration<double>(*machine_.idle_for).count();
  if (machine_.other_cpu_share) machine["other_cpu_percent"] = *machine_.other_cpu_share * 100;
  return {
      {"ok", true},
      {"peer", node.id().Hex()},
      {"version", kVersion},
      {"uptime_s", std::chrono::duration<double>(now - started_).count()},
      {"state", state},
      {"paused_because", reasons},
      {"pause", DescribePause(decision_, machine_, settings_)},
      {"units", units},
      {"units_waiting", held - (running ? std::min<size_t>(held, 1) : 0)},
      {"units_computed", volunteer ? volunteer->units_computed() : 0},
      {"cpu_seconds_given", runner_ ? runner_->cpu_seconds_given() : 0},
      {"limits", LimitsJson(settings_, hardware_cores_)},
      {"machine", machine},
      {"peers", node.membership().peer_count()},
      {"credit", CreditJson(volunteer ? volunteer->credit() : Credit{})},
  };
}

}  // namespace potluck

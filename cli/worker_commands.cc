#include "worker_commands.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "commands.h"
#include "potluck/app/control_socket.h"

namespace potluck::cli {
namespace {

int Fail(ExitCode code, const std::string& message) {
  std::fprintf(stderr, "potluck: %s\n", message.c_str());
  return code;
}

Result<nlohmann::json> Ask(const WorkerTarget& target, const nlohmann::json& request) {
  const auto timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(target.answer_timeout_s));
  return AskWorker(ControlSocketPath(target.data_dir), request, timeout);
}

std::string Span(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "unknown";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string Megabytes(uint64_t mb) { return mb == 0 ? "no limit" : fmt::format("{} MB", mb); }

void PrintStatus(const nlohmann::json& s) {
  std::printf("worker     %s  potluck-worker %s, up %s\n", s.value("peer", "").substr(0, 12).c_str(),
              s.value("version", "").c_str(), Span(s.value("uptime_s", 0.0)).c_str());
  std::printf("state      %s\n", s.value("state", "").c_str());
  if (!s.value("pause", "").empty()) std::printf("because    %s\n", s.value("pause", "").c_str());
  for (const auto& u : s.value("units", nlohmann::json::array())) {
    const std::string eta = u.contains("eta_s") ? "eta " + Span(u["eta_s"].get<double>()) : "eta unknown";
    std::printf("unit       %s#%llu  %s  %.1f%%  %s\n", u.value("project", "").substr(0, 12).c_str(),
                static_cast<unsigned long long>(u.value("index", 0ULL)), u.value("workload", "").c_str(),
                100 * u.value("progress", 0.0), eta.c_str());
  }
  std::printf("waiting    %llu units held\n", static_cast<unsigned long long>(s.value("units_waiting", 0ULL)));
  std::printf("computed   %llu units, %.0f CPU seconds given\n",
              static_cast<unsigned long long>(s.value("units_computed", 0ULL)), s.value("cpu_seconds_given", 0.0));
  if (s.contains("credit")) {
    const auto& c = s["credit"];
    std::printf("credit     %llu units verified, %.2f core-hours of verified work, %llu awaiting a verdict\n",
                static_cast<unsigned long long>(c.value("units_verified", 0ULL)),
                c.value("cpu_seconds_verified", 0.0) / 3600,
                static_cast<unsigned long long>(c.value("units_pending", 0ULL)));
  }
  const auto& l = s.value("limits", nlohmann::json::object());
  std::printf("limits     %d cores at %.0f%% CPU, memory %s, disk %s, checkpoint every %.0f s\n", l.value("cores", 0),
              l.value("cpu_percent", 100.0), Megabytes(l.value("memory_mb", 0ULL)).c_str(),
              Megabytes(l.value("disk_mb", 0ULL)).c_str(), l.value("checkpoint_interval_s", 0.0));
  std::string when = l.value("only_when_idle", false) ? fmt::format("only when idle {} min", l.value("idle_minutes", 0.0))
                                                      : "whether or not the computer is in use";
  if (l.value("suspend_above_cpu_percent", 0.0) > 0) {
    when += fmt::format("; pause above {:.0f}% CPU used by others", l.value("suspend_above_cpu_percent", 0.0));
  }
  for (const auto& [day, windows] : l.value("schedule", nlohmann::json::object()).items()) {
    when += fmt::format("; {} {}", day, windows.is_string() ? windows.get<std::string>() : windows.dump());
  }
  std::printf("when       %s\n", when.c_str());
  const auto& m = s.value("machine", nlohmann::json::object());
  std::string machine = !l.value("only_when_idle", false) ? "idleness not watched"
                        : m.contains("idle_s")             ? "idle " + Span(m["idle_s"].get<double>())
                                                           : "idleness unknown";
  std::string sources;
  for (const auto& source : m.value("idle_sources", nlohmann::json::array())) {
    sources += (sources.empty() ? "" : ", ") + source.get<std::string>();
  }
  if (!sources.empty()) machine += " (" + sources + ")";
  if (m.contains("other_cpu_percent")) machine += fmt::format(", other programs {:.0f}% CPU", m["other_cpu_percent"].get<double>());
  machine += fmt::format(", data folder {} MB", m.value("data_mb", 0ULL));
  std::printf("machine    %s\n", machine.c_str());
  std::printf("peers      %llu known\n", static_cast<unsigned long long>(s.value("peers", 0ULL)));
}

// Prints the worker's answer to a command; a refusal is an error.
int Report(const WorkerTarget& target, const Result<nlohmann::json>& answer) {
  if (!answer.ok()) return Fail(kFailure, answer.status().message());
  const nlohmann::json& a = answer.value();
  if (target.json) std::printf("%s\n", a.dump().c_str());
  if (!a.value("ok", false)) {
    return Fail(a.value("bad_input", false) ? kBadInput : kFailure, a.value("error", "the worker refused"));
  }
  if (!target.json) std::printf("%s\n", a.value("message", "done").c_str());
  return kOk;
}

}  // namespace

int WorkerStatus(const WorkerTarget& target) {
  auto answer = Ask(target, {{"command", "status"}});
  if (!answer.ok()) return Fail(kFailure, answer.status().message());
  if (!answer->value("ok", false)) return Fail(kFailure, answer->value("error", "the worker refused"));
  if (target.json) {
    std::printf("%s\n", answer->dump().c_str());
  } else {
    PrintStatus(answer.value());
  }
  return kOk;
}

int WorkerCommand(const WorkerTarget& target, const std::string& command) {
  return Report(target, Ask(target, {{"command", command}}));
}

int WorkerSet(const WorkerTarget& target, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) return Fail(kBadInput, "set: expected KEY=VALUE, e.g. limits.cpu_percent=50");
  return Report(target, Ask(target, {{"command", "set"}, {"key", assignment.substr(0, eq)}, {"value", assignment.substr(eq + 1)}}));
}

}  // namespace potluck::cli

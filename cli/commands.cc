#include "commands.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "client.h"
#include "potluck/app/data_dir.h"
#include "potluck/core/manifest.h"
#include "potluck/proto/json.h"
#include "registry.h"

namespace potluck::cli {
namespace {

int Fail(ExitCode code, const std::string& message) {
  std::fprintf(stderr, "potluck: %s\n", message.c_str());
  return code;
}

std::filesystem::path HomeDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("POTLUCK_HOME"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "potluck";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".local/share/potluck";
}

std::optional<ProjectId> ParseProject(const std::string& text) { return ProjectId::FromHex(text); }

// Asks for a project's status (or result); on a refusal returns the holder's message.
Result<ProjectStatus> AskProject(Client& client, const ProjectId& id, ProjectRequest::Kind kind) {
  auto answer = client.Ask(ProjectRequest{kind, id});
  if (!answer.ok()) return answer.status();
  if (auto* status = std::get_if<ProjectStatus>(&answer.value())) return std::move(*status);
  if (auto* reply = std::get_if<Reply>(&answer.value()); reply && !reply->ok) return NotFound(reply->error);
  return Corrupt(client.address() + " gave an answer of the wrong kind");
}

std::string Clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  auto s = static_cast<long long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  }
  return text;
}

void PrintCounts(const ProjectStatus& s) {
  const UnitCounts& u = s.units;
  std::printf("project   %s\n", s.project.Hex().c_str());
  std::printf("workload  %s v%u\n", s.workload.c_str(), s.workload_version);
  std::printf("units     %llu total: %llu verified, %llu in flight, %llu waiting, %llu failed\n",
              static_cast<unsigned long long>(u.total), static_cast<unsigned long long>(u.verified),
              static_cast<unsigned long long>(u.in_flight), static_cast<unsigned long long>(u.waiting),
              static_cast<unsigned long long>(u.failed));
  std::printf("workers   %u\n", s.workers);
  std::printf("rate      %.2f units/s verified\n", s.verified_per_second);
  if (s.cancelled) std::printf("state     cancelled by its owner\n");
}

}  // namespace

int Submit(const Target& target, const SubmitOptions& o) {
  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  const Workload* workload = workloads.FindLatest(o.workload);
  if (!workload) {
    std::string known;
    for (const Workload* w : workloads.All()) known += (known.empty() ? "" : ", ") + std::string(w->Name());
    return Fail(kBadInput, "--workload: unknown workload '" + o.workload + "' (known: " + known + ")");
  }
  Manifest m;
  m.workload = workload->Name();
  m.workload_version = workload->Version();
  for (const std::string& kv : o.params) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return Fail(kBadInput, "--param: '" + kv + "' is not KEY=VALUE");
    if (!m.params.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second) {
      return Fail(kBadInput, "--param: '" + kv.substr(0, eq) + "' given twice");
    }
  }
  if (o.units <= 0) return Fail(kBadInput, "--units: must be at least 1");
  m.units = static_cast<uint64_t>(o.units);
  m.policy.min_quorum = static_cast<uint32_t>(o.quorum);
  m.policy.max_replicas = static_cast<uint32_t>(o.max_replicas > 0 ? o.max_replicas : o.quorum + 3);
  m.policy.deadline = std::chrono::seconds(o.deadline_s);
  m.policy.holders = static_cast<uint32_t>(o.holders);
  m.policy.distinct_networks = !o.any_network;
  m.policy.spot_check_ppm = static_cast<uint32_t>(std::lround(o.spot_check * 1e6));
  m.priority = o.priority;
  m.created_unix_ms = ToUnixMs(SystemClock().Now());
  if (auto s = CheckPolicy(m.policy); !s.ok()) return Fail(kBadInput, s.message());
  // Checked here so that a typo costs no round trip; the holder checks again.
  if (auto s = workload->Validate(m.params, m.units); !s.ok()) return Fail(kBadInput, s.message());

  auto home = HomeDir(o.home);
  if (auto s = PrepareDataDir(home); !s.ok()) return Fail(kFailure, "key folder: " + s.message());
  auto owner = Identity::LoadOrCreate(home);
  if (!owner.ok()) return Fail(kFailure, owner.status().message());
  m.owner = owner->id();

  Client client(target);
  auto answer = client.Ask(SubmitProject{SignManifest(m, owner.value())});
  if (!answer.ok()) return Fail(kFailure, answer.status().message());
  auto* reply = std::get_if<Reply>(&answer.value());
  if (!reply) return Fail(kFailure, target.to + " gave an answer of the wrong kind");
  if (!reply->ok || !reply->project) return Fail(kBadInput, "refused: " + reply->error);
  std::printf("%s\n", reply->project->Hex().c_str());
  return kOk;
}

int Status(const Target& target, const std::string& project) {
  auto id = ParseProject(project);
  if (!id) return Fail(kBadInput, "'" + project + "' is not a project id (64 hex digits)");
  Client client(target);
  auto status = AskProject(client, *id, ProjectRequest::Kind::kStatus);
  if (!status.ok()) return Fail(kFailure, status.status().message());
  if (target.json) {
    std::printf("%s\n", ToJson(status.value()).dump().c_str());
  } else {
    PrintCounts(status.value());
  }
  return kOk;
}

int Results(const Target& target, const std::string& project) {
  auto id = ParseProject(project);
  if (!id) return Fail(kBadInput, "'" + project + "' is not a project id (64 hex digits)");
  Client client(target);
  auto status = AskProject(client, *id, ProjectRequest::Kind::kResults);
  if (!status.ok()) return Fail(kFailure, status.status().message());
  const ProjectStatus& s = status.value();
  if (target.json) {
    std::printf("%s\n", ToJson(s).dump().c_str());
    return kOk;
  }
  const bool complete = s.units.verified == s.units.total;
  std::printf("%s%s\n", complete ? "" : "partial result: ", s.summary.c_str());
  std::printf("%llu of %llu units verified", static_cast<unsigned long long>(s.units.verified),
              static_cast<unsigned long long>(s.units.total));
  if (s.units.failed > 0) std::printf(", %llu failed", static_cast<unsigned long long>(s.units.failed));
  std::printf("\n");
  return kOk;
}

int Cancel(const Target& target, const std::string& project, const std::string& home_flag) {
  auto id = ParseProject(project);
  if (!id) return Fail(kBadInput, "'" + project + "' is not a project id (64 hex digits)");
  auto home = HomeDir(home_flag);
  if (!std::filesystem::exists(home / "identity.key")) {
    return Fail(kBadInput, "no owner key in " + home.string() + ": only the key that submitted a project can cancel it");
  }
  auto owner = Identity::LoadOrCreate(home);
  if (!owner.ok()) return Fail(kFailure, owner.status().message());
  Client client(target);
  auto answer = client.Ask(CancelProject{*id, owner->Sign(CancelStatement(*id))});
  if (!answer.ok()) return Fail(kFailure, answer.status().message());
  auto* reply = std::get_if<Reply>(&answer.value());
  if (!reply) return Fail(kFailure, target.to + " gave an answer of the wrong kind");
  if (!reply->ok) return Fail(kFailure, "refused: " + reply->error);
  std::printf("cancelled %s\n", id->Hex().c_str());
  return kOk;
}

int Keys(const std::string& home_flag, bool json) {
  auto home = HomeDir(home_flag);
  if (auto s = PrepareDataDir(home); !s.ok()) return Fail(kFailure, "key folder: " + s.message());
  auto owner = Identity::LoadOrCreate(home);
  if (!owner.ok()) return Fail(kFailure, owner.status().message());
  const std::string file = (home / "identity.key").string();
  if (json) {
    std::printf("%s\n", nlohmann::json{{"peer", owner->id().Hex()}, {"short", owner->id().Short()}, {"key_file", file}}
                             .dump()
                             .c_str());
  } else {
    std::printf("peer id   %s\nshort     %s\nkey file  %s (owner-only; it signs your projects)\n",
                owner->id().Hex().c_str(), owner->id().Short().c_str(), file.c_str());
  }
  return kOk;
}

int Peers(const Target& target) {
  Client client(target);
  auto answer = client.Ask(PeersRequest{});
  if (!answer.ok()) return Fail(kFailure, answer.status().message());
  auto* gossip = std::get_if<Gossip>(&answer.value());
  if (!gossip) return Fail(kFailure, target.to + " gave an answer of the wrong kind");
  if (target.json) {
    std::printf("%s\n", PeersJson(gossip->offers).dump().c_str());
    return kOk;
  }
  std::printf("%-12s  %-28s  %5s  %8s  %4s  %5s  %s\n", "peer", "endpoint", "cores", "speed", "free", "holds",
              "workloads");
  for (const Offer& o : gossip->offers) {
    std::string workloads;
    for (const auto& w : o.workloads) workloads += (workloads.empty() ? "" : ",") + w.name + " v" + std::to_string(w.version);
    // The table has room for the endpoint; the full id is in --json.
    auto address = ParseAddress(o.endpoint, false);
    std::string endpoint = address.ok() ? address->endpoint : o.endpoint;
    std::printf("%-12s  %-28s  %5u  %8.1f  %4u  %5zu  %s\n", o.peer.Short().c_str(), endpoint.c_str(), o.cores,
                o.speed, o.free_slots, o.holds.size(), workloads.c_str());
  }
  return kOk;
}

int Wait(const Target& target, const std::string& project, double timeout_s) {
  auto id = ParseProject(project);
  if (!id) return Fail(kBadInput, "'" + project + "' is not a project id (64 hex digits)");
  Client client(target);
  const bool tty = isatty(STDOUT_FILENO);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  std::string last_line;
  auto last_print = start - std::chrono::hours(1);
  for (;;) {
    auto status = AskProject(client, *id, ProjectRequest::Kind::kStatus);
    auto now = std::chrono::steady_clock::now();
    if (!status.ok()) {
      // A holder restarting is expected during a long wait; an unknown project is not.
      if (status.status().code() == Code::kNotFound) return Fail(kFailure, status.status().message());
      std::fprintf(stderr, "potluck: %s; still waiting\n", status.status().message().c_str());
    } else {
      const UnitCounts& u = status->units;
      double rate = status->verified_per_second;
      double eta = EtaSeconds(status.value()).value_or(NAN);
      double fraction = u.total ? static_cast<double>(u.verified) / static_cast<double>(u.total) : 0;
      char line[256];
      std::snprintf(line, sizeof line, "%llu/%llu verified, %llu in flight, %llu failed, %.1f units/s, ETA %s",
                    static_cast<unsigned long long>(u.verified), static_cast<unsigned long long>(u.total),
                    static_cast<unsigned long long>(u.in_flight), static_cast<unsigned long long>(u.failed), rate,
                    Clock(eta).c_str());
      if (tty) {
        constexpr int kBarWidth = 30;
        int filled = static_cast<int>(fraction * kBarWidth);
        std::printf("\r[%s%s] %s\033[K", std::string(static_cast<size_t>(filled), '#').c_str(),
                    std::string(static_cast<size_t>(kBarWidth - filled), '.').c_str(), line);
        std::fflush(stdout);
      } else if (line != last_line && now - last_print >= std::chrono::seconds(2)) {
        std::printf("%s\n", line);
        std::fflush(stdout);
        last_line = line;
        last_print = now;
      }
      if (status->cancelled) {
        if (tty) std::printf("\n");
        return Fail(kUnitsFailed, "the project was cancelled by its owner");
      }
      if (u.verified + u.failed == u.total) {
        if (tty) std::printf("\n");
        if (!tty && line != last_line) std::printf("%s\n", line);
        if (u.failed > 0) {
          return Fail(kUnitsFailed, std::to_string(u.failed) + " units failed: their results never reached a quorum");
        }
        std::printf("all %llu units verified\n", static_cast<unsigned long long>(u.total));
        return kOk;
      }
    }
    if (now >= deadline) {
      if (tty) std::printf("\n");
      return Fail(kTimedOut, "timed out after " + Clock(timeout_s) + " with the project unfinished");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace potluck::cli

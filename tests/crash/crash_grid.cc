#include "crash/crash_grid.h"

#include <fmt/format.h>

namespace potluck::crash {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadFile;
using testing::RunCommand;

// How long a node may take to serve after it starts: its database, a short speed benchmark
// for workers, binding its port.
constexpr auto kStartWaitMax = 20s;
constexpr auto kCliWaitMax = 20s;

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string LastLine(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.substr(text.rfind('\n') + 1);
}

}  // namespace

CrashGrid::CrashGrid(std::filesystem::path bin_dir, std::filesystem::path dir, int workers,
                     double checkpoint_interval_s)
    : bin_dir_(std::move(bin_dir)), dir_(std::move(dir)), checkpoint_interval_s_(checkpoint_interval_s) {
  nodes_.push_back({.name = "coordinator", .coordinator = true});
  for (int i = 0; i < workers; ++i) nodes_.push_back({.name = "worker" + std::to_string(i)});
  for (GridNode& node : nodes_) {
    node.data = dir_ / node.name;
    node.log = dir_ / (node.name + ".log");
  }
}

std::vector<std::string> CrashGrid::Arguments(const GridNode& node) const {
  // Restarts listen where the first start did: peers dial the address they stored.
  const std::string listen = node.address.empty() ? "tcp://127.0.0.1:0" : node.address.substr(0, node.address.find('#'));
  if (node.coordinator) {
    return {(bin_dir_ / "potluck-coordinator").string(), "--listen", listen, "--data", node.data.string(),
            "--log-level", "info"};
  }
  return {(bin_dir_ / "potluck-worker").string(),
          "--listen",
          listen,
          "--data",
          node.data.string(),
          "--cores",
          "1",
          "--checkpoint-interval",
          fmt::format("{}", checkpoint_interval_s_),
          "--bootstrap",
          nodes_.front().address,
          "--log-level",
          "info"};
}

std::string CrashGrid::StartAll() {
  for (GridNode& node : nodes_) {
    if (std::string error = Start(node); !error.empty()) return error;
  }
  return "";
}

std::string CrashGrid::Start(GridNode& node) {
  std::filesystem::remove(node.data / "endpoint");
  node.process = std::make_unique<Process>(Arguments(node), node.log);
  ++node.starts;
  bool serving = Eventually([&] { return std::filesystem::exists(node.data / "endpoint") || node.process->Poll(); },
                            kStartWaitMax);
  if (auto code = node.process->Poll()) {
    return fmt::format("{} exited with code {} when started on its data folder (start {}): {}", node.name, *code,
                       node.starts, LastLine(ReadFile(node.log)));
  }
  if (!serving) return fmt::format("{} did not serve within {} s of start {}", node.name, kStartWaitMax.count(), node.starts);
  std::string address = FirstLine(ReadFile(node.data / "endpoint"));
  if (!node.address.empty() && address != node.address) {
    return fmt::format("{} came back as {} instead of {}", node.name, address, node.address);
  }
  node.address = address;
  return "";
}

void CrashGrid::Kill(GridNode& node) {
  if (!node.process) return;
  if (!node.coordinator) node.cpu_seconds_before += std::max(0.0, testing::CpuSecondsOf(node.process->pid()));
  node.process->Kill9();
}

void CrashGrid::StopAll() {
  for (GridNode& node : nodes_) {
    if (node.up()) node.process->Stop(5s);
  }
}

CommandResult CrashGrid::Cli(std::vector<std::string> args, std::chrono::milliseconds limit) {
  args.insert(args.begin(), (bin_dir_ / "potluck").string());
  return RunCommand(args, limit);
}

WorkerView CrashGrid::Status(const GridNode& worker) {
  WorkerView view;
  auto r = Cli({"worker", "status", "--json", "--data", worker.data.string()}, kCliWaitMax);
  if (r.exit_code != 0) return view;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (!j.is_object()) return view;
  view.answered = true;
  if (j["units"].is_array() && !j["units"].empty()) {
    const auto& unit = j["units"][0];
    view.unit = unit["index"].get<uint64_t>();
    view.project = unit["project"].get<std::string>();
    view.progress = unit["progress"].get<double>();
  }
  return view;
}

nlohmann::json CrashGrid::Ask(const GridNode& node, const std::string& command, const std::string& project) {
  auto r = Cli({command, project, "--json", "--to", node.address, "--answer-timeout", "3"}, kCliWaitMax);
  if (r.exit_code != 0) return nullptr;
  return nlohmann::json::parse(r.out, nullptr, false);
}

bool CrashGrid::Holds(const GridNode& node, const std::string& project) {
  return Ask(node, "status", project).is_object();
}

std::string CrashGrid::StoredCheckpoint(const GridNode& worker, const std::string& project, uint64_t unit) {
  const std::string sql = fmt::format(
      "SELECT hex(state) FROM checkpoints WHERE lower(hex(project)) = '{}' AND unit = {};", project, unit);
  auto r = RunCommand({"/usr/bin/sqlite3", (worker.data / "node.db").string(), sql}, kCliWaitMax);
  return r.exit_code == 0 ? FirstLine(r.out) : "";
}

bool CrashGrid::Claimed(const GridNode& worker, const std::string& project, uint64_t unit) {
  const std::string where = fmt::format("WHERE lower(hex(project)) = '{}' AND unit = {}", project, unit);
  const std::string sql =
      fmt::format("SELECT (SELECT count(*) FROM outbox {0}) + (SELECT count(*) FROM credit {0});", where);
  auto r = RunCommand({"/usr/bin/sqlite3", (worker.data / "node.db").string(), sql}, kCliWaitMax);
  return r.exit_code == 0 && !r.out.empty() && std::stol(r.out) > 0;
}

double CrashGrid::WorkerCpuSeconds() {
  double total = 0;
  for (GridNode& node : nodes_) {
    if (node.coordinator) continue;
    total += node.cpu_seconds_before;
    if (node.up()) total += std::max(0.0, testing::CpuSecondsOf(node.process->pid()));
  }
  return total;
}

}  // namespace potluck::crash

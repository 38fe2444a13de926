// A grid of real potluck processes on 127.0.0.1 for integration tests: a coordinator,
// workers, and the CLI pointed at any of them. Every process is stopped when the Grid goes.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "integration/process.h"

namespace potluck::testing {

using namespace std::chrono_literals;

const std::string kBin = POTLUCK_BIN_DIR;
const std::string kCoordinator = kBin + "/potluck-coordinator";
const std::string kWorker = kBin + "/potluck-worker";
const std::string kCli = kBin + "/potluck";
const std::string kSaboteur = kBin + "/potluck-saboteur";

// The endpoint of a node's address (ENDPOINT#PEER-ID), as --listen takes it.
inline std::string EndpointOf(const std::string& address) { return address.substr(0, address.find('#')); }

// `address` with its endpoint swapped for `endpoint`: the same node's key, somewhere else.
inline std::string Elsewhere(const std::string& address, const std::string& endpoint) {
  return endpoint + address.substr(address.find('#'));
}

// What `potluck worker status --json` says of the worker on `data`; null if it does not answer.
inline nlohmann::json WorkerStatus(const std::filesystem::path& data) {
  auto r = RunCommand({kCli, "worker", "status", "--json", "--data", data.string()}, 20s);
  return r.exit_code == 0 ? nlohmann::json::parse(r.out, nullptr, false) : nlohmann::json();
}

class Grid {
 public:
  explicit Grid(const TempDir& dir) : dir_(dir) {}

  // Starts the coordinator, with `extra` arguments, and waits, bounded, for the endpoint it bound.
  void StartCoordinator(const std::string& listen = "tcp://127.0.0.1:0", std::vector<std::string> extra = {}) {
    auto data = dir_.path() / "coordinator";
    std::filesystem::remove(data / "endpoint");
    std::vector<std::string> args = {kCoordinator, "--listen",     listen, "--data", data.string(), "--peer-timeout",
                                     "3",          "--log-level", "info"};
    args.insert(args.end(), extra.begin(), extra.end());
    coordinator_ = std::make_unique<Process>(args, dir_.path() / "coordinator.log");
    ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(data / "endpoint") || coordinator_->Poll(); }, 10s));
    ASSERT_FALSE(coordinator_->Poll()) << ReadFile(dir_.path() / "coordinator.log");
    endpoint_ = ReadFile(data / "endpoint");
    endpoint_.erase(endpoint_.find_last_not_of("\n") + 1);
  }

  void StartWorker(int i) { StartWorker(i, {endpoint_}); }

  // A worker that serves peers on a free port and joins through `bootstrap` (maybe none).
  // Waits, bounded, until it listens, and records its endpoint.
  void StartWorker(int i, const std::vector<std::string>& bootstrap, std::vector<std::string> extra = {}) {
    auto data = dir_.path() / ("worker" + std::to_string(i));
    std::filesystem::remove(data / "endpoint");
    // A first extra argument of "--sabotage" starts the test-only saboteur instead.
    const std::string& program = !extra.empty() && extra[0] == "--sabotage" ? kSaboteur : kWorker;
    std::vector<std::string> args = {program, "--listen", "tcp://127.0.0.1:0", "--data", data.string(), "--cores", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const auto& b : bootstrap) {
      args.push_back("--bootstrap");
      args.push_back(b);
    }
    const auto log = dir_.path() / ("worker" + std::to_string(i) + ".log");
    workers_[i] = std::make_unique<Process>(args, log);
    ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(data / "endpoint") || workers_[i]->Poll(); }, 20s));
    ASSERT_FALSE(workers_[i]->Poll()) << ReadFile(log);
    std::string endpoint = ReadFile(data / "endpoint");
    worker_endpoints_[i] = endpoint.substr(0, endpoint.find('\n'));
  }

  CommandResult Cli(std::vector<std::string> args, std::chrono::milliseconds limit = 60s) {
    return CliTo(endpoint_, std::move(args), limit);
  }

  CommandResult CliTo(const std::string& to, std::vector<std::string> args, std::chrono::milliseconds limit = 60s) {
    args.insert(args.begin(), kCli);
    args.push_back("--to");
    args.push_back(to);
    return RunCommand(args, limit);
  }

  std::string Submit(const std::string& to, int units) { return SubmitTo(endpoint_, to, units); }

  // Workers on loopback share a host, so the quorum's network rule is off unless asked for.
  std::string SubmitTo(const std::string& node, const std::string& to, int units, bool any_network = true) {
    std::vector<std::string> args = {"submit", "--workload", "primes", "--param", "from=0", "--param", "to=" + to,
                                     "--units", std::to_string(units), "--quorum", "2", "--home",
                                     (dir_.path() / "owner").string()};
    if (any_network) args.push_back("--any-network");
    auto r = CliTo(node, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string id = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(id.size(), 64u) << r.out;
    return id;
  }

  nlohmann::json Json(const std::string& command, const std::string& id) { return JsonFrom(endpoint_, command, id); }

  nlohmann::json JsonFrom(const std::string& node, const std::string& command, const std::string& id) {
    auto r = CliTo(node, {command, id, "--json"}, 20s);
    if (r.exit_code != 0) return nullptr;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  // The peers `node` lists in `potluck peers`, itself included; 0 if it does not answer.
  size_t PeersKnownBy(const std::string& node) {
    auto j = nlohmann::json::parse(CliTo(node, {"peers", "--json"}, 10s).out, nullptr, false);
    return j.is_object() ? j["peers"].size() : 0;
  }

  uint64_t Verified(const std::string& id) {
    auto j = Json("status", id);
    return j.is_object() ? j["units"]["verified"].get<uint64_t>() : 0;
  }

  std::string Logs() {
    std::string all;
    for (auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      if (entry.path().extension() == ".log") all += "== " + entry.path().string() + "\n" + ReadFile(entry.path());
    }
    return all;
  }

  const TempDir& dir_;
  std::string endpoint_;
  std::map<int, std::string> worker_endpoints_;
  std::unique_ptr<Process> coordinator_;
  std::map<int, std::unique_ptr<Process>> workers_;
};


}  // namespace potluck::testing

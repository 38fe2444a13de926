// The real coordinator, workers and CLI on 127.0.0.1 with ephemeral ports.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "integration/grid.h"

namespace potluck::testing {
namespace {

using namespace std::chrono_literals;

// pi(3 * 10^9), from Debian's primesieve.
constexpr uint64_t kPrimesBelow3e9 = 144449537;

TEST(GridIntegrationTest, ProjectIsComputedAndVerifiedByThreeWorkers) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  // At debug, each worker logs every unit it computes.
  for (int i = 0; i < 3; ++i) grid.StartWorker(i, {grid.endpoint_}, {"--log-level", "debug"});
  std::string id = grid.Submit("20000000", 20);
  auto wait = grid.Cli({"wait", id, "--timeout", "120"}, 150s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  auto results = grid.Json("results", id);
  ASSERT_TRUE(results.is_object());
  EXPECT_EQ(results["project"], id);
  EXPECT_EQ(results["units"]["verified"], 20);
  EXPECT_EQ(results["units"]["total"], 20);
  EXPECT_EQ(results["complete"], true);
  EXPECT_EQ(results["result"]["primes"], 1270607);  // pi(2 * 10^7)
  // The human form says the same.
  auto human = grid.Cli({"results", id});
  EXPECT_NE(human.out.find("1270607 primes"), std::string::npos) << human.out;
  // Every unit was verified by two distinct workers: each log names the units it computed.
  int computed = 0;
  for (int i = 0; i < 3; ++i) {
    std::string log = ReadFile(dir.path() / ("worker" + std::to_string(i) + ".log"));
    for (size_t at = log.find("computed unit"); at != std::string::npos; at = log.find("computed unit", at + 1)) {
      ++computed;
    }
  }
  EXPECT_GE(computed, 40);
}

// The rows of `sql` on a node's database, read while the node runs (WAL allows it); -1 on error.
long CountRows(const std::filesystem::path& db, const std::string& sql) {
  auto r = RunCommand({"/usr/bin/sqlite3", db.string(), sql}, 10s);
  return r.exit_code == 0 && !r.out.empty() ? std::stol(r.out) : -1;
}

// Two workers compute the same single unit, of several seconds; one is killed with kill -9
// after its first checkpoint and resumes from it. The unit is verified only if both results
// are bit-identical. Returns the project id.
std::string KilledWorkerResumesToTheSameBytes(Grid& grid, const TempDir& dir, std::vector<std::string> workload) {
  grid.StartCoordinator();
  const std::vector<std::string> quick_checkpoints = {"--checkpoint-interval", "0.2"};
  grid.StartWorker(0, {grid.endpoint_}, quick_checkpoints);
  grid.StartWorker(1, {grid.endpoint_});
  std::vector<std::string> args = {"submit"};
  args.insert(args.end(), workload.begin(), workload.end());
  for (const char* a : {"--units", "1", "--quorum", "2", "--max-replicas", "2", "--any-network", "--home"}) args.push_back(a);
  args.push_back((dir.path() / "owner").string());
  auto r = grid.Cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string id = r.out.substr(0, r.out.find('\n'));
  const auto db = dir.path() / "worker0" / "node.db";
  EXPECT_TRUE(Eventually([&] { return CountRows(db, "SELECT count(*) FROM checkpoints") > 0; }, 60s)) << grid.Logs();
  grid.workers_[0]->Kill9();

  grid.StartWorker(0, {grid.endpoint_}, quick_checkpoints);
  auto wait = grid.Cli({"wait", id, "--timeout", "120"}, 150s);
  EXPECT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  EXPECT_NE(ReadFile(dir.path() / "worker0.log").find("from its checkpoint"), std::string::npos) << grid.Logs();
  EXPECT_EQ(CountRows(db, "SELECT count(*) FROM checkpoints"), 0);  // dropped once done
  return id;
}

TEST(GridIntegrationTest, PrimesUnitKilledMidwayResumesFromItsCheckpoint) {
  TempDir dir;
  Grid grid(dir);
  std::string id = KilledWorkerResumesToTheSameBytes(grid, dir, {"--workload", "primes", "--param", "to=2e10"});
  EXPECT_EQ(grid.Json("results", id)["result"]["primes"], 882206716u);  // pi(2e10)
}

TEST(GridIntegrationTest, LjMdUnitKilledMidwayResumesFromItsCheckpoint) {
  TempDir dir;
  Grid grid(dir);
  std::string id = KilledWorkerResumesToTheSameBytes(
      grid, dir, {"--workload", "lj-md", "--param", "cells=8", "--param", "steps=4000", "--param", "thermo_every=500"});
  EXPECT_EQ(grid.Json("status", id)["units"]["verified"], 1);
}

TEST(GridIntegrationTest, WorkerKilledMidProjectIsReplacedAndResumes) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  for (int i = 0; i < 3; ++i) grid.StartWorker(i);
  std::string id = grid.Submit("3000000000", 60);
  ASSERT_TRUE(Eventually([&] { return grid.Verified(id) >= 5; }, 60s)) << grid.Logs();
  grid.workers_[0]->Kill9();
  ASSERT_TRUE(Eventually([&] { return grid.Verified(id) >= 20; }, 60s)) << grid.Logs();
  grid.StartWorker(0);  // same data folder: same identity, its outbox is delivered
  auto wait = grid.Cli({"wait", id, "--timeout", "150"}, 180s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  auto results = grid.Json("results", id);
  EXPECT_EQ(results["result"]["primes"], kPrimesBelow3e9);
}

TEST(GridIntegrationTest, CoordinatorKilledAndRestartedLosesNothing) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  for (int i = 0; i < 3; ++i) grid.StartWorker(i);
  std::string id = grid.Submit("3000000000", 60);
  ASSERT_TRUE(Eventually([&] { return grid.Verified(id) >= 10; }, 60s)) << grid.Logs();
  grid.coordinator_->Kill9();
  uint64_t before = 0;
  {
    // Restart on the same port with the same data: the workers reconnect by themselves.
    grid.StartCoordinator(EndpointOf(grid.endpoint_));
    before = grid.Verified(id);
  }
  EXPECT_GE(before, 10u) << "verified units were lost in the restart";
  auto wait = grid.Cli({"wait", id, "--timeout", "150"}, 180s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  auto results = grid.Json("results", id);
  EXPECT_EQ(results["result"]["primes"], kPrimesBelow3e9);
  EXPECT_EQ(results["units"]["failed"], 0);
}

TEST(GridIntegrationTest, OnlyTheOwnersKeyCancelsAProject) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  const std::string owner = (dir.path() / "owner").string(), stranger = (dir.path() / "stranger").string();
  auto keys = RunCommand({kCli, "keys", "--home", owner, "--json"}, 10s);
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  auto key = nlohmann::json::parse(keys.out);
  EXPECT_EQ(key["peer"].get<std::string>().size(), 64u);
  EXPECT_EQ(std::filesystem::status(dir.path() / "owner" / "identity.key").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The same key next time.
  EXPECT_EQ(nlohmann::json::parse(RunCommand({kCli, "keys", "--home", owner, "--json"}, 10s).out)["peer"], key["peer"]);

  std::string id = grid.Submit("1000000000", 10);  // no workers: it waits
  auto refused = grid.Cli({"cancel", id, "--home", stranger});
  EXPECT_NE(refused.exit_code, 0);
  RunCommand({kCli, "keys", "--home", stranger}, 10s);
  refused = grid.Cli({"cancel", id, "--home", stranger});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("owner"), std::string::npos) << refused.err;
  auto cancelled = grid.Cli({"cancel", id, "--home", owner});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_EQ(grid.Json("status", id)["cancelled"], true);
  auto wait = grid.Cli({"wait", id, "--timeout", "10"}, 30s);
  EXPECT_EQ(wait.exit_code, 3);
  EXPECT_NE(wait.err.find("cancelled"), std::string::npos) << wait.err;
}

TEST(GridIntegrationTest, GarbageOnTheWireIsDroppedAndTheCoordinatorLivesOn) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  int port = std::stoi(grid.endpoint_.substr(grid.endpoint_.rfind(':') + 1));
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string junk(static_cast<size_t>(rng() % 4096), '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (round % 2 == 0) junk = std::string("\xff\x00\x00\x00\x00\x00\x00\x00\x7f", 9) + junk;  // a ZMTP-like start
    (void)!write(fd, junk.data(), junk.size());
    close(fd);
  }
  EXPECT_FALSE(grid.coordinator_->Poll().has_value());
  // Still serving: a real question gets a real answer.
  auto r = grid.Cli({"status", std::string(64, 'a')});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no project"), std::string::npos) << r.err;
}

TEST(GridIntegrationTest, BadInputGetsOneLineAndNonZeroExit) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  auto one_line = [](const CommandResult& r) {
    return !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  };
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string mentions;
  };
  std::string home = (dir.path() / "owner").string();
  std::vector<Case> cases = {
      {{"submit", "--workload", "primes", "--param", "from=10", "--param", "to=5", "--units", "2", "--home", home}, 2, "from"},
      {{"submit", "--workload", "primes", "--param", "to=abc", "--units", "2", "--home", home}, 2, "to"},
      {{"submit", "--workload", "primes", "--param", "to=100", "--param", "colour=red", "--units", "2", "--home", home}, 2, "colour"},
      {{"submit", "--workload", "primes", "--param", "to=5", "--units", "50", "--home", home}, 2, "units"},
      {{"submit", "--workload", "nope", "--units", "2", "--home", home}, 2, "nope"},
      {{"submit", "--workload", "primes", "--param", "to=100", "--units", "2", "--quorum", "0", "--home", home}, 2, "quorum"},
      {{"status", "not-an-id"}, 2, "not-an-id"},
      {{"status", std::string(64, 'b'), "--bogus"}, 2, "bogus"},
  };
  for (const Case& c : cases) {
    auto r = grid.Cli(c.args, 20s);
    EXPECT_EQ(r.exit_code, c.exit_code) << c.args[0] << " " << r.err;
    EXPECT_TRUE(one_line(r)) << r.err;
    EXPECT_NE(r.err.find(c.mentions), std::string::npos) << r.err;
  }
  // Nothing half-submitted: the coordinator holds no project after all that.
  EXPECT_EQ(ReadFile(dir.path() / "coordinator.log").find("submitted"), std::string::npos);

  // An endpoint nobody serves: a bounded wait, then one line.
  const std::string nobody = Elsewhere(grid.endpoint_, "tcp://127.0.0.1:1");
  auto r = RunCommand({kCli, "status", std::string(64, 'c'), "--to", nobody, "--answer-timeout", "1"}, 20s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no answer"), std::string::npos) << r.err;
  EXPECT_TRUE(one_line(r)) << r.err;
  r = RunCommand({kCli, "status", std::string(64, 'c'), "--to", "localhost"}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r)) << r.err;
  // An endpoint without the peer id: a CurveZMQ link cannot be authenticated, so it is refused.
  r = RunCommand({kCli, "status", std::string(64, 'c'), "--to", EndpointOf(grid.endpoint_)}, 20s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("PEER-ID"), std::string::npos) << r.err;
  EXPECT_TRUE(one_line(r)) << r.err;
  r = RunCommand({kWorker, "--join", EndpointOf(grid.endpoint_), "--data", (dir.path() / "w").string()}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("PEER-ID"), std::string::npos) << r.err;

  r = RunCommand({kWorker, "--join", nobody, "--data", (dir.path() / "w").string(), "--join-timeout", "2"}, 30s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no answer"), std::string::npos) << r.err;
  r = RunCommand({kWorker, "--join", nobody, "--data", (dir.path() / "w").string(), "--cores", "-1"}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r)) << r.err;
  r = RunCommand({kCoordinator, "--listen", "nonsense", "--data", (dir.path() / "c").string()}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r)) << r.err;
  // The port the running coordinator holds cannot be bound twice.
  r = RunCommand({kCoordinator, "--listen", EndpointOf(grid.endpoint_), "--data", (dir.path() / "c2").string()}, 10s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot listen"), std::string::npos) << r.err;

  for (const std::string& program : {kCli, kWorker, kCoordinator}) {
    EXPECT_EQ(RunCommand({program, "--version"}, 10s).exit_code, 0) << program;
    auto help = RunCommand({program, "--help"}, 10s);
    EXPECT_EQ(help.exit_code, 0) << program;
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << program;
  }
}

}  // namespace
}  // namespace potluck::testing

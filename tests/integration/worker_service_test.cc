// The worker as a volunteer's service: its config file under the flags and reloaded on SIGHUP,
// local control with `potluck worker`, systemd's notify protocol, a checkpoint on SIGTERM, and
// logs in the journal's format. Starts the real programs on 127.0.0.1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "integration/grid.h"

namespace potluck::testing {
namespace {

CommandResult WorkerCli(const std::filesystem::path& data, std::vector<std::string> args) {
  args.insert(args.begin(), {kCli, "worker"});
  args.push_back("--data");
  args.push_back(data.string());
  return RunCommand(args, 20s);
}

void WriteText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path.string() + ".new");
  out << text;
  out.close();
  std::filesystem::rename(path.string() + ".new", path);
}

std::string Config(const std::filesystem::path& data, const std::string& limits) {
  return "data_dir = \"" + data.string() + "\"\n[grid]\nlisten = \"tcp://127.0.0.1:0\"\n[limits]\n" + limits;
}

TEST(WorkerServiceTest, ConfigFileIsUnderTheFlagsAndReloadedOnSighup) {
  TempDir dir;
  const auto data = dir.path() / "w";
  const auto config = dir.path() / "worker.toml";
  WriteText(config, Config(data, "cpu_percent = 80\nmemory_mb = 512\n"));
  Process worker({kWorker, "--config", config.string(), "--cpu-percent", "70"}, dir.path() / "worker.log");
  ASSERT_TRUE(Eventually([&] { return WorkerStatus(data).is_object() || worker.Poll(); }, 30s))
      << ReadFile(dir.path() / "worker.log");
  auto status = WorkerStatus(data);
  EXPECT_EQ(status["limits"]["cpu_percent"], 70);  // the flag wins
  EXPECT_EQ(status["limits"]["memory_mb"], 512);   // the file
  struct stat st {};
  ASSERT_EQ(stat((data / "control.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  WriteText(config, Config(data, "cpu_percent = 20\nmemory_mb = 256\n"));
  kill(worker.pid(), SIGHUP);
  EXPECT_TRUE(Eventually([&] { return WorkerStatus(data)["limits"]["memory_mb"] == 256; }, 10s))
      << ReadFile(dir.path() / "worker.log");
  EXPECT_EQ(WorkerStatus(data)["limits"]["cpu_percent"], 70);  // still the flag's

  // A broken file is refused and the last good config stays in force.
  WriteText(config, Config(data, "memory_mb = 128\ncpu_percent = 500\n"));
  kill(worker.pid(), SIGHUP);
  EXPECT_TRUE(Eventually([&] { return ReadFile(dir.path() / "worker.log").find("keeping the last good one") != std::string::npos; }, 10s));
  EXPECT_NE(ReadFile(dir.path() / "worker.log").find("worker.toml:6: limits.cpu_percent"), std::string::npos)
      << ReadFile(dir.path() / "worker.log");
  EXPECT_EQ(WorkerStatus(data)["limits"]["memory_mb"], 256);
  EXPECT_FALSE(worker.Poll());
  EXPECT_EQ(worker.Stop(), 0);
}

TEST(WorkerServiceTest, BadConfigIsOneLineNamingTheLineAndKey) {
  TempDir dir;
  const auto config = dir.path() / "worker.toml";
  WriteText(config, Config(dir.path() / "w", "cores = 1\nspeed = 9\n"));
  auto r = RunCommand({kWorker, "--config", config.string()}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "potluck-worker: worker.toml:6: 'limits.speed': no such key (see docs/volunteer.md)\n");
  r = RunCommand({kWorker, "--config", (dir.path() / "missing.toml").string()}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
  r = RunCommand({kWorker, "--data", (dir.path() / "w").string(), "--cpu-percent", "0"}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "potluck-worker: limits.cpu_percent: must be a number from 1 to 100, not 0\n");
  // No worker there: the CLI says so in one line.
  r = WorkerCli(dir.path() / "nobody", {"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no worker runs"), std::string::npos) << r.err;
}

TEST(WorkerServiceTest, LocalControlPausesResumesSetsAndFinishes) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  grid.StartWorker(0);
  const auto data = dir.path() / "worker0";
  auto submit = grid.Cli({"submit", "--workload", "primes", "--param", "to=6e9", "--units", "2", "--quorum", "1",
                          "--any-network", "--home", (dir.path() / "owner").string()});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  ASSERT_TRUE(Eventually([&] { return WorkerStatus(data)["units"].size() == 1; }, 60s)) << grid.Logs();
  auto status = WorkerStatus(data);
  EXPECT_EQ(status["state"], "computing");
  EXPECT_EQ(status["units"][0]["workload"], "primes");
  EXPECT_EQ(status["peers"], 1);

  auto r = WorkerCli(data, {"pause"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  status = WorkerStatus(data);
  EXPECT_EQ(status["state"], "paused");
  EXPECT_EQ(status["paused_because"], nlohmann::json::array({"volunteer"}));
  std::this_thread::sleep_for(200ms);
  const double cpu = CpuSecondsOf(grid.workers_[0]->pid());
  std::this_thread::sleep_for(1s);
  EXPECT_LT(CpuSecondsOf(grid.workers_[0]->pid()) - cpu, 0.1) << "a paused worker kept computing";
  auto human = WorkerCli(data, {"status"});
  EXPECT_NE(human.out.find("because    paused by the volunteer"), std::string::npos) << human.out;

  r = WorkerCli(data, {"resume", "--json"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(r.out, nullptr, false)["ok"], true) << r.out;
  EXPECT_EQ(WorkerStatus(data)["state"], "computing");

  EXPECT_EQ(WorkerCli(data, {"set", "limits.cpu_percent=50"}).exit_code, 0);
  EXPECT_EQ(WorkerStatus(data)["limits"]["cpu_percent"], 50);
  r = WorkerCli(data, {"set", "limits.cpu_percent=500"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "potluck: limits.cpu_percent: must be a number from 1 to 100, not 500\n");
  r = WorkerCli(data, {"set", "grid.listen=tcp://127.0.0.1:9"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("next start"), std::string::npos) << r.err;

  // Finish: the two units held are completed, then the worker pauses and stays paused.
  EXPECT_EQ(WorkerCli(data, {"set", "limits.cpu_percent=100"}).exit_code, 0);
  EXPECT_EQ(WorkerCli(data, {"finish"}).exit_code, 0);
  EXPECT_EQ(WorkerStatus(data)["state"], "finishing");
  ASSERT_TRUE(Eventually([&] { return WorkerStatus(data)["state"] == "paused"; }, 150s)) << grid.Logs();
  EXPECT_EQ(WorkerStatus(data)["units_computed"], 2);
  // Credit comes with the holder's notice that the results were verified.
  EXPECT_TRUE(Eventually([&] { return WorkerStatus(data)["credit"]["units_verified"] == 2; }, 20s))
      << WorkerStatus(data).dump() << grid.Logs();
  EXPECT_GT(WorkerStatus(data)["credit"]["cpu_seconds_verified"].get<double>(), 0);
  EXPECT_NE(WorkerCli(data, {"status"}).out.find("credit     2 units verified"), std::string::npos);
  grid.workers_[0]->Stop();
  grid.StartWorker(0);
  ASSERT_TRUE(Eventually([&] { return WorkerStatus(data).is_object(); }, 20s));
  EXPECT_EQ(WorkerStatus(data)["paused_because"], nlohmann::json::array({"volunteer"}));  // across a restart
}

TEST(WorkerServiceTest, ScheduleAndIdleRulesPauseWithTheirReasons) {
  TempDir dir;
  const auto data = dir.path() / "w";
  // No display, no logind and no input devices here: idleness cannot be told, which counts as
  // in use. The schedule allows no minute of the week.
  Process worker({kWorker, "--data", data.string(), "--schedule", "daily=none", "--only-when-idle"},
                 dir.path() / "worker.log");
  ASSERT_TRUE(Eventually([&] { return WorkerStatus(data)["state"] == "paused" || worker.Poll(); }, 30s))
      << ReadFile(dir.path() / "worker.log");
  auto status = WorkerStatus(data);
  EXPECT_EQ(status["paused_because"], nlohmann::json::array({"schedule", "in_use"})) << status.dump();
  EXPECT_NE(status["pause"].get<std::string>().find("outside the schedule"), std::string::npos) << status.dump();
  // Lifting both rules while it runs lets it compute (or wait for work: it has none).
  EXPECT_EQ(WorkerCli(data, {"set", "schedule.daily=all"}).exit_code, 0);
  EXPECT_EQ(WorkerCli(data, {"set", "idle.only_when_idle=false"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return WorkerStatus(data)["state"] == "waiting for work"; }, 10s));
  auto bad = WorkerCli(data, {"set", "schedule.tue=25:00-08:00"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("schedule.tue"), std::string::npos) << bad.err;
  EXPECT_EQ(worker.Stop(), 0);

  auto r = RunCommand({kWorker, "--data", data.string(), "--schedule", "funday=all"}, 10s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(WorkerServiceTest, DataFolderOverItsQuotaPausesTheWorker) {
  TempDir dir;
  const auto data = dir.path() / "w";
  std::filesystem::create_directories(data);
  WriteText(data / "ballast", std::string(3 << 20, 'x'));
  Process worker({kWorker, "--data", data.string(), "--disk-mb", "2"}, dir.path() / "worker.log");
  ASSERT_TRUE(Eventually([&] { return WorkerStatus(data)["state"] == "paused" || worker.Poll(); }, 30s))
      << ReadFile(dir.path() / "worker.log");
  EXPECT_EQ(WorkerStatus(data)["paused_because"], nlohmann::json::array({"disk_quota"}));
  // Raising the quota lifts the pause at the next reading of the folder's size.
  EXPECT_EQ(WorkerCli(data, {"set", "limits.disk_mb=100"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return WorkerStatus(data)["state"] != "paused"; }, 20s));
  EXPECT_EQ(worker.Stop(), 0);
}

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    timeval timeout{0, 100'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~NotifySocket() { close(fd_); }
  // Every message received within `span`, in order; stops early at one starting `until`.
  std::vector<std::string> Receive(std::chrono::milliseconds span, const std::string& until = "") {
    std::vector<std::string> out;
    const auto end = std::chrono::steady_clock::now() + span;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < end) {
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) continue;
      out.emplace_back(buffer, static_cast<size_t>(n));
      if (!until.empty() && out.back().rfind(until, 0) == 0) break;
    }
    return out;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

size_t CountStarting(const std::vector<std::string>& messages, const std::string& prefix) {
  return static_cast<size_t>(std::count_if(messages.begin(), messages.end(), [&](const std::string& m) {
    return m.rfind(prefix, 0) == 0;
  }));
}

TEST(WorkerServiceTest, TellsSystemdItIsReadyAliveAndStopping) {
  TempDir dir;
  NotifySocket notify(dir.path() / "notify");
  Process worker({"/usr/bin/env", "NOTIFY_SOCKET=" + (dir.path() / "notify").string(), "WATCHDOG_USEC=400000", kWorker,
                  "--data", (dir.path() / "w").string()},
                 dir.path() / "worker.log");
  std::vector<std::string> heard = notify.Receive(20s, "READY=1");
  ASSERT_GE(CountStarting(heard, "READY=1"), 1u) << ReadFile(dir.path() / "worker.log");
  heard = notify.Receive(2s);
  EXPECT_GE(CountStarting(heard, "WATCHDOG=1"), 6u);  // every 200 ms
  const auto asked = std::chrono::steady_clock::now();
  kill(worker.pid(), SIGTERM);
  heard = notify.Receive(2s, "STOPPING=1");
  EXPECT_GE(CountStarting(heard, "STOPPING=1"), 1u);
  EXPECT_EQ(worker.WaitFor(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
}

TEST(WorkerServiceTest, SigtermSavesTheRunningUnitAndItResumesFromThere) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  // No periodic checkpoint: the only one is the one taken at SIGTERM.
  grid.StartWorker(0, {grid.endpoint_}, {"--checkpoint-interval", "3600"});
  const auto data = dir.path() / "worker0";
  auto submit = grid.Cli({"submit", "--workload", "primes", "--param", "to=2e10", "--units", "1", "--quorum", "1",
                          "--any-network", "--home", (dir.path() / "owner").string()});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  ASSERT_TRUE(Eventually([&] {
    auto s = WorkerStatus(data);
    return s.is_object() && !s["units"].empty() && s["units"][0]["progress"].get<double>() > 0.05;
  }, 90s)) << grid.Logs();
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(grid.workers_[0]->Stop(std::chrono::seconds(10)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  auto rows = RunCommand({"/usr/bin/sqlite3", (data / "node.db").string(), "SELECT count(*) FROM checkpoints"}, 10s);
  EXPECT_EQ(rows.out, "1\n") << grid.Logs();

  grid.StartWorker(0, {grid.endpoint_}, {"--checkpoint-interval", "3600"});
  EXPECT_TRUE(Eventually([&] { return ReadFile(dir.path() / "worker0.log").find("from its checkpoint") != std::string::npos; }, 30s))
      << grid.Logs();
}

TEST(WorkerServiceTest, LogsInTheJournalsFormatWhenStderrIsTheJournal) {
  TempDir dir;
  // systemd sets JOURNAL_STREAM to the device and inode of the stream it gave as stderr.
  auto r = RunCommand({"/bin/sh", "-c", "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" \"$@\"", kWorker,
                       "--data", (dir.path() / "w").string(), "--join", "tcp://127.0.0.1:1#" + std::string(64, 'a'),
                       "--join-timeout", "1"},
                      30s);
  EXPECT_EQ(r.exit_code, 1);
  std::istringstream lines(r.err);
  std::string line;
  int logged = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("potluck-worker:", 0) == 0) continue;  // the one-line error, for people
    ++logged;
    EXPECT_TRUE(line.size() > 3 && line[0] == '<' && line[2] == '>' && line[1] >= '0' && line[1] <= '7') << line;
  }
  EXPECT_GT(logged, 0) << r.err;
}

}  // namespace
}  // namespace potluck::testing

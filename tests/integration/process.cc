#include "integration/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace potluck::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int Decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& log)
    : pid_(Spawn(argv, log.string(), log.string())) {}

Process::~Process() {
  if (!exit_code_) Stop(std::chrono::seconds(3));
}

std::optional<int> Process::Poll() {
  if (exit_code_) return exit_code_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) exit_code_ = Decode(status);
  return exit_code_;
}

std::optional<int> Process::WaitFor(std::chrono::milliseconds limit) {
  Eventually([&] { return Poll().has_value(); }, limit);
  return exit_code_;
}

int Process::Stop(std::chrono::milliseconds grace) {
  if (Poll()) return *exit_code_;
  kill(pid_, SIGTERM);
  if (WaitFor(grace)) return *exit_code_;
  Kill9();
  return *exit_code_;
}

void Process::Kill9() {
  if (Poll()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = Decode(status);
}

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds limit) {
  TempDir dir;
  auto out = dir.path() / "out", err = dir.path() / "err";
  pid_t pid = Spawn(argv, out.string(), err.string());
  CommandResult result;
  int status = 0;
  bool done = Eventually([&] { return waitpid(pid, &status, WNOHANG) == pid; }, limit);
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  result.exit_code = Decode(status);
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

TempDir::TempDir() {
  char pattern[] = "/tmp/potluck-test-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double CpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (text.empty()) return -1;
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace potluck::testing

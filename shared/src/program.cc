#include "potluck/app/program.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <string>

#include "potluck/base/quoted.h"

namespace potluck {
namespace {

std::atomic<bool> stop_requested{false};
std::atomic<bool> reload_requested{false};

void OnStopSignal(int) { stop_requested.store(true); }
void OnReloadSignal(int) { reload_requested.store(true); }

// True when systemd connected stderr to the journal: JOURNAL_STREAM names its device and inode.
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  struct stat st {};
  if (!stream || fstat(2, &st) != 0) return false;
  return std::string(stream) == std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

// "<3>" before a line tells the journal its priority (sd-daemon(3)); the journal adds the time.
class JournalPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr char kPriority[] = {'7', '7', '6', '4', '3', '2', '6'};  // trace .. critical, off
    const char text[] = {'<', kPriority[static_cast<int>(msg.level)], '>'};
    dest.append(text, text + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JournalPriority>(); }
};

}  // namespace

Status SetLogLevel(const std::string& level) {
  auto parsed = spdlog::level::from_str(level);
  // from_str maps anything unknown to "off"; only "off" itself may mean off.
  if (parsed == spdlog::level::off && level != "off") {
    return InvalidArgument("log level " + Quoted(level, 20) + " is not one of trace, debug, info, warn, error, off");
  }
  spdlog::set_level(parsed);
  return Status::Ok();
}

Status SetupLogging(const std::string& level) {
  if (Status s = SetLogLevel(level); !s.ok()) return InvalidArgument("--log-level: " + s.message());
  auto logger = spdlog::stderr_logger_mt("potluck");
  if (StderrIsJournal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JournalPriority>('*').set_pattern("%*%v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
  spdlog::set_default_logger(logger);
  return SetLogLevel(level);
}

const std::atomic<bool>& InstallStopSignals() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return stop_requested;
}

const std::atomic<bool>& InstallReloadSignal() {
  struct sigaction action {};
  action.sa_handler = OnReloadSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGHUP, &action, nullptr);
  return reload_requested;
}

bool TakeReloadRequest() { return reload_requested.exchange(false); }

}  // namespace potluck

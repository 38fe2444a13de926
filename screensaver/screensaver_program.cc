#include "screensaver_program.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <toml++/toml.h>

#include "data_folder.h"
#include "engine.h"
#include "potluck/app/data_dir.h"
#include "potluck/app/program.h"
#include "terminal_renderer.h"
#include "view_source.h"
#include "worker_program.h"
#include "x11_renderer.h"

namespace potluck::screensaver {
namespace {

constexpr char kProgram[] = "potluck-screensaver";

struct DisplayFlags {
  bool terminal = false;
  bool x11 = false;
  bool root = false;
  std::string window_id;
};

// xscreensaver passes X-style options with one dash ("-root"); CLI11 reads those as letters.
std::vector<std::string> WithLongDashes(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::string& arg : args) {
    if (arg == "-root" || arg == "-window-id") arg = "-" + arg;
  }
  return args;
}

void AddDisplayFlags(CLI::App& app, DisplayFlags& d) {
  app.add_flag("--terminal", d.terminal, "draw full screen in this terminal");
  app.add_flag("--x11", d.x11, "draw on the X display: a full-screen window, or the window below (the default with DISPLAY set)");
  app.add_option("--window-id", d.window_id, "draw in this X window (xscreensaver's; also $XSCREENSAVER_WINDOW)");
  app.add_flag("--root", d.root, "draw in the root window (xscreensaver's -root)");
}

// True when the volunteer chose a checkpoint interval, on the command line or in the file.
bool CheckpointIntervalSet(const WorkerFlags& f) {
  if (f.options.at("limits.checkpoint_interval")->count() > 0) return true;
  if (!f.config.source.config_path) return false;
  try {
    return toml::parse_file(f.config.source.config_path->string())["limits"]["checkpoint_interval"].node() != nullptr;
  } catch (const toml::parse_error&) {
    return false;  // already read once without error; cannot happen but for a file changed since
  }
}

// The folders to look for a worker in: the one asked for, or the configured one and then the
// user's own.
std::vector<std::filesystem::path> CandidateFolders(const WorkerFlags& f, const WorkerSettings& settings) {
  if (f.options.at("data_dir")->count() > 0) return {settings.data_dir};
  std::vector<std::filesystem::path> folders = {settings.data_dir};
  if (UserDataFolder() != settings.data_dir) folders.push_back(UserDataFolder());
  return folders;
}

SceneFeed MakeFeed(const ViewSource& source, const Engine* engine) {
  return [&source, engine](double seconds) {
    ViewSnapshot snapshot = source.Latest();
    std::string problem = snapshot.problem;
    if (engine) {
      if (std::optional<Status> ended = engine->Ended()) {
        problem = "the worker engine stopped: " + (ended->ok() ? std::string("done") : ended->message());
      } else if (snapshot.answer.is_null()) {
        problem = "starting the worker engine...";
      }
    }
    return BuildScene(snapshot.answer, problem, seconds);
  };
}

Status Draw(const SceneFeed& feed, const DisplayFlags& d, const std::atomic<bool>& quit) {
  const char* xscreensaver_window = std::getenv("XSCREENSAVER_WINDOW");
  const bool x11 = !d.terminal && (d.x11 || d.root || !d.window_id.empty() || xscreensaver_window || std::getenv("DISPLAY"));
  if (!x11) return RunTerminal(feed, quit);
  X11Target target{.root = d.root};
  const std::string id = !d.window_id.empty() ? d.window_id : xscreensaver_window ? xscreensaver_window : "";
  if (!id.empty()) {
    char* end = nullptr;
    target.window = std::strtoul(id.c_str(), &end, 0);
    if (*end != '\0' || *target.window == 0) return InvalidArgument("--window-id " + id + ": not a window id");
  }
  return RunX11(feed, target, quit);
}

// The engine's logs go to DATA/screensaver.log: on screen its lines would tear the terminal
// view, and xscreensaver shows its hacks' stderr over their picture. Returns the old stderr.
int LogToFile(const std::filesystem::path& data_dir) {
  const int log = open((data_dir / "screensaver.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log < 0) return -1;
  const int saved = dup(STDERR_FILENO);
  dup2(log, STDERR_FILENO);
  close(log);
  return saved;
}

void RestoreStderr(int saved) {
  if (saved < 0) return;
  dup2(saved, STDERR_FILENO);
  close(saved);
}

int Fail(const Status& s, int exit_code) {
  std::fprintf(stderr, "%s: %s\n", kProgram, s.message().c_str());
  return exit_code;
}

int RunEngine(WorkerFlags& f, const DisplayFlags& d, const std::filesystem::path& data_dir, const std::atomic<bool>& quit) {
  if (Status s = PrepareDataDir(data_dir); !s.ok()) return Fail(s, 1);
  WorkerConfig config = EngineConfig(f.config, CheckpointIntervalSet(f));
  config.settings.data_dir = data_dir;
  const int saved_stderr = LogToFile(data_dir);
  if (Status s = SetupLogging(config.settings.log_level); !s.ok()) {
    RestoreStderr(saved_stderr);
    return Fail(s, 2);
  }
  Status drawn = Status::Ok(), engine_status = Status::Ok();
  {
    Engine engine(config);
    ViewSource source(data_dir);
    drawn = Draw(MakeFeed(source, &engine), d, quit);
    engine_status = engine.Stop();
  }
  RestoreStderr(saved_stderr);
  if (!drawn.ok()) return Fail(drawn, 1);
  if (!engine_status.ok()) return Fail(engine_status, 1);
  return 0;
}

}  // namespace

int RunScreensaverProgram(int argc, char** argv) {
  CLI::App app{"potluck-screensaver: computes for the potluck grid while you are away, and shows what it computes"};
  WorkerFlags flags;
  DisplayFlags display;
  AddWorkerFlags(app, flags);
  app.set_version_flag("--version", std::string(kProgram) + " " + kVersion);
  AddDisplayFlags(app, display);
  std::vector<std::string> args = WithLongDashes(argc, argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  if (int code = ParseWorkerFlags(app, kProgram, argc, arg_pointers.data()); code >= 0) return code;
  Result<WorkerSettings> settings = SettingsFromFlags(flags);
  if (!settings.ok()) return Fail(settings.status(), settings.status().code() == Code::kIoError ? 1 : 2);
  flags.config.settings = std::move(settings.value());
  if (flags.check_config) {
    std::printf("%s: the settings are good\n", flags.config.source.config_path ? flags.config.source.config_path->c_str() : "defaults and flags");
    return 0;
  }
  const std::atomic<bool>& quit = InstallStopSignals();

  // A worker already running on the folder computes under its own rules; we only show it.
  const std::vector<std::filesystem::path> folders = CandidateFolders(flags, flags.config.settings);
  for (const auto& folder : folders) {
    if (!WorkerAnswers(folder)) continue;
    ViewSource source(folder);
    Status drawn = Draw(MakeFeed(source, nullptr), display, quit);
    return drawn.ok() ? 0 : Fail(drawn, 1);
  }
  std::optional<std::filesystem::path> folder = FirstWritable(folders);
  if (!folder) return Fail(IoError("no data folder this user can write: " + folders.back().string()), 1);
  return RunEngine(flags, display, *folder, quit);
}

}  // namespace potluck::screensaver

// The command line of a worker program: its flags, and running it. Shared by potluck-worker
// and the test-only saboteur, so both take exactly the same flags.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

#include "worker_node.h"

namespace potluck {

struct WorkerFlags {
  WorkerConfig config;
  std::string config_path;
  // The text of each settings flag given, by config key; see AddWorkerFlags.
  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> options;
  std::vector<std::string> bootstrap;
  std::vector<std::string> schedule;  // DAY=WINDOWS
  bool check_config = false;          // check the settings and exit
};

// Adds every worker flag to `app`. Each settings flag stands for a key of the config file and
// wins over it.
void AddWorkerFlags(CLI::App& app, WorkerFlags& flags);

// Parses the command line into `app`'s options. Returns -1 to go on, or the exit code when the
// program should stop here (--help, --version: 0; bad flags: 2, said on stderr).
int ParseWorkerFlags(CLI::App& app, const std::string& program, int argc, char** argv);

// The settings the parsed flags ask for: the config file (--config, or the default one if it
// exists) under the flags, checked. Fills `flags.config.source` for reloads. Errors are one
// line; kIoError when the file cannot be read, otherwise bad input.
Result<WorkerSettings> SettingsFromFlags(WorkerFlags& flags);

// Parses, reads the config, checks, sets up logging and runs the worker until SIGINT or
// SIGTERM. Returns the process's exit code; errors are one line on stderr, prefixed with
// `program`.
int RunWorkerProgram(CLI::App& app, WorkerFlags& flags, const std::string& program, int argc, char** argv);

}  // namespace potluck

// The command line of a worker program: its flags, and running it. Shared by potluck-worker
// and the test-only saboteur, so both take exactly the same flags.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "worker_node.h"

namespace potluck {

struct WorkerFlags {
  WorkerConfig config;
  std::string log_level = "info";
  int join_timeout_s = 10;
  double checkpoint_interval_s = 60;
  bool lan_discovery = false;
  bool insecure = false;
  std::string lan_beacon = "255.255.255.255:7399";
};

// Adds every worker flag to `app`, with the defaults in `flags`.
void AddWorkerFlags(CLI::App& app, WorkerFlags& flags);

// Parses, checks, sets up logging and runs the worker until SIGINT or SIGTERM. Returns the
// process's exit code; errors are one line on stderr, prefixed with `program`.
int RunWorkerProgram(CLI::App& app, WorkerFlags& flags, const std::string& program, int argc, char** argv);

}  // namespace potluck

// potluck-crash-loop: kills the processes of a real local grid at random while it computes a
// project, then checks that nothing was lost. scripts/crash-loop and the CrashLoop test run it.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <random>

#include "crash/crash_loop.h"

namespace {

std::atomic<bool> interrupted{false};

void OnSignal(int) { interrupted = true; }

}  // namespace

int main(int argc, char** argv) {
  potluck::crash::LoopOptions options;
  options.seed = std::random_device{}();
  options.bin_dir = POTLUCK_BIN_DIR;
  CLI::App app{"potluck-crash-loop: kill -9 the processes of a local grid at random while it computes a project"};
  app.add_option("--kills", options.kills, "how many kills")->check(CLI::Range(1, 10000));
  app.add_option("--seed", options.seed, "seed of the kill schedule (printed; random if not given)");
  app.add_option("--workers", options.workers, "workers besides the coordinator")->check(CLI::Range(2, 16));
  app.add_option("--units", options.units, "units of the primes project")->check(CLI::Range(1, 10000));
  app.add_option("--from", options.from, "start of the primes range")->check(CLI::Range(uint64_t{0}, uint64_t{1} << 60));
  auto* seconds = app.add_option("--unit-seconds", options.unit_seconds, "one core's time per unit here, seconds")
                      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--unit-numbers", options.unit_numbers, "numbers per unit (instead of --unit-seconds)")
      ->check(CLI::Range(uint64_t{1'000'000}, uint64_t{1} << 40))
      ->excludes(seconds);
  app.add_option("--checkpoint-interval", options.checkpoint_interval_s, "workers' checkpoint interval, seconds")
      ->check(CLI::Range(0.1, 60.0));
  app.add_option("--gap-max", options.gap_max_s, "longest wait between a restart and the next kill, seconds")
      ->check(CLI::Range(0.2, 600.0));
  app.add_option("--pause-max", options.pause_max_s, "longest time a killed process stays down, seconds")
      ->check(CLI::Range(0.1, 60.0));
  app.add_option("--timeout", options.timeout_s, "give up after this many seconds")->check(CLI::Range(10.0, 86400.0));
  app.add_option("--bin", options.bin_dir, "folder of potluck, potluck-worker and potluck-coordinator");
  app.add_flag("--keep", options.keep, "keep the data folders and logs after a run that passed");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "potluck-crash-loop: %s (see --help)\n", e.what());
    return 2;
  }
  if (options.from + options.unit_numbers * static_cast<uint64_t>(options.units) > (uint64_t{1} << 62)) {
    std::fprintf(stderr, "potluck-crash-loop: --from + --units x --unit-numbers must stay below 2^62\n");
    return 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  return potluck::crash::CrashLoop(options, interrupted).Run();
}

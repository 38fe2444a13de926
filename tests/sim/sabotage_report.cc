// Measures, in the grid simulation, how many wrong results a grid accepts per million units
// for a share of saboteurs, with and without collusion, under quorum 2 and quorum 3.
//   build/bin/sabotage_report [SEEDS]
#include <cstdio>
#include <cstdlib>

#include "sim/grid_sim.h"

int main(int argc, char** argv) {
  using namespace potluck;
  using namespace potluck::testing;
  const int seeds = argc > 1 ? std::atoi(argv[1]) : 10;
  if (seeds < 1) {
    std::fprintf(stderr, "usage: sabotage_report [SEEDS]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::off);
  constexpr int kWorkers = 10;
  constexpr uint64_t kUnits = 100;
  std::printf("%-10s %-9s %-7s %10s %14s %10s\n", "saboteurs", "collude", "quorum", "units", "wrong/million",
              "failed");
  for (int saboteurs : {1, 2, 3}) {
    for (bool collude : {false, true}) {
      for (uint32_t quorum : {2u, 3u}) {
        uint64_t units = 0, wrong = 0, failed = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
          SimOptions options;
          options.workers = kWorkers;
          options.saboteurs = saboteurs;
          options.collude = collude;
          options.units = kUnits;
          options.crash_per_second = 0;
          options.policy = {quorum, quorum + 4, std::chrono::seconds(20), 3};
          SimOutcome out = GridSim(static_cast<uint64_t>(seed), options).Run();
          units += out.status.units.verified;
          wrong += out.wrong_accepted;
          failed += out.status.units.failed;
        }
        std::printf("%-10s %-9s %-7u %10llu %14.0f %10llu\n",
                    (std::to_string(saboteurs * 100 / kWorkers) + "%").c_str(), collude ? "yes" : "no", quorum,
                    static_cast<unsigned long long>(units), units ? 1e6 * static_cast<double>(wrong) / static_cast<double>(units) : 0.0,
                    static_cast<unsigned long long>(failed));
      }
    }
  }
  return 0;
}

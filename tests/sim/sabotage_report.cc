// Measures, in the grid simulation, how many wrong results a grid accepts per million units
// for a share of saboteurs, with and without collusion, under several quorum policies.
//   build/bin/sabotage_report [SEEDS]
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

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
  // The policies compared: quorum 2 and 3 with every peer on its own network; quorum 2 with the
  // saboteurs' keys all on one host (the network rule counts them once); quorum 2 with adaptive
  // replication at the lowest spot-check rate allowed.
  struct Policy {
    const char* name;
    uint32_t quorum;
    bool one_host;
    uint32_t spot_check_ppm;
  };
  const Policy policies[] = {
      {"q2", 2, false, 0},
      {"q3", 3, false, 0},
      {"q2, saboteurs on one host", 2, true, 0},
      {"q2, adaptive 5%", 2, false, kSpotCheckPpmMin},
  };
  // How saboteurs behave: each wrong in its own way every time; all returning the same wrong
  // result every time; the same, but only one unit in ten, building a record in between.
  struct Behaviour {
    const char* name;
    bool collude;
    double wrong_rate;
  };
  const Behaviour behaviours[] = {{"alone, always", false, 1.0}, {"colluding, always", true, 1.0},
                                  {"colluding, 1 in 10", true, 0.1}};
  std::printf("%-10s %-19s %-26s %8s %14s %7s %7s\n", "saboteurs", "behaviour", "policy", "units", "wrong/million",
              "failed", "alone");
  for (int saboteurs : {1, 2, 3}) {
    for (const Behaviour& behaviour : behaviours) {
      for (const Policy& policy : policies) {
        uint64_t units = 0, wrong = 0, failed = 0, alone = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
          SimOptions options;
          options.workers = kWorkers;
          options.saboteurs = saboteurs;
          options.collude = behaviour.collude;
          options.saboteur_wrong_rate = behaviour.wrong_rate;
          options.saboteurs_share_a_host = policy.one_host;
          options.units = kUnits;
          options.crash_per_second = 0;
          options.policy = {.min_quorum = policy.quorum, .max_replicas = policy.quorum + 4,
                            .deadline = std::chrono::seconds(20), .holders = 3,
                            .spot_check_ppm = policy.spot_check_ppm};
          SimOutcome out = GridSim(static_cast<uint64_t>(seed), options).Run();
          units += out.status.units.verified;
          wrong += out.wrong_accepted;
          failed += out.status.units.failed;
          alone += out.leases_alone;
        }
        std::printf("%-10s %-19s %-26s %8llu %14.0f %7llu %7llu\n",
                    (std::to_string(saboteurs * 100 / kWorkers) + "%").c_str(), behaviour.name, policy.name,
                    static_cast<unsigned long long>(units),
                    units ? 1e6 * static_cast<double>(wrong) / static_cast<double>(units) : 0.0,
                    static_cast<unsigned long long>(failed), static_cast<unsigned long long>(alone));
      }
    }
  }
  return 0;
}

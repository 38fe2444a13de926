// The grid simulation (tests/sim/grid_sim.h) in the scenarios the grid promises to survive:
// every run must pass the end-of-run checks (sim_checks.h), finish with the exact result, and
// give each worker no more credit than it earned. A failure names its seed.
#include <gtest/gtest.h>

#include "sim/grid_sim.h"

namespace potluck::testing {
namespace {

uint64_t SumOfSquares(uint64_t n) {
  uint64_t s = 0;
  for (uint64_t i = 0; i < n; ++i) s += i * i;
  return s;
}

std::string Problems(const SimOutcome& out) {
  std::string s;
  for (const std::string& p : out.checks.problems) s += "\n  " + p;
  return s;
}

void ExpectCorrect(const SimOutcome& out, const SimOptions& options, uint64_t seed) {
  EXPECT_TRUE(out.checks.problems.empty()) << "seed " << seed << ":" << Problems(out);
  ASSERT_TRUE(out.finished) << "seed " << seed << ": " << out.status.units.verified << "/" << out.status.units.total
                            << " verified, " << out.status.units.failed << " failed";
  EXPECT_EQ(out.result_sum, SumOfSquares(options.units)) << "seed " << seed;
  EXPECT_GE(out.checks.holders, 2) << "seed " << seed;
  // Notices are best-effort, so lost ones may leave credit short; never above what was earned.
  for (const SimCredit& c : out.credit) {
    EXPECT_LE(c.credit.units_verified, c.units_earned) << "seed " << seed;
  }
}

// With no message lost, every worker's credit is exactly its results that verified.
void ExpectExactCredit(const SimOutcome& out, uint64_t seed) {
  for (size_t i = 0; i < out.credit.size(); ++i) {
    const SimCredit& c = out.credit[i];
    EXPECT_EQ(c.credit.units_verified, c.units_earned) << "seed " << seed << ", worker " << i;
    EXPECT_DOUBLE_EQ(c.credit.cpu_seconds_verified, c.cpu_seconds_earned) << "seed " << seed << ", worker " << i;
    EXPECT_TRUE(c.saboteur || c.units_earned > 0) << "seed " << seed << ", worker " << i << " earned nothing";
  }
}

TEST(GridSimulationTest, EveryUnitVerifiedDespiteLossCrashesAndRestarts) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    SimOptions options;
    ExpectCorrect(GridSim(seed, options).Run(), options, seed);
  }
}

TEST(GridSimulationTest, WorkersAloneCompleteAProjectWithoutACoordinator) {
  for (uint64_t seed = 100; seed < 105; ++seed) {
    SimOptions options;
    options.coordinator = false;
    options.workers = 5;
    ExpectCorrect(GridSim(seed, options).Run(), options, seed);
  }
}

TEST(GridSimulationTest, ProjectSurvivesLosingTheCoordinatorForGood) {
  for (uint64_t seed = 200; seed < 205; ++seed) {
    SimOptions options;
    options.workers = 5;
    options.lose_coordinator_at = 7s;  // two seconds after the submit
    ExpectCorrect(GridSim(seed, options).Run(), options, seed);
  }
}

TEST(GridSimulationTest, PartitionHealsAndHoldersConverge) {
  for (uint64_t seed = 300; seed < 306; ++seed) {
    SimOptions options;
    options.coordinator = false;
    options.workers = 6;
    options.partition = static_cast<PartitionKind>(seed % 3);
    options.partition_at = 6s;
    options.partition_for = 30s;
    ExpectCorrect(GridSim(seed, options).Run(), options, seed);
  }
}

TEST(GridSimulationTest, SaboteurCannotGetAWrongResultAccepted) {
  for (uint64_t seed = 1000; seed < 1005; ++seed) {
    SimOptions options;
    options.workers = 5;
    options.saboteurs = 1;
    SimOutcome out = GridSim(seed, options).Run();
    EXPECT_EQ(out.checks.wrong_accepted, 0u) << "seed " << seed;
    ExpectCorrect(out, options, seed);
  }
}

TEST(GridSimulationTest, ManyKeysOnOneHostCannotMakeAQuorum) {
  // Three colluding keys on one machine among eight workers: with the network rule on, they
  // count as one voice, so no wrong result is accepted.
  for (uint64_t seed = 1100; seed < 1105; ++seed) {
    SimOptions options;
    options.workers = 8;
    options.saboteurs = 3;
    options.collude = true;
    options.saboteurs_share_a_host = true;
    options.crash_per_second = 0;
    SimOutcome out = GridSim(seed, options).Run();
    EXPECT_EQ(out.checks.wrong_accepted, 0u) << "seed " << seed;
    ExpectCorrect(out, options, seed);
  }
}

TEST(GridSimulationTest, AdaptiveReplicationCompletesAndStaysExact) {
  for (uint64_t seed = 1200; seed < 1203; ++seed) {
    SimOptions options;
    options.workers = 5;
    options.units = 150;
    options.policy.spot_check_ppm = kSpotCheckPpmMin;
    SimOutcome out = GridSim(seed, options).Run();
    EXPECT_GT(out.leases_alone, 0u) << "seed " << seed << ": no unit went to a trusted peer alone";
    ExpectCorrect(out, options, seed);
  }
}

TEST(GridSimulationTest, CreditIsExactlyTheResultsThatVerified) {
  for (uint64_t seed = 1300; seed < 1304; ++seed) {
    SimOptions options;
    options.workers = 5;
    options.saboteurs = 1;  // always wrong: computes, earns nothing
    options.drop = 0;
    SimOutcome out = GridSim(seed, options).Run();
    ExpectCorrect(out, options, seed);
    ExpectExactCredit(out, seed);
    for (const SimCredit& c : out.credit) {
      EXPECT_TRUE(!c.saboteur || c.credit.units_verified == 0) << "seed " << seed << ": a saboteur earned credit";
    }
  }
}

TEST(GridSimulationTest, ASometimesWrongWorkerEarnsOnlyForItsRightResults) {
  for (uint64_t seed = 1400; seed < 1403; ++seed) {
    SimOptions options;
    options.coordinator = false;
    options.workers = 5;
    options.saboteurs = 1;
    options.saboteur_wrong_rate = 0.5;
    options.drop = 0;
    options.policy.spot_check_ppm = kSpotCheckPpmMin;  // lone results earn credit too
    options.units = 80;
    SimOutcome out = GridSim(seed, options).Run();
    ExpectCorrect(out, options, seed);
    ExpectExactCredit(out, seed);
  }
}

}  // namespace
}  // namespace potluck::testing

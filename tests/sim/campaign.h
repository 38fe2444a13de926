// A campaign: many seeded runs of GridSim, each with a fault mix chosen from its seed (or one
// mix for all), a line per run and a summary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/grid_sim.h"

namespace potluck::testing {

enum class RunVerdict : uint8_t {
  kOk,              // every check held and no wrong result was accepted
  kSaboteurQuorum,  // every check held; wrong results were accepted, each backed by a quorum of saboteurs
  kFailed,          // a check failed: a bug of the grid
};

const char* RunVerdictName(RunVerdict verdict);
RunVerdict VerdictOf(const SimOutcome& outcome);

struct CampaignSpec {
  SimOptions base;                // the grid and its policy
  std::optional<FaultMix> mix;    // none: each seed chooses its own (MixOfSeed)
  // Applied after the mix: the faults the user set by hand.
  std::function<void(SimOptions&)> overrides;
};

// The options of the run of `seed`: replaying them gives the same run.
SimOptions OptionsForSeed(const CampaignSpec& spec, uint64_t seed);
FaultMix MixForSeed(const CampaignSpec& spec, uint64_t seed);

struct RunReport {
  uint64_t seed = 0;
  FaultMix mix = FaultMix::kCalm;
  RunVerdict verdict = RunVerdict::kOk;
  SimOutcome outcome;
};

RunReport RunSeed(const CampaignSpec& spec, uint64_t seed, std::function<void(const std::string&)> trace = {},
                  std::function<void(const SimProgress&)> progress = {});
// "seed 17 mix lossy ok finish 52.3s messages 12345 trace 0123456789abcdef", then one indented
// line per problem found.
std::string RunLine(const RunReport& report);

struct CampaignSummary {
  uint64_t runs = 0, ok = 0, saboteur_quorum = 0, failed = 0;
  std::vector<uint64_t> failing_seeds;
  double virtual_seconds = 0;  // of the runs until they finished
  uint64_t messages = 0;
  void Add(const RunReport& report);
  std::string Line(double wall_seconds) const;
};

// Per peer and minute of virtual time: messages and bytes sent by the workers (mean and
// largest) and by the project's holders, then the totals by message kind.
// REQUIRES: outcome.traffic.
std::string TrafficLines(const SimOutcome& outcome);

}  // namespace potluck::testing

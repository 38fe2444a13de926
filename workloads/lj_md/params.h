// The lj-md workload's parameters: parsing, validation, and what each unit derives from them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lj_md/simulation.h"
#include "potluck/base/status.h"
#include "potluck/workload/workload.h"

namespace potluck::lj_md {

// At most this many thermo rows per unit keep a result near 400 KB, under the holders' 1 MiB.
constexpr int64_t kThermoRowsMax = 10'000;
// At most this many neighbour list entries (4 bytes each) per unit, about 512 MB.
constexpr double kNeighborEntriesMax = 128e6;

struct LjMdParams {
  SystemSpec spec;
  double temperature = 3.0;        // initial temperature of unit 0 (of every unit without a sweep)
  std::optional<double> sweep_to;  // initial temperature of the last unit
  uint64_t seed = 87287;           // unit i draws its velocities from seed + i
  double equilibrate = 0.5;        // fraction of the steps left out of the averages
};

// The parameters, or an error naming the parameter at fault and its allowed range.
Result<LjMdParams> ParseParams(const Params& params, uint64_t units);

// Unit `index`'s initial temperature: `temperature`, or with a sweep spaced evenly from
// `temperature` (unit 0) to `sweep_to` (the last unit).
double UnitTemperature(const LjMdParams& params, uint64_t units, uint64_t index);
uint64_t UnitSeed(const LjMdParams& params, uint64_t index);

std::vector<std::string> ParamHelpLines();

}  // namespace potluck::lj_md

// Averages of lj-md trajectories across units.
#pragma once

#include <cstdint>
#include <memory>

#include "lj_md/params.h"
#include "potluck/workload/workload.h"

namespace potluck::lj_md {

// Each unit's thermo rows at steps >= equilibrate * steps are averaged per unit; Finish() gives
// the mean across units of those averages and its standard error (sample standard deviation over
// sqrt(units), null for fewer than 2 units) for temperature, potential and total energy per atom
// and pressure, and with a temperature sweep each unit's averages too. Without a sweep, "series"
// gives the same mean and standard error at each thermo step over the whole run (at most 500
// steps: every k-th row and the last), for plots. Add() refuses units out of
// order or whose atoms, steps, seed or initial temperature do not match the parameters; with
// invalid parameters every Add() returns the validation error.
std::unique_ptr<Aggregator> NewLjMdAggregator(Result<LjMdParams> params, uint64_t units);

}  // namespace potluck::lj_md

// The canonical bytes of one lj-md unit's result.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "lj_md/simulation.h"
#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/crypto/hash.h"

namespace potluck::lj_md {

// Layout version 1, all fields little-endian, doubles as IEEE-754 binary64 bit patterns:
//   u32 layout version (1)
//   u32 atoms
//   u64 velocity seed
//   f64 initial temperature
//   i64 steps
//   u32 thermo rows R, 1..kThermoRowsMax
//   R x (i64 step, f64 temperature, f64 potential energy per atom, f64 total energy per atom,
//        f64 pressure), steps increasing from 0 to `steps`
//   32 bytes: BLAKE2b-256 of the final positions and velocities (Simulation::StateHash)
struct UnitResult {
  uint32_t atoms = 0;
  uint64_t velocity_seed = 0;
  double initial_temperature = 0;
  int64_t steps = 0;
  std::vector<ThermoRow> thermo;
  Hash256 state_hash{};
};

// The result of a finished simulation. REQUIRES: simulation.done().
UnitResult ResultOf(const Simulation& simulation);

Bytes EncodeResult(const UnitResult& result);
// The result, or kCorrupt if the bytes do not follow the layout.
Result<UnitResult> DecodeResult(const Bytes& bytes);

nlohmann::json ToJson(const UnitResult& result);

}  // namespace potluck::lj_md

// Lennard-Jones molecular dynamics in reduced units (mass, epsilon and sigma 1): an fcc crystal
// in a periodic cubic box, lj/cut forces, velocity-Verlet NVE, thermo output as LAMMPS prints it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "lj_md/initial_state.h"
#include "lj_md/isa.h"
#include "lj_md/neighbor_list.h"
#include "potluck/base/byte_io.h"
#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/crypto/hash.h"

namespace potluck::lj_md {

// Everything that fixes a trajectory except its initial temperature and velocity seed.
struct SystemSpec {
  int cells = 20;                      // fcc unit cells per side; 4 * cells^3 atoms
  double density = 0.8442;             // atoms per unit volume
  double cutoff = 2.5;                 // lj/cut radius; REQUIRES: < box length / 2
  double skin = 0.3;                   // neighbour list radius = cutoff + skin
  double dt = 0.005;                   // time step
  bool shift = false;                  // pair energy shifted to 0 at the cutoff
  std::optional<double> thermostat_t;  // Berendsen target temperature; NVE when absent
  int64_t steps = 1000;
  int64_t thermo_every = 100;  // thermo rows at multiples of this, and at the last step
};

// One line of thermo output; energies are per atom, temperature uses 3N - 3 degrees of freedom.
struct ThermoRow {
  int64_t step = 0;
  double temperature = 0;
  double potential_energy = 0;
  double total_energy = 0;
  double pressure = 0;
  bool operator==(const ThermoRow&) const = default;
};

// A thermo row as results and saved states hold it: step (i64), then temperature, potential,
// total energy and pressure (f64), little-endian.
void WriteThermoRow(ByteWriter& writer, const ThermoRow& row);
ThermoRow ReadThermoRow(ByteReader& reader);

// Asked between steps and once per block of atoms within a step; true stops the simulation.
using StopRequested = std::function<bool()>;

// The Berendsen thermostat's time constant, in steps.
constexpr double kThermostatTauSteps = 100;

bool IsThermoStep(const SystemSpec& spec, int64_t step);
int64_t ThermoRowsUpTo(const SystemSpec& spec, int64_t step);

// One trajectory. Its state (step, positions, velocities, thermo rows so far) is all that
// decides the rest of it: forces and the neighbour list are recomputed from positions, and an
// extra neighbour-list build at any step leaves every later bit unchanged (see NeighborList), so
// SaveState at any step and Restore into a fresh Simulation continue exactly as if
// uninterrupted. Every result is bit-identical for any number of threads in the calling TBB arena.
// Not thread-safe.
class Simulation {
 public:
  // Atoms on the fcc lattice with velocities for `temperature` drawn from `velocity_seed`.
  // REQUIRES: the spec is valid (see lj_md::ParseParams), temperature > 0.
  Simulation(const SystemSpec& spec, double temperature, uint64_t velocity_seed);

  // A simulation continuing from SaveState() bytes of one with the same spec, or kCorrupt.
  static Result<Simulation> Restore(const SystemSpec& spec, std::span<const uint8_t> state);

  // Advances one step, recording a thermo row when the new step is a thermo step (step 0's row
  // is recorded by the first call). Returns kUnavailable, leaving the state as it was, if `stop`
  // turned true; kInvalidArgument if an atom's position stopped being finite (dt too large).
  // REQUIRES: !done().
  Status Step(const StopRequested& stop);
  // Computes the forces and step 0's thermo row if not done yet; Step does this itself.
  Status Prepare(const StopRequested& stop);

  bool done() const { return step_ == spec_.steps; }
  int64_t step() const { return step_; }
  const std::vector<ThermoRow>& thermo() const { return thermo_; }
  const Atoms& atoms() const { return atoms_; }
  const SystemSpec& spec() const { return spec_; }
  double initial_temperature() const { return initial_temperature_; }
  uint64_t velocity_seed() const { return velocity_seed_; }
  int64_t list_builds() const { return list_builds_; }
  // The code path of the hot loops, BestIsa() unless set; any path gives the same bits (tests
  // compare them). REQUIRES: the CPU supports `isa`.
  void set_isa(Isa isa);
  size_t neighbor_pairs() const { return neighbors_.pair_count(); }

  // BLAKE2b-256 of the little-endian bytes of x, y, z, vx, vy, vz, each array over all atoms.
  Hash256 StateHash() const;

  // Layout, version 1, little-endian: u32 version, u32 atoms, u64 velocity seed, f64 initial
  // temperature, i64 step, u32 rows, rows of (i64 step, f64 temperature, potential, total,
  // pressure), then the arrays x, y, z, vx, vy, vz as f64 over all atoms.
  Bytes SaveState() const;

 private:
  explicit Simulation(const SystemSpec& spec);
  // Forces at `positions` into `forces`, and (if `energy` is given) the sums over atoms of the
  // pair energy and virial over the full list, i.e. twice the totals. With `kick_velocities`, each
  // atom's velocity gets its half kick as soon as its force is known. False if stopped.
  struct PairSums {
    double energy = 0;
    double virial = 0;
  };
  bool ComputeForces(const Atoms& positions, std::vector<double>* fx, std::vector<double>* fy,
                     std::vector<double>* fz, Atoms* kick_velocities, PairSums* sums,
                     const StopRequested& stop);
  bool UpdateNeighbors(const Atoms& positions, const StopRequested& stop);
  void ApplyThermostat(Atoms& state) const;
  ThermoRow MakeThermoRow(const PairSums& sums) const;

  SystemSpec spec_;
  double initial_temperature_ = 0;
  uint64_t velocity_seed_ = 0;
  double box_length_ = 0;
  double cutoff_squared_ = 0;
  double energy_shift_ = 0;  // u(cutoff) when shifted, else 0
  int64_t step_ = 0;
  Atoms atoms_;                       // the state at step_
  Atoms next_;                        // scratch for the step being computed
  std::vector<double> fx_, fy_, fz_;  // forces at atoms_ (valid when forces_ready_)
  std::vector<double> nfx_, nfy_, nfz_;
  std::vector<PackedPosition> packed_;  // scratch: the positions forces are computed at
  Isa isa_ = BestIsa();
  bool forces_ready_ = false;
  std::vector<ThermoRow> thermo_;
  NeighborList neighbors_;
  int64_t list_builds_ = 0;
};

}  // namespace potluck::lj_md

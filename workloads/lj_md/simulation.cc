#include "lj_md/simulation.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <utility>

#include "lj_md/blocks.h"
#include "potluck/base/byte_io.h"
#include "lj_md/pair_forces.h"

namespace potluck::lj_md {
namespace {

constexpr uint32_t kStateVersion = 1;
// The list reaches a hair beyond cutoff + skin so that rounding in the distance and displacement
// sums can never leave out a pair that has come within the cutoff.
constexpr double kListRadiusMargin = 1e-9;

// Lennard-Jones pair energy 4 (r^-12 - r^-6) at distance sqrt(r2).
double PairEnergy(double r2) {
  const double r6inv = 1.0 / (r2 * r2 * r2);
  return r6inv * (4.0 * r6inv - 4.0);
}

// Wraps a coordinate into [0, length]; the result equals `length` only when rounding says so.
double Wrap(double position, double length) {
  if (position >= 0 && position < length) return position;
  return position - length * std::floor(position / length);
}

// The six arrays in the order of the state and its hash.
std::array<std::vector<double>*, 6> ArraysOf(Atoms& atoms) {
  return {&atoms.x, &atoms.y, &atoms.z, &atoms.vx, &atoms.vy, &atoms.vz};
}
std::array<const std::vector<double>*, 6> ArraysOf(const Atoms& atoms) {
  return {&atoms.x, &atoms.y, &atoms.z, &atoms.vx, &atoms.vy, &atoms.vz};
}

}  // namespace

void WriteThermoRow(ByteWriter& writer, const ThermoRow& row) {
  writer.I64(row.step);
  for (const double value : {row.temperature, row.potential_energy, row.total_energy, row.pressure}) {
    writer.F64(value);
  }
}

ThermoRow ReadThermoRow(ByteReader& reader) {
  ThermoRow row;
  row.step = reader.I64();
  row.temperature = reader.F64();
  row.potential_energy = reader.F64();
  row.total_energy = reader.F64();
  row.pressure = reader.F64();
  return row;
}

bool IsThermoStep(const SystemSpec& spec, int64_t step) {
  return step % spec.thermo_every == 0 || step == spec.steps;
}

int64_t ThermoRowsUpTo(const SystemSpec& spec, int64_t step) {
  const int64_t rows = step / spec.thermo_every + 1;
  return step == spec.steps && step % spec.thermo_every != 0 ? rows + 1 : rows;
}

Simulation::Simulation(const SystemSpec& spec)
    : spec_(spec),
      box_length_(BoxLength(spec.cells, spec.density)),
      cutoff_squared_(spec.cutoff * spec.cutoff),
      energy_shift_(spec.shift ? PairEnergy(spec.cutoff * spec.cutoff) : 0.0),
      neighbors_(box_length_, (spec.cutoff + spec.skin) * (1 + kListRadiusMargin),
                 4 * static_cast<size_t>(spec.cells) * spec.cells * spec.cells) {}

Simulation::Simulation(const SystemSpec& spec, double temperature, uint64_t velocity_seed)
    : Simulation(spec) {
  initial_temperature_ = temperature;
  velocity_seed_ = velocity_seed;
  atoms_ = FccLattice(spec.cells, spec.density);
  AssignVelocities(atoms_, temperature, velocity_seed);
}

bool Simulation::UpdateNeighbors(const Atoms& positions, const StopRequested& stop) {
  // The list reaches `skin` beyond the cutoff, so it holds every pair within the cutoff until
  // two atoms together have moved more than that.
  if (neighbors_.valid() &&
      neighbors_.TwoLargestDisplacements(positions.x, positions.y, positions.z) <= spec_.skin) {
    return true;
  }
  ++list_builds_;
  return neighbors_.Build(positions.x, positions.y, positions.z, stop);
}

void Simulation::set_isa(Isa isa) {
  isa_ = isa;
  neighbors_.set_isa(isa);
}

bool Simulation::ComputeForces(const Atoms& positions, std::vector<double>* fx,
                               std::vector<double>* fy, std::vector<double>* fz,
                               Atoms* kick_velocities, PairSums* sums, const StopRequested& stop) {
  const size_t n = positions.size();
  packed_.resize(n);
  ForEachBlock(n, [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      packed_[i] = {positions.x[i], positions.y[i], positions.z[i], 0.0};
    }
  });
  const PairForceInput in{packed_.data(), &neighbors_, box_length_, cutoff_squared_,
                          energy_shift_};
  const PairForceOutput out{fx->data(), fy->data(), fz->data()};
  const double half_dt = 0.5 * spec_.dt;
  std::vector<BlockSums> block_sums(BlockCount(n));
  std::atomic<bool> stopped{false};
  ForEachBlock(n, [&](size_t block, size_t begin, size_t end) {
    if (stopped.load(std::memory_order_relaxed) || stop()) {
      stopped = true;
      return;
    }
    block_sums[block] = PairForces(in, out, begin, end, sums != nullptr, isa_);
    if (kick_velocities) {
      Atoms& v = *kick_velocities;
      for (size_t i = begin; i < end; ++i) {
        v.vx[i] += half_dt * out.fx[i];
        v.vy[i] += half_dt * out.fy[i];
        v.vz[i] += half_dt * out.fz[i];
      }
    }
  });
  if (stopped) return false;
  if (sums) {
    *sums = {};
    for (const BlockSums& block : block_sums) {
      sums->energy += block.energy;
      sums->virial += block.virial;
    }
  }
  return true;
}

ThermoRow Simulation::MakeThermoRow(const PairSums& sums) const {
  const double n = static_cast<double>(atoms_.size());
  const double v2 = SumOfSquaredVelocities(atoms_);
  const double potential = 0.5 * sums.energy;  // the full list counts each pair twice
  const double virial = 0.5 * sums.virial;
  const double volume = box_length_ * box_length_ * box_length_;
  // LAMMPS's pressure: (dof * T + W) / (3 V), and dof * T is the sum of m v^2.
  return {step_, v2 / (3 * n - 3), potential / n, (0.5 * v2 + potential) / n,
          (v2 + virial) / (3 * volume)};
}

Status Simulation::Prepare(const StopRequested& stop) {
  if (forces_ready_) return Status::Ok();
  const size_t n = atoms_.size();
  for (auto* f : {&fx_, &fy_, &fz_, &nfx_, &nfy_, &nfz_}) f->resize(n);
  next_ = atoms_;
  const bool first_row = step_ == 0 && thermo_.empty();
  PairSums sums;
  if (!UpdateNeighbors(atoms_, stop) ||
      !ComputeForces(atoms_, &fx_, &fy_, &fz_, nullptr, first_row ? &sums : nullptr, stop)) {
    return Unavailable("lj-md: stopped at step " + std::to_string(step_));
  }
  if (first_row) thermo_.push_back(MakeThermoRow(sums));
  forces_ready_ = true;
  return Status::Ok();
}

Status Simulation::Step(const StopRequested& stop) {
  POTLUCK_CHECK(!done());
  if (Status prepared = Prepare(stop); !prepared.ok()) return prepared;
  if (stop()) return Unavailable("lj-md: stopped at step " + std::to_string(step_));
  const size_t n = atoms_.size();
  const double dt = spec_.dt, half_dt = 0.5 * dt, length = box_length_;
  // Half kick and drift into next_, so that a stop part-way leaves atoms_ untouched.
  std::atomic<bool> finite{true};
  ForEachBlock(n, [&](size_t, size_t begin, size_t end) {
    bool block_finite = true;
    for (size_t i = begin; i < end; ++i) {
      next_.vx[i] = atoms_.vx[i] + half_dt * fx_[i];
      next_.vy[i] = atoms_.vy[i] + half_dt * fy_[i];
      next_.vz[i] = atoms_.vz[i] + half_dt * fz_[i];
      next_.x[i] = Wrap(atoms_.x[i] + dt * next_.vx[i], length);
      next_.y[i] = Wrap(atoms_.y[i] + dt * next_.vy[i], length);
      next_.z[i] = Wrap(atoms_.z[i] + dt * next_.vz[i], length);
      block_finite &=
          std::isfinite(next_.x[i]) && std::isfinite(next_.y[i]) && std::isfinite(next_.z[i]);
    }
    if (!block_finite) finite = false;
  });
  if (!finite) {
    return InvalidArgument("lj-md: positions stopped being finite at step " +
                           std::to_string(step_ + 1) + " (parameter 'dt' too large?)");
  }
  const bool thermo_step = IsThermoStep(spec_, step_ + 1);
  PairSums sums;
  if (!UpdateNeighbors(next_, stop) ||
      !ComputeForces(next_, &nfx_, &nfy_, &nfz_, &next_, thermo_step ? &sums : nullptr, stop)) {
    return Unavailable("lj-md: stopped at step " + std::to_string(step_));
  }
  if (spec_.thermostat_t) ApplyThermostat(next_);
  std::swap(atoms_, next_);
  std::swap(fx_, nfx_);
  std::swap(fy_, nfy_);
  std::swap(fz_, nfz_);
  ++step_;
  if (thermo_step) thermo_.push_back(MakeThermoRow(sums));
  return Status::Ok();
}

void Simulation::ApplyThermostat(Atoms& state) const {
  // Berendsen: scale velocities by lambda, lambda^2 = 1 + (dt / tau) (T0 / T - 1), with lambda
  // held within [0.8, 1.25] as GROMACS does, so a far-off start cannot jolt the system.
  const double n = static_cast<double>(state.size());
  const double temperature = SumOfSquaredVelocities(state) / (3 * n - 3);
  if (!(temperature > 0)) return;
  const double lambda = std::clamp(
      std::sqrt(1 + (*spec_.thermostat_t / temperature - 1) / kThermostatTauSteps), 0.8, 1.25);
  ForEachBlock(state.size(), [&](size_t, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      state.vx[i] *= lambda;
      state.vy[i] *= lambda;
      state.vz[i] *= lambda;
    }
  });
}

Hash256 Simulation::StateHash() const {
  Bytes bytes;
  bytes.reserve(atoms_.size() * 6 * 8);
  ByteWriter writer(bytes);
  for (const std::vector<double>* values : ArraysOf(atoms_)) {
    for (const double value : *values) writer.F64(value);
  }
  return Blake2b256(bytes);
}

Bytes Simulation::SaveState() const {
  Bytes bytes;
  ByteWriter writer(bytes);
  writer.U32(kStateVersion);
  writer.U32(static_cast<uint32_t>(atoms_.size()));
  writer.U64(velocity_seed_);
  writer.F64(initial_temperature_);
  writer.I64(step_);
  writer.U32(static_cast<uint32_t>(thermo_.size()));
  for (const ThermoRow& row : thermo_) WriteThermoRow(writer, row);
  for (const std::vector<double>* values : ArraysOf(atoms_)) {
    for (const double value : *values) writer.F64(value);
  }
  return bytes;
}

Result<Simulation> Simulation::Restore(const SystemSpec& spec, std::span<const uint8_t> state) {
  Simulation simulation(spec);
  const uint64_t atoms = 4 * static_cast<uint64_t>(spec.cells) * spec.cells * spec.cells;
  ByteReader reader(state);
  const uint32_t version = reader.U32();
  const uint32_t state_atoms = reader.U32();
  simulation.velocity_seed_ = reader.U64();
  simulation.initial_temperature_ = reader.F64();
  const int64_t step = reader.I64();
  const uint32_t rows = reader.U32();
  if (reader.failed() || version != kStateVersion || state_atoms != atoms || step < 0 ||
      step > spec.steps || (rows != ThermoRowsUpTo(spec, step) && !(step == 0 && rows == 0)) ||
      !(simulation.initial_temperature_ > 0)) {
    return Corrupt("lj-md state: not a version 1 state of " + std::to_string(atoms) +
                   " atoms at a step up to " + std::to_string(spec.steps));
  }
  simulation.step_ = step;
  for (uint32_t r = 0; r < rows; ++r) {
    const ThermoRow row = ReadThermoRow(reader);
    const int64_t expected_step = std::min(spec.steps, int64_t{r} * spec.thermo_every);
    if (row.step != expected_step) return Corrupt("lj-md state: thermo rows out of step");
    simulation.thermo_.push_back(row);
  }
  if (reader.failed() || reader.remaining() != atoms * 6 * 8) {
    return Corrupt("lj-md state: " + std::to_string(state.size()) + " bytes do not hold " +
                   std::to_string(rows) + " thermo rows and " + std::to_string(atoms) + " atoms");
  }
  const double length = simulation.box_length_;
  const auto arrays = ArraysOf(simulation.atoms_);
  for (size_t k = 0; k < arrays.size(); ++k) {
    std::vector<double>& values = *arrays[k];
    values.resize(atoms);
    for (double& value : values) value = reader.F64();
    for (const double value : values) {
      const bool is_position = k < 3;
      if (!std::isfinite(value) || (is_position && !(value >= 0 && value <= length))) {
        return Corrupt("lj-md state: an atom outside the box or not finite");
      }
    }
  }
  return simulation;
}

}  // namespace potluck::lj_md

#include "lj_md/initial_state.h"

#include <cmath>

#include "lj_md/blocks.h"
#include "potluck/base/status.h"

namespace potluck::lj_md {
namespace {

constexpr double kFccBasis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t RotateLeft(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

double LatticeConstant(double density) {
  // Newton's method from above with a fixed number of steps instead of std::cbrt, whose last bit
  // may differ between math libraries. 4/density >= 1, so the start is above the root and the
  // steps fall monotonically onto it; 100 steps are far more than 4/density <= 400 needs.
  const double volume = 4.0 / density;
  double root = volume;
  for (int step = 0; step < 100; ++step) root = (2.0 * root + volume / (root * root)) / 3.0;
  return root;
}

double BoxLength(int cells, double density) { return cells * LatticeConstant(density); }

Atoms FccLattice(int cells, double density) {
  const double a = LatticeConstant(density);
  Atoms atoms;
  const size_t n = 4 * static_cast<size_t>(cells) * cells * cells;
  for (auto* v : {&atoms.x, &atoms.y, &atoms.z, &atoms.vx, &atoms.vy, &atoms.vz}) v->reserve(n);
  for (int k = 0; k < cells; ++k) {
    for (int j = 0; j < cells; ++j) {
      for (int i = 0; i < cells; ++i) {
        for (const auto& basis : kFccBasis) {
          atoms.x.push_back((i + basis[0]) * a);
          atoms.y.push_back((j + basis[1]) * a);
          atoms.z.push_back((k + basis[2]) * a);
        }
      }
    }
  }
  atoms.vx.assign(n, 0.0);
  atoms.vy.assign(n, 0.0);
  atoms.vz.assign(n, 0.0);
  return atoms;
}

Xoshiro256::Xoshiro256(uint64_t seed) {
  for (uint64_t& word : s_) word = SplitMix64(seed);
}

uint64_t Xoshiro256::Next() {
  const uint64_t result = RotateLeft(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = RotateLeft(s_[3], 45);
  return result;
}

double Xoshiro256::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

void AssignVelocities(Atoms& atoms, double temperature, uint64_t seed) {
  const size_t n = atoms.size();
  POTLUCK_CHECK(n >= 2 && temperature > 0);
  Xoshiro256 random(seed);
  for (size_t i = 0; i < n; ++i) {
    atoms.vx[i] = random.Uniform() - 0.5;
    atoms.vy[i] = random.Uniform() - 0.5;
    atoms.vz[i] = random.Uniform() - 0.5;
  }
  double momentum[3] = {0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    momentum[0] += atoms.vx[i];
    momentum[1] += atoms.vy[i];
    momentum[2] += atoms.vz[i];
  }
  for (size_t i = 0; i < n; ++i) {
    atoms.vx[i] -= momentum[0] / static_cast<double>(n);
    atoms.vy[i] -= momentum[1] / static_cast<double>(n);
    atoms.vz[i] -= momentum[2] / static_cast<double>(n);
  }
  const double degrees_of_freedom = 3.0 * static_cast<double>(n) - 3.0;
  const double scale = std::sqrt(temperature * degrees_of_freedom / SumOfSquaredVelocities(atoms));
  for (size_t i = 0; i < n; ++i) {
    atoms.vx[i] *= scale;
    atoms.vy[i] *= scale;
    atoms.vz[i] *= scale;
  }
}

double SumOfSquaredVelocities(const Atoms& atoms) {
  return SumOverBlocks(atoms.size(), [&](size_t begin, size_t end) {
    double sum = 0;
    for (size_t i = begin; i < end; ++i) {
      sum += atoms.vx[i] * atoms.vx[i] + atoms.vy[i] * atoms.vy[i] + atoms.vz[i] * atoms.vz[i];
    }
    return sum;
  });
}

}  // namespace potluck::lj_md

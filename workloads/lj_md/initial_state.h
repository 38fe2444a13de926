// The starting point of an lj-md trajectory: atoms on an fcc lattice, random velocities.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace potluck::lj_md {

// Positions and velocities as structure of arrays, atom i at index i.
struct Atoms {
  std::vector<double> x, y, z;
  std::vector<double> vx, vy, vz;
  size_t size() const { return x.size(); }
};

// (4/density)^(1/3), the edge of one fcc unit cell. REQUIRES: 0 < density <= 4.
double LatticeConstant(double density);

// The edge of the cubic box holding `cells` fcc unit cells per side at reduced `density`.
double BoxLength(int cells, double density);

// 4 * cells^3 atoms at rest on an fcc lattice, in the order LAMMPS's `lattice fcc` and
// `create_atoms` place them: unit cells with x fastest, then y, then z, each with the basis
// (0,0,0), (1/2,1/2,0), (1/2,0,1/2), (0,1/2,1/2) times the lattice constant (4/density)^(1/3).
Atoms FccLattice(int cells, double density);

// xoshiro256** seeded through splitmix64: a small generator whose output is specified bit for
// bit, unlike the std:: distributions, which differ between standard libraries.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();

 private:
  uint64_t s_[4];
};

// Gives the atoms random velocities from `seed`, with zero total momentum, scaled so that the
// temperature with 3N - 3 degrees of freedom is `temperature`. Each component is drawn uniform
// in [-1/2, 1/2) in atom order (x, y, z per atom), as LAMMPS's `velocity create` does by
// default; only + - * / and sqrt are used, so the bits do not depend on the math library.
// REQUIRES: atoms.size() >= 2, temperature > 0.
void AssignVelocities(Atoms& atoms, double temperature, uint64_t seed);

// Sum over atoms of v^2 (mass 1), summed in fixed blocks so any thread count gives the same bits.
double SumOfSquaredVelocities(const Atoms& atoms);

}  // namespace potluck::lj_md

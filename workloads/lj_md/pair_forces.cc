#include "lj_md/pair_forces.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

namespace potluck::lj_md {
namespace {

// Four doubles with element-wise arithmetic (a GCC and Clang extension): two SSE2 registers
// on baseline x86-64, one register in the AVX2 clone of PairForces.
typedef double Lanes __attribute__((vector_size(4 * sizeof(double))));
constexpr size_t kLanes = 4;
// Two doubles, one SSE2 register: the width of the filtering pass, whose gathers and per-pair
// stores gain nothing from wider vectors without AVX2.
typedef double Pair __attribute__((vector_size(2 * sizeof(double))));

// Vectors are passed by reference: by value, their ABI differs between SSE2 and AVX callers.
inline void Load(Lanes& v, const double* p) { std::memcpy(&v, p, sizeof v); }

inline double Combine(const Lanes& v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// The nearest periodic image of each separation, by selects instead of branches; the same
// operations as MinimumImage, so the same bits.
inline void Nearest(Pair& d, double length, double half) {
  d = d > half ? d - length : d;
  d = d < -half ? d + length : d;
}

// The neighbours of one atom within the cutoff: separations and squared distances, padded to a
// multiple of kLanes with pairs at unit distance and zero separation, whose weight is 0.
struct NearPairs {
  std::vector<double> dx, dy, dz, r2, weight;
  size_t count = 0;  // including the padding

  void Reserve(size_t pairs) {
    for (auto* v : {&dx, &dy, &dz, &r2, &weight}) v->resize(pairs + kLanes);
  }
};

// Appends a neighbour at the next free slot, which only advances if it lies within the cutoff:
// no branch per pair.
inline void Keep(NearPairs& near, size_t& count, double cutoff_squared, double dx, double dy,
                 double dz, double r2) {
  near.dx[count] = dx;
  near.dy[count] = dy;
  near.dz[count] = dz;
  near.r2[count] = r2;
  count += r2 < cutoff_squared ? 1 : 0;
}

// Keeps the neighbours of atom i within the cutoff, in list order. Separations are computed for
// two neighbours at a time; the nearest image is chosen by selects rather than branches. Both
// paths perform the same operations on each pair as MinimumImage, so their bits agree.
// Always inlined, so that each clone of PairForces gets its own copy.
[[gnu::always_inline]] inline void FilterNeighbors(const PairForceInput& in, size_t i,
                                                   NearPairs& near) {
  const double length = in.box_length, half = in.box_length / 2;
  const double xi = in.x[i], yi = in.y[i], zi = in.z[i];
  const std::span<const int32_t> neighbors = in.neighbors->NeighborsOf(i);
  const size_t whole = neighbors.size() - neighbors.size() % 2;
  size_t count = 0;
  for (size_t k = 0; k < whole; k += 2) {
    const int32_t j0 = neighbors[k], j1 = neighbors[k + 1];
    Pair dx = xi - Pair{in.x[j0], in.x[j1]};
    Pair dy = yi - Pair{in.y[j0], in.y[j1]};
    Pair dz = zi - Pair{in.z[j0], in.z[j1]};
    Nearest(dx, length, half);
    Nearest(dy, length, half);
    Nearest(dz, length, half);
    const Pair r2 = dx * dx + dy * dy + dz * dz;
    Keep(near, count, in.cutoff_squared, dx[0], dy[0], dz[0], r2[0]);
    Keep(near, count, in.cutoff_squared, dx[1], dy[1], dz[1], r2[1]);
  }
  for (size_t k = whole; k < neighbors.size(); ++k) {
    const int32_t j = neighbors[k];
    const double dx = MinimumImage(xi - in.x[j], length, half);
    const double dy = MinimumImage(yi - in.y[j], length, half);
    const double dz = MinimumImage(zi - in.z[j], length, half);
    Keep(near, count, in.cutoff_squared, dx, dy, dz, dx * dx + dy * dy + dz * dz);
  }
  std::fill(near.weight.begin(), near.weight.begin() + static_cast<std::ptrdiff_t>(count), 1.0);
  for (; count % kLanes != 0; ++count) {
    near.dx[count] = near.dy[count] = near.dz[count] = 0.0;
    near.r2[count] = 1.0;
    near.weight[count] = 0.0;
  }
  near.count = count;
}

// Force on one atom from its filtered neighbours. A padding pair adds dx * fpair = 0 * finite,
// a zero, to a sum that starts at +0 and so never is -0: the sum's bits do not change. Energy
// and virial of padding pairs are nonzero and are multiplied by their weight, 0.
template <bool kWithEnergy>
inline void SumPairs(const NearPairs& near, double shift, double* force, BlockSums& sums) {
  Lanes fx = {0, 0, 0, 0}, fy = fx, fz = fx, energy = fx, virial = fx;
  for (size_t k = 0; k < near.count; k += kLanes) {
    Lanes dx, dy, dz, r2;
    Load(dx, &near.dx[k]);
    Load(dy, &near.dy[k]);
    Load(dz, &near.dz[k]);
    Load(r2, &near.r2[k]);
    const Lanes r2inv = 1.0 / r2;
    const Lanes r6inv = r2inv * r2inv * r2inv;
    // F/r = (48 r^-12 - 24 r^-6) / r^2, the LAMMPS lj/cut form with epsilon = sigma = 1.
    const Lanes fpair = r6inv * (48.0 * r6inv - 24.0) * r2inv;
    fx += dx * fpair;
    fy += dy * fpair;
    fz += dz * fpair;
    if constexpr (kWithEnergy) {
      Lanes weight;
      Load(weight, &near.weight[k]);
      energy += (r6inv * (4.0 * r6inv - 4.0) - shift) * weight;
      virial += r2 * fpair * weight;
    }
  }
  force[0] = Combine(fx);
  force[1] = Combine(fy);
  force[2] = Combine(fz);
  if constexpr (kWithEnergy) {
    sums.energy += Combine(energy);
    sums.virial += Combine(virial);
  }
}

}  // namespace

// Compiled twice, for baseline x86-64 and for AVX2, and picked at load time. The source fixes
// every operation and its order and contraction stays off, so both give the same bits.
[[gnu::target_clones("avx2", "default")]] BlockSums PairForces(
    const PairForceInput& in, const PairForceOutput& out, size_t begin, size_t end,
    bool with_energy) {
  size_t longest = 0;
  for (size_t i = begin; i < end; ++i)
    longest = std::max(longest, in.neighbors->NeighborsOf(i).size());
  NearPairs near;
  near.Reserve(longest);
  BlockSums sums;
  for (size_t i = begin; i < end; ++i) {
    FilterNeighbors(in, i, near);
    double force[3];
    if (with_energy) {
      SumPairs<true>(near, in.energy_shift, force, sums);
    } else {
      SumPairs<false>(near, in.energy_shift, force, sums);
    }
    out.fx[i] = force[0];
    out.fy[i] = force[1];
    out.fz[i] = force[2];
  }
  return sums;
}

}  // namespace potluck::lj_md

#include "lj_md/pair_forces.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

#include "lj_md/avx2_helpers.h"

namespace potluck::lj_md {
namespace {

// Four doubles with element-wise arithmetic (a GCC and Clang extension): two SSE2 registers
// on the baseline path, one register on the AVX2 path.
typedef double Lanes __attribute__((vector_size(4 * sizeof(double))));
constexpr size_t kLanes = 4;
// Two doubles, one SSE2 register: the width of the baseline filtering pass, whose gathers and
// per-pair stores gain nothing from wider vectors without AVX2.
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
// multiple of kLanes with pairs at unit distance and zero separation.
struct NearPairs {
  std::vector<double> dx, dy, dz, r2;
  size_t count = 0;   // neighbours within the cutoff
  size_t padded = 0;  // count rounded up to a multiple of kLanes

  // Room for an atom of `pairs` list entries: the AVX2 path stores whole vectors past `count`.
  void Reserve(size_t pairs) {
    for (auto* v : {&dx, &dy, &dz, &r2}) v->resize(pairs + kLanes);
  }
  void Pad() {
    for (padded = count; padded % kLanes != 0; ++padded) {
      dx[padded] = dy[padded] = dz[padded] = 0.0;
      r2[padded] = 1.0;
    }
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

// The list entries of atom i from `first` on, one at a time, with MinimumImage.
inline void FilterRest(const PairForceInput& in, size_t i, size_t first, NearPairs& near) {
  const double length = in.box_length, half = in.box_length / 2;
  const PackedPosition& pi = in.positions[i];
  const std::span<const int32_t> neighbors = in.neighbors->NeighborsOf(i);
  for (size_t k = first; k < neighbors.size(); ++k) {
    const PackedPosition& pj = in.positions[neighbors[k]];
    const double dx = MinimumImage(pi.x - pj.x, length, half);
    const double dy = MinimumImage(pi.y - pj.y, length, half);
    const double dz = MinimumImage(pi.z - pj.z, length, half);
    Keep(near, near.count, in.cutoff_squared, dx, dy, dz, dx * dx + dy * dy + dz * dz);
  }
}

// Keeps the neighbours of atom i within the cutoff, in list order. Separations are computed for
// two neighbours at a time; the nearest image is chosen by selects rather than branches. Both
// do the same operations on each pair as MinimumImage, so their bits agree.
void FilterBaseline(const PairForceInput& in, size_t i, NearPairs& near) {
  const double length = in.box_length, half = in.box_length / 2;
  const PackedPosition& pi = in.positions[i];
  const std::span<const int32_t> neighbors = in.neighbors->NeighborsOf(i);
  const size_t whole = neighbors.size() - neighbors.size() % 2;
  size_t count = 0;
  for (size_t k = 0; k < whole; k += 2) {
    const PackedPosition& p0 = in.positions[neighbors[k]];
    const PackedPosition& p1 = in.positions[neighbors[k + 1]];
    Pair dx = pi.x - Pair{p0.x, p1.x};
    Pair dy = pi.y - Pair{p0.y, p1.y};
    Pair dz = pi.z - Pair{p0.z, p1.z};
    Nearest(dx, length, half);
    Nearest(dy, length, half);
    Nearest(dz, length, half);
    const Pair r2 = dx * dx + dy * dy + dz * dz;
    Keep(near, count, in.cutoff_squared, dx[0], dy[0], dz[0], r2[0]);
    Keep(near, count, in.cutoff_squared, dx[1], dy[1], dz[1], r2[1]);
  }
  near.count = count;
  FilterRest(in, i, whole, near);
  near.Pad();
}

#if defined(__x86_64__)
// What FilterAvx2 keeps in registers for one atom.
struct FilterVectors {
  __m256d length, half, minus_half, cutoff_squared;
  __m256d xi, yi, zi;
};

// Neighbours j[0] .. j[3], of which those in the mask `in_list` are the atom's: appends those
// within the cutoff at near[count...], compressed to the front of each vector and stored whole.
[[gnu::target("avx2"), gnu::always_inline]] inline void FilterFour(
    const FilterVectors& v, const PackedPosition* positions, const int32_t* j, int in_list,
    NearPairs& near, size_t& count) {
  using namespace internal;
  __m256d xj, yj, zj;
  LoadFour(positions[j[0]], positions[j[1]], positions[j[2]], positions[j[3]], xj, yj, zj);
  const __m256d dx = NearestImages(_mm256_sub_pd(v.xi, xj), v.length, v.half, v.minus_half);
  const __m256d dy = NearestImages(_mm256_sub_pd(v.yi, yj), v.length, v.half, v.minus_half);
  const __m256d dz = NearestImages(_mm256_sub_pd(v.zi, zj), v.length, v.half, v.minus_half);
  const __m256d r2 = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy)),
                                   _mm256_mul_pd(dz, dz));
  const int within = _mm256_movemask_pd(_mm256_cmp_pd(r2, v.cutoff_squared, _CMP_LT_OQ)) & in_list;
  _mm256_storeu_pd(&near.dx[count], CompressDoubles(dx, within));
  _mm256_storeu_pd(&near.dy[count], CompressDoubles(dy, within));
  _mm256_storeu_pd(&near.dz[count], CompressDoubles(dz, within));
  _mm256_storeu_pd(&near.r2[count], CompressDoubles(r2, within));
  count += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(within)));
}

// FilterBaseline four neighbours at a time, one load per neighbour's packed position. The last
// group reads up to 3 entries past the atom's list (NeighborsOf allows it) and keeps none of them.
[[gnu::target("avx2"), gnu::always_inline]] inline void FilterAvx2(const PairForceInput& in,
                                                                   size_t i, NearPairs& near) {
  const PackedPosition* positions = in.positions;
  const FilterVectors v = {_mm256_set1_pd(in.box_length),      _mm256_set1_pd(in.box_length / 2),
                           _mm256_set1_pd(-(in.box_length / 2)), _mm256_set1_pd(in.cutoff_squared),
                           _mm256_set1_pd(positions[i].x),       _mm256_set1_pd(positions[i].y),
                           _mm256_set1_pd(positions[i].z)};
  const std::span<const int32_t> neighbors = in.neighbors->NeighborsOf(i);
  const size_t whole = neighbors.size() - neighbors.size() % 4;
  size_t count = 0;
  for (size_t k = 0; k < whole; k += 4) FilterFour(v, positions, &neighbors[k], 0xf, near, count);
  if (whole < neighbors.size()) {
    FilterFour(v, positions, neighbors.data() + whole, (1 << (neighbors.size() - whole)) - 1, near,
               count);
  }
  near.count = count;
  near.Pad();
}
#endif

// Force on one atom from its filtered neighbours. A padding pair adds dx * fpair = 0 * finite,
// a zero, to a sum that starts at +0 and so never is -0: the sum's bits do not change. Energy
// and virial of padding pairs are nonzero and are multiplied by a weight of 0 (1 for the rest).
template <bool kWithEnergy>
[[gnu::always_inline]] inline void SumPairs(const NearPairs& near, double shift, double* force,
                                            BlockSums& sums) {
  Lanes fx = {0, 0, 0, 0}, fy = fx, fz = fx, energy = fx, virial = fx;
  for (size_t k = 0; k < near.padded; k += kLanes) {
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
      for (size_t lane = 0; lane < kLanes; ++lane) weight[lane] = k + lane < near.count ? 1.0 : 0.0;
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

// Room for the longest list among atoms [begin, end).
NearPairs NearPairsFor(const PairForceInput& in, size_t begin, size_t end) {
  size_t longest = 0;
  for (size_t i = begin; i < end; ++i)
    longest = std::max(longest, in.neighbors->NeighborsOf(i).size());
  NearPairs near;
  near.Reserve(longest);
  return near;
}

[[gnu::always_inline]] inline void SumAndStore(const PairForceInput& in,
                                               const PairForceOutput& out, size_t i,
                                               const NearPairs& near, bool with_energy,
                                               BlockSums& sums) {
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

BlockSums PairForcesBaseline(const PairForceInput& in, const PairForceOutput& out, size_t begin,
                             size_t end, bool with_energy) {
  NearPairs near = NearPairsFor(in, begin, end);
  BlockSums sums;
  for (size_t i = begin; i < end; ++i) {
    FilterBaseline(in, i, near);
    SumAndStore(in, out, i, near, with_energy, sums);
  }
  return sums;
}

#if defined(__x86_64__)
// The same loop with the AVX2 filter; the force arithmetic, inlined here, runs on whole AVX
// registers.
[[gnu::target("avx2")]] BlockSums PairForcesAvx2(const PairForceInput& in,
                                                 const PairForceOutput& out, size_t begin,
                                                 size_t end, bool with_energy) {
  NearPairs near = NearPairsFor(in, begin, end);
  BlockSums sums;
  for (size_t i = begin; i < end; ++i) {
    FilterAvx2(in, i, near);
    SumAndStore(in, out, i, near, with_energy, sums);
  }
  return sums;
}
#endif

}  // namespace

BlockSums PairForces(const PairForceInput& in, const PairForceOutput& out, size_t begin, size_t end,
                     bool with_energy, Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return PairForcesAvx2(in, out, begin, end, with_energy);
#endif
  (void)isa;
  return PairForcesBaseline(in, out, begin, end, with_energy);
}

}  // namespace potluck::lj_md

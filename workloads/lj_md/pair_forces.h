// The lj/cut force loop over a full neighbour list, the hot spot of lj-md.
#pragma once

#include <cstddef>

#include "lj_md/isa.h"
#include "lj_md/neighbor_list.h"

namespace potluck::lj_md {

// Positions, the list, and where the forces go; raw pointers keep the inner loop free of
// bounds checks and indirections.
struct PairForceInput {
  const PackedPosition* positions;  // in [0, box_length], by atom
  const NeighborList* neighbors;
  double box_length;
  double cutoff_squared;
  double energy_shift;  // subtracted from each pair's energy within the cutoff
};

struct PairForceOutput {
  double* fx;
  double* fy;
  double* fz;
};

// Sums over atoms [begin, end) of the pair energy and virial, each pair counted from both sides.
struct BlockSums {
  double energy = 0;
  double virial = 0;
};

// Forces on atoms [begin, end) from their neighbours within the cutoff, and with `with_energy`
// the block's sums (else zeros).
//
// The bits of each force depend only on the sequence of neighbours within the cutoff, in
// increasing atom order, never on which farther atoms the list holds: the list is first
// filtered down to that sequence, and pair k of it is added into partial sum k mod 4, the four
// partial sums combined as (s0 + s1) + (s2 + s3). The grouping is fixed in the source, so the
// baseline (SSE2) and AVX2 paths give the same bits. REQUIRES: the CPU supports `isa`.
BlockSums PairForces(const PairForceInput& in, const PairForceOutput& out, size_t begin, size_t end,
                     bool with_energy, Isa isa);

}  // namespace potluck::lj_md

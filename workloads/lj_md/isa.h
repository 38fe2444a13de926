// The instruction sets the lj-md hot loops are written for, and the position layout they read.
#pragma once

namespace potluck::lj_md {

// Which code path the force loop and the neighbour search take. Every path gives the same bits:
// each performs the same IEEE-754 operations, in the same order, on every value (no FMA: the
// build keeps -ffp-contract=off and the AVX2 path does not enable FMA), and only the number of
// values handled per instruction differs.
enum class Isa { kBaseline, kAvx2 };

// The widest path the CPU running this supports.
inline Isa BestIsa() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return Isa::kAvx2;
#endif
  return Isa::kBaseline;
}

// One atom's position in one 32-byte line, so that the force loop and the neighbour search load
// a neighbour's coordinates with one vector load instead of three scattered ones.
struct alignas(32) PackedPosition {
  double x, y, z;
  double unused;
};

}  // namespace potluck::lj_md

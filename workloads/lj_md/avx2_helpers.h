// AVX2 building blocks shared by the force loop and the neighbour search: loading four packed
// positions as coordinate vectors, the nearest periodic image, and compressing the lanes that
// pass a test to the front of a vector (AVX2 has no compress instruction; a table of lane
// permutations, one per 4-bit mask, does it). Only for functions compiled with target("avx2").
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

#include "lj_md/isa.h"

namespace potluck::lj_md::internal {

// For each 4-bit mask, the 32-bit lanes to gather so that the set lanes of a vector of four
// 64-bit (`wide`) or 32-bit values come first, in order. The rest repeat lane 0: what lies past
// the kept values is never read.
struct CompressTable {
  alignas(32) int32_t lanes[16][8];
};

constexpr CompressTable MakeCompressTable(bool wide) {
  CompressTable table{};
  for (int mask = 0; mask < 16; ++mask) {
    int kept = 0;
    for (int lane = 0; lane < 4; ++lane) {
      if ((mask >> lane & 1) == 0) continue;
      if (wide) {
        table.lanes[mask][2 * kept] = 2 * lane;
        table.lanes[mask][2 * kept + 1] = 2 * lane + 1;
      } else {
        table.lanes[mask][kept] = lane;
      }
      ++kept;
    }
  }
  return table;
}

inline constexpr CompressTable kCompressDoubles = MakeCompressTable(true);
inline constexpr CompressTable kCompressInts = MakeCompressTable(false);

// The lanes of v whose bit is set in `mask`, first and in order.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d CompressDoubles(__m256d v, int mask) {
  const __m256i lanes =
      _mm256_load_si256(reinterpret_cast<const __m256i*>(kCompressDoubles.lanes[mask]));
  return _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(v), lanes));
}
[[gnu::target("avx2"), gnu::always_inline]] inline __m128i CompressInts(__m128i v, int mask) {
  const __m256i lanes =
      _mm256_load_si256(reinterpret_cast<const __m256i*>(kCompressInts.lanes[mask]));
  return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castsi128_si256(v), lanes));
}

// The x, y and z of four packed positions, lane k from position k. Moves only: no rounding.
[[gnu::target("avx2"), gnu::always_inline]] inline void LoadFour(
    const PackedPosition& a, const PackedPosition& b, const PackedPosition& c,
    const PackedPosition& d, __m256d& x, __m256d& y, __m256d& z) {
  const __m256d pa = _mm256_load_pd(&a.x), pb = _mm256_load_pd(&b.x);
  const __m256d pc = _mm256_load_pd(&c.x), pd = _mm256_load_pd(&d.x);
  const __m256d xz_ab = _mm256_unpacklo_pd(pa, pb);  // ax bx az bz
  const __m256d y_ab = _mm256_unpackhi_pd(pa, pb);   // ay by .. ..
  const __m256d xz_cd = _mm256_unpacklo_pd(pc, pd);
  const __m256d y_cd = _mm256_unpackhi_pd(pc, pd);
  x = _mm256_permute2f128_pd(xz_ab, xz_cd, 0x20);
  y = _mm256_permute2f128_pd(y_ab, y_cd, 0x20);
  z = _mm256_permute2f128_pd(xz_ab, xz_cd, 0x31);
}

// MinimumImage's operations on four separations: past half the box, one box length off, then
// below minus half, one on. Selects, so the same bits as the branches.
[[gnu::target("avx2"), gnu::always_inline]] inline __m256d NearestImages(__m256d d, __m256d length,
                                                                   __m256d half,
                                                                   __m256d minus_half) {
  d = _mm256_blendv_pd(d, _mm256_sub_pd(d, length), _mm256_cmp_pd(d, half, _CMP_GT_OQ));
  return _mm256_blendv_pd(d, _mm256_add_pd(d, length), _mm256_cmp_pd(d, minus_half, _CMP_LT_OQ));
}

}  // namespace potluck::lj_md::internal

#endif  // __x86_64__

// What a prime search finds in a range, and how the findings of adjacent ranges combine.
#pragma once

#include <cstdint>
#include <string>

namespace potluck::primes {

// A gap between consecutive primes: `start` and start + length are prime and nothing between.
struct PrimeGap {
  uint64_t length = 0;  // 0: no gap (fewer than two primes)
  uint64_t start = 0;
  bool operator==(const PrimeGap&) const = default;
};

// The primes of a range [lo, hi):
// - primes: how many;
// - twins: the pairs (p, p + 2) with both in the range;
// - first, last: the smallest and largest, 0 when there is none (0 is never prime);
// - largest_gap: the largest gap between consecutive primes of the range, the first one (the
//   smallest start) when several are equally large.
// A pair or gap whose two primes lie in two adjacent ranges belongs to neither; Combine() adds it.
struct Tally {
  uint64_t primes = 0;
  uint64_t twins = 0;
  uint64_t first = 0;
  uint64_t last = 0;
  PrimeGap largest_gap;
  bool operator==(const Tally&) const = default;
};

// The tally of [lo, mid) followed by [mid, hi), from those of the two parts. It counts the pair
// or gap from `before.last` to `after.first`. Associative, so any grouping gives the same result.
// `before.last` may be 0 while before.primes > 0, meaning "the last prime is not known" (a range
// in between was left out): then nothing across the boundary is counted.
Tally Combine(const Tally& before, const Tally& after);

// The findings for the numbers below 7, which the wheel leaves out: 2, 3 and 5 in [lo, hi).
Tally TallyBelowSeven(uint64_t lo, uint64_t hi);

// The tally of a sieved stretch of the wheel: `words` little-endian 64-bit words whose first bit
// stands for `first_number` + 1 (a multiple of 30 plus 1); a set bit means prime. Bits of
// numbers outside the range must be clear. Only gaps longer than `gaps_above` are looked at:
// the largest gap is the largest of those, or none. A caller that combines tallies in order
// passes the largest gap found before, which no shorter gap can displace.
Tally TallyWords(const uint8_t* bits, uint64_t words, uint64_t first_number,
                 uint64_t gaps_above = 0);

// Whether `tally` could describe the numbers [lo, end): counts within bounds, first and last
// inside, the gap between them. REQUIRES: lo <= end.
bool PlausibleTally(const Tally& tally, uint64_t lo, uint64_t end);

}  // namespace potluck::primes

// Counting primes in a range with a parallel segmented Sieve of Eratosthenes.
#pragma once

#include <cstdint>
#include <functional>

#include "potluck/base/status.h"

namespace potluck::primes {

// Ranges end at most here, so every number fits in a uint64_t with room to spare.
inline constexpr uint64_t kRangeMax = uint64_t{1} << 63;

// Numbers covered by one segment of the sieve: 256 KiB of bits, one bit per odd number.
// A segment is the unit of cancellation checks and progress reports.
inline constexpr uint64_t kSegmentSpan = uint64_t{1} << 22;

// How a long count talks to its caller. Both functions may be called concurrently from any
// thread of the caller's TBB arena, so they must be thread-safe; either may be empty.
struct SieveHooks {
  // True once the caller wants the count to stop. Asked at least once per segment (a few
  // milliseconds of work) and about every millisecond while placing very large primes.
  std::function<bool()> cancelled;
  // The fraction of the work done, in [0, 1], at most about a thousand times per count. Reports
  // from different threads may arrive slightly out of order.
  std::function<void(double)> progress;
};

// Counts the primes p with lo <= p < hi.
//
// Errors: kInvalidArgument unless lo < hi <= kRangeMax; kUnavailable once hooks.cancelled()
// has returned true (the count is then abandoned within one segment).
//
// Runs in the calling thread's TBB arena and creates none. The range is cut into segments and
// leaves of segments that depend only on lo and hi, and the leaves' tallies are combined in a
// fixed tree, so the result and the work done are the same for every thread count.
//
// Memory: the sieving primes up to sqrt(hi), shared by all threads: 4 bytes each up to 2^25
// and 1 byte each above (about 150 MB when hi is near 2^63). Per thread: a 256 KiB segment,
// 4 bytes per sieving prime up to 2^25 (at most 8 MiB) and, once hi passes 2^50, 4 bytes per
// hit of a larger prime in a leaf of 16 segments (at most about 35 MiB). Near 2^63 with two
// threads that is about 230 MB in all.
Result<uint64_t> CountPrimes(uint64_t lo, uint64_t hi, const SieveHooks& hooks = {});

}  // namespace potluck::primes

// How a range of numbers is cut into segments, chunks and rounds for the sieve.
#pragma once

#include <algorithm>
#include <cstdint>

#include "potluck/base/status.h"
#include "primes/wheel.h"

namespace potluck::primes {

// A segment is the sieve's working buffer, sized to stay in a core's L2 cache: 256 KiB of the
// wheel, 7,864,320 numbers. It is the unit of cancellation checks and progress reports.
inline constexpr uint64_t kSegmentBytes = uint64_t{1} << 18;
inline constexpr uint64_t kSegmentSpan = kSegmentBytes * wheel::kSpan;
// A chunk is a run of segments sieved by one thread, which finds the first multiple of every
// sieving prime in it by one division per prime. A round is kRoundChunks chunks sieved in
// parallel; the search may stop and save its state between rounds.
inline constexpr uint64_t kRoundChunks = 8;
// Chunks grow with sqrt(hi), two segments plus one per kRootPerChunkSegment of it, so that the
// divisions stay a small part of the work (a few percent at 10^12), up to this many segments...
inline constexpr uint64_t kRootPerChunkSegment = uint64_t{1} << 17;
inline constexpr uint64_t kChunkSegmentsMax = 128;
// ...or, when the sieving primes go beyond kBucketPrimesBound, this many, since a chunk keeps a
// bucket entry (8 bytes) for each sieving prime with a multiple in it: about 7 million either
// way.
inline constexpr uint64_t kChunkSegmentsWithHugePrimes = 8;
inline constexpr uint64_t kBucketPrimesBound = uint64_t{1} << 27;
// Above this square root, a chunk's divisions are shared by the threads of the arena.
inline constexpr uint64_t kShortChunkRootMax = uint64_t{1} << 24;

__extension__ typedef unsigned __int128 u128;

// floor(sqrt(x)), exactly.
inline uint64_t Isqrt(uint64_t x) {
  uint64_t r = uint64_t{1} << 32;
  if (x < (uint64_t{1} << 62)) r = uint64_t{1} << ((64 - __builtin_clzll(x | 1)) / 2 + 1);
  // Newton's method from above converges to the floor of the root.
  while (true) {
    const uint64_t next = static_cast<uint64_t>((u128{r} + x / r) / 2);
    if (next >= r) break;
    r = next;
  }
  while (u128{r} * r > x) --r;
  while (u128{r + 1} * (r + 1) <= x) ++r;
  return r;
}

// The numbers [lo, hi) cut into bytes of the wheel from `base` = lo rounded down to a multiple
// of 30: byte b stands for [base + 30b, base + 30b + 30). Segment s is bytes
// [s * kSegmentBytes, (s + 1) * kSegmentBytes), chunk c is segments
// [c * chunk_segments, (c + 1) * chunk_segments), all cut short at the end of the range.
// Every quantity depends on lo and hi only, never on the thread count.
struct Layout {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint64_t base = 0;
  uint64_t bytes = 0;
  uint64_t segments = 0;
  uint64_t chunk_segments = 0;
  uint64_t chunks = 0;

  // REQUIRES: 7 <= lo < hi.
  static Layout Of(uint64_t lo, uint64_t hi) {
    POTLUCK_CHECK(7 <= lo && lo < hi);
    Layout layout{lo, hi, lo - lo % wheel::kSpan};
    const uint64_t numbers = hi - layout.base;
    layout.bytes = numbers / wheel::kSpan + (numbers % wheel::kSpan != 0 ? 1 : 0);
    layout.segments = (layout.bytes + kSegmentBytes - 1) / kSegmentBytes;
    const uint64_t root = Isqrt(hi - 1);
    const uint64_t most =
        root > kBucketPrimesBound ? kChunkSegmentsWithHugePrimes : kChunkSegmentsMax;
    uint64_t chunk_segments = std::min(root / kRootPerChunkSegment + 2, most);
    // A range too short for a round of chunks gets shorter chunks, so that it is still sieved
    // in parallel, down to a quarter of the length (with the huge primes, a chunk's divisions
    // are shared by the threads instead).
    if (root <= kBucketPrimesBound && layout.segments < kRoundChunks * chunk_segments) {
      chunk_segments =
          std::max(chunk_segments / 4, (layout.segments + kRoundChunks - 1) / kRoundChunks);
    }
    // Chunks of equal length keep threads equally busy.
    const uint64_t chunks = (layout.segments + chunk_segments - 1) / chunk_segments;
    layout.chunk_segments = std::max<uint64_t>(1, (layout.segments + chunks - 1) / chunks);
    layout.chunks = (layout.segments + layout.chunk_segments - 1) / layout.chunk_segments;
    return layout;
  }

  uint64_t rounds() const { return (chunks + kRoundChunks - 1) / kRoundChunks; }
  uint64_t ChunkFirstSegment(uint64_t c) const { return c * chunk_segments; }
  uint64_t ChunkEndSegment(uint64_t c) const {
    return std::min(segments, (c + 1) * chunk_segments);
  }
  uint64_t SegmentFirstByte(uint64_t s) const { return s * kSegmentBytes; }
  uint64_t SegmentBytes(uint64_t s) const {
    return std::min(kSegmentBytes, bytes - s * kSegmentBytes);
  }
  // The first number of byte b. REQUIRES: b < bytes.
  uint64_t NumberAt(uint64_t b) const { return base + wheel::kSpan * b; }
  // The end of the numbers of bytes [.., end_byte) within the range: min(hi, base + 30 end_byte).
  uint64_t EndNumber(uint64_t end_byte) const {
    const u128 end = u128{base} + u128{wheel::kSpan} * end_byte;
    return end < hi ? static_cast<uint64_t>(end) : hi;
  }
  // The number where round r begins, or hi when r == rounds().
  uint64_t RoundStart(uint64_t r) const {
    if (r == 0) return lo;
    return EndNumber(SegmentFirstByte(std::min(chunks, r * kRoundChunks) * chunk_segments));
  }
};

}  // namespace potluck::primes

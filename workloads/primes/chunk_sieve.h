// The Sieve of Eratosthenes over one chunk of a layout, one segment at a time.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "primes/buckets.h"
#include "primes/layout.h"
#include "primes/presieve.h"
#include "primes/sieving_primes.h"
#include "primes/tracker.h"

namespace potluck::primes {

// A thread's buffers, reused by the chunks it sieves.
struct SieveScratch {
  std::vector<uint8_t> segment = std::vector<uint8_t>(kSegmentBytes);
  // Primes that hit each L1 block many times, and primes that hit each segment a few times, by
  // wheel index, so that each list runs one unrolled loop entered at a known step. The `_next`
  // lists are where they go for the next block or segment.
  std::array<std::vector<SieveEntry>, 64> small;
  std::array<std::vector<SieveEntry>, 64> small_next;
  std::array<std::vector<SieveEntry>, 64> medium;
  std::array<std::vector<SieveEntry>, 64> medium_next;
  // Primes that hit a block a few times or not at all, by the block of their next multiple.
  Buckets buckets;
};

// Sieves the segments of one chunk in order. Not thread-safe: one per chunk and thread.
// Each 32 KiB block of a segment (L1-sized) gets the pre-sieve patterns, then the primes below
// 2^15 cross off their multiples in it with whole turns of the wheel unrolled, then the primes
// from 2^20 on whose next multiple falls in that block (they wait in its bucket, so a block
// only touches the primes that hit it). The primes in between cross off their few multiples
// once per segment. Every prime carries its next multiple on, so each is divided once per chunk.
class ChunkSieve {
 public:
  ChunkSieve(const Layout& layout, uint64_t chunk, const SievingPrimes& primes,
             SieveScratch& scratch);

  // Finds the first multiple in the chunk of every sieving prime up to the square root of the
  // chunk's end, one division each; near 2^64, in parallel in the caller's arena. Returns false
  // if the tracker reports cancellation.
  [[nodiscard]] bool Start(Tracker& tracker);

  // Sieves segment s into bits(): words() little-endian words whose bit set means "prime",
  // for exactly the numbers of [layout.lo, layout.hi) in the segment.
  // REQUIRES: Start() returned true; called for the chunk's segments in increasing order.
  void Sieve(uint64_t s);
  const uint8_t* bits() const { return scratch_.segment.data(); }
  uint64_t words() const { return words_; }

 private:
  bool PlaceLargePrimes(uint64_t start, uint64_t root, uint64_t chunk_bytes, Tracker& tracker);
  void CrossSmallPrimes(uint64_t end, uint64_t shift);
  void CrossMediumPrimes(uint64_t end);
  void CrossBucket(uint64_t block, uint8_t* bits);
  void FixSmallNumbers(uint64_t first_number, uint64_t bytes);
  void ClearOutsideRange(uint64_t s, uint64_t bytes);

  const Layout& layout_;
  const SievingPrimes& primes_;
  SieveScratch& scratch_;
  const uint64_t first_segment_;
  const uint64_t end_segment_;
  const PreSievePatterns& patterns_ = PreSievePatterns::Get();
  uint64_t words_ = 0;
};

}  // namespace potluck::primes

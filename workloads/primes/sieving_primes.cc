#include "primes/sieving_primes.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cstring>

#include "primes/chunk_sieve.h"
#include "primes/layout.h"

namespace potluck::primes {
namespace {

void ClearNumber(std::vector<uint8_t>& bits, uint64_t n) {
  bits[n / wheel::kSpan] &= static_cast<uint8_t>(~(1u << wheel::kBitOfResidue[n % wheel::kSpan]));
}

}  // namespace

SievingPrimes::SievingPrimes(uint64_t limit)
    : limit_(limit), bits_((limit / wheel::kSpan / 8 + 1) * 8, 0) {}

SievingPrimes SievingPrimes::BuildPlain(uint64_t limit) {
  SievingPrimes primes(limit);
  std::vector<uint8_t>& bits = primes.bits_;
  std::fill(bits.begin(), bits.end(), 0xff);
  ClearNumber(bits, 1);
  for (uint64_t p = 7; p * p <= limit; p += 2) {
    const uint8_t bit = wheel::kBitOfResidue[p % wheel::kSpan];
    if (bit == 8 || (bits[p / wheel::kSpan] >> bit & 1) == 0) continue;
    // The multiples p * m with m coprime to 30, from m = p on.
    for (uint64_t i = bit, m = p; p * m <= limit; m += wheel::kSteps[i].dq, i = (i + 1) % 8) {
      ClearNumber(bits, p * m);
    }
  }
  for (uint64_t n = limit + 1; n < wheel::kSpan * bits.size(); ++n) {
    if (wheel::kBitOfResidue[n % wheel::kSpan] != 8) ClearNumber(bits, n);
  }
  return primes;
}

uint64_t SievingPrimes::BuildSegments(uint64_t limit) {
  return limit <= kPlainSieveMax ? 0 : Layout::Of(7, limit + 1).segments;
}

Result<SievingPrimes> SievingPrimes::Build(uint64_t limit, Tracker& tracker) {
  POTLUCK_CHECK(limit < (uint64_t{1} << 32));
  if (limit <= kPlainSieveMax) return BuildPlain(limit);
  // The primes up to the square root of the limit sieve the rest, in chunks that threads
  // take in any order, since each chunk writes its own bytes of the bitmap.
  const SievingPrimes roots = BuildPlain(Isqrt(limit));
  SievingPrimes primes(limit);
  const Layout layout = Layout::Of(7, limit + 1);
  tbb::enumerable_thread_specific<SieveScratch> scratch;
  tbb::parallel_for(
      tbb::blocked_range<uint64_t>(0, layout.chunks, 1),
      [&](const tbb::blocked_range<uint64_t>& chunks) {
        for (uint64_t c = chunks.begin(); c < chunks.end(); ++c) {
          ChunkSieve sieve(layout, c, roots, scratch.local());
          if (tracker.Cancelled() || !sieve.Start(tracker)) return;
          for (uint64_t s = layout.ChunkFirstSegment(c); s < layout.ChunkEndSegment(c); ++s) {
            if (tracker.Cancelled()) return;
            sieve.Sieve(s);
            std::memcpy(primes.bits_.data() + layout.SegmentFirstByte(s), sieve.bits(),
                        std::min<uint64_t>(8 * sieve.words(),
                                           primes.bits_.size() - layout.SegmentFirstByte(s)));
            tracker.SegmentsDone(1);
          }
        }
      },
      tbb::simple_partitioner());
  if (tracker.Stopped()) return Unavailable("cancelled");
  return primes;
}

}  // namespace potluck::primes

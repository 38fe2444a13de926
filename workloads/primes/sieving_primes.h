// The primes that sieve a range: those up to the square root of its end.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "potluck/base/status.h"
#include "primes/tracker.h"
#include "primes/wheel.h"

namespace potluck::primes {

// The primes in [7, limit] as a bitmap of the wheel: one bit per number coprime to 30,
// limit / 30 bytes, so 143 MB when limit nears 2^32. Immutable once built; shared by threads.
class SievingPrimes {
 public:
  // Limits above this are sieved in segments, in parallel.
  static constexpr uint64_t kPlainSieveMax = uint64_t{1} << 20;

  // REQUIRES: limit < 2^32. Returns kUnavailable if the tracker reports cancellation.
  static Result<SievingPrimes> Build(uint64_t limit, Tracker& tracker);
  // The segments Build sieves, for progress reports.
  static uint64_t BuildSegments(uint64_t limit);

  uint64_t limit() const { return limit_; }

  // Calls visit(p, bit) for the primes p in [from, to], in increasing order, while it returns
  // true; bit is p's bit in its byte (wheel::kBitOfResidue[p % 30]). Returns false if visit
  // returned false. REQUIRES: to <= limit().
  template <typename Visit>
  bool ForEach(uint64_t from, uint64_t to, Visit visit) const {
    if (from > to) return true;
    const uint64_t words = to / 240 + 1;
    for (uint64_t w = from / 240; w < words; ++w) {
      for (uint64_t word = wheel::LoadWord(bits_.data() + 8 * w); word != 0; word &= word - 1) {
        const int b = std::countr_zero(word);
        const uint64_t p = 240 * w + wheel::kWordBitOffsets[b];
        if (p < from) continue;
        if (p > to) return true;
        if (!visit(p, static_cast<uint64_t>(b % 8))) return false;
      }
    }
    return true;
  }

 private:
  SievingPrimes(uint64_t limit);
  static SievingPrimes BuildPlain(uint64_t limit);

  uint64_t limit_ = 0;
  std::vector<uint8_t> bits_;  // whole little-endian words; numbers above limit_ are clear
};

}  // namespace potluck::primes

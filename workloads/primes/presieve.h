// Removing the multiples of the smallest primes by copying precomputed patterns.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace potluck::primes {

// The primes 7 to 97, whose multiples the patterns remove (the wheel already leaves out those of
// 2, 3 and 5). The sieve crosses off the multiples of larger primes one by one.
inline constexpr std::array<uint64_t, 22> kPreSievedPrimes = {
    7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
inline constexpr uint64_t kFirstSievingPrime = 101;

// Immutable after construction, so safe to share between threads.
class PreSievePatterns {
 public:
  // Bytes written by one call of Apply at most.
  static constexpr uint64_t kApplyBytesMax = uint64_t{1} << 15;

  // Writes bytes [0, n) of the wheel starting at global byte `first_byte` (numbers from
  // 30 * first_byte): a bit is set iff its number has no factor among kPreSievedPrimes, which
  // clears those primes themselves too. REQUIRES: n <= kApplyBytesMax, n % 8 == 0.
  void Apply(uint64_t first_byte, uint64_t n, uint8_t* out) const;

  // Built on first use; C++ makes that thread-safe.
  static const PreSievePatterns& Get();

 private:
  PreSievePatterns();
  // Apply reads on past a pattern's end into this copy of its start, at least this far, and
  // starts the pattern over between runs: a run per 4 KiB rather than one per end of a pattern.
  static constexpr uint64_t kTailBytes = 4096;
  struct Pattern {
    uint64_t period = 0;        // bytes: the product of the pattern's primes
    std::vector<uint8_t> bits;  // period bytes, then the first kTailBytes again
  };
  std::vector<Pattern> patterns_;
};

}  // namespace potluck::primes

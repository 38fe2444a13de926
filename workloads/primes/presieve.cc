#include "primes/presieve.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "potluck/base/status.h"
#include "primes/wheel.h"

namespace potluck::primes {
namespace {

// Each group's product is the pattern's period in bytes: 106 KB for the nine.
constexpr size_t kGroups = 9;
const std::initializer_list<uint64_t> kGroupPrimes[kGroups] = {
    {7, 11, 13, 17}, {19, 23, 29}, {31, 37, 41}, {43, 47}, {53, 59},
    {61, 67},        {71, 73},     {79, 83},     {89, 97}};

uint64_t LoadWord(const uint8_t* bytes) {
  uint64_t word;
  std::memcpy(&word, bytes, 8);
  return word;
}

}  // namespace

PreSievePatterns::PreSievePatterns() {
  uint64_t covered = 0;
  for (const std::initializer_list<uint64_t>& primes : kGroupPrimes) {
    Pattern& pattern = patterns_.emplace_back();
    pattern.period = 1;
    for (const uint64_t p : primes) pattern.period *= p;
    pattern.bits.assign(pattern.period + kTailBytes, 0xff);
    // Byte b holds the numbers 30b + residue; the pattern repeats every `period` bytes because
    // 30 * period is a multiple of each prime.
    for (const uint64_t p : primes) {
      for (uint64_t n = p; n < wheel::kSpan * pattern.period; n += 2 * p) {
        const uint8_t bit = wheel::kBitOfResidue[n % wheel::kSpan];
        if (bit != 8) pattern.bits[n / wheel::kSpan] &= static_cast<uint8_t>(~(1u << bit));
      }
    }
    for (uint64_t b = pattern.period; b < pattern.bits.size(); ++b) {
      pattern.bits[b] = pattern.bits[b - pattern.period];
    }
    covered += primes.size();
  }
  POTLUCK_CHECK(covered == kPreSievedPrimes.size());
}

void PreSievePatterns::Apply(uint64_t first_byte, uint64_t n, uint8_t* out) const {
  POTLUCK_CHECK(n <= kApplyBytesMax && n % 8 == 0 && patterns_.size() == kGroups);
  uint64_t offset[kGroups];
  for (size_t g = 0; g < kGroups; ++g) offset[g] = first_byte % patterns_[g].period;
  for (uint64_t i = 0; i < n;) {
    // As many words as every pattern has left, tail included: more than kTailBytes.
    uint64_t words = (n - i) / 8;
    const uint8_t* from[kGroups];
    for (size_t g = 0; g < kGroups; ++g) {
      words = std::min(words, (patterns_[g].bits.size() - offset[g]) / 8);
      from[g] = patterns_[g].bits.data() + offset[g];
    }
    // One pass that reads every pattern and writes each word once.
    for (uint64_t w = 0; w < 8 * words; w += 8) {
      uint64_t word = LoadWord(from[0] + w);
#pragma GCC unroll 8  // the nine pointers stay in registers
      for (size_t g = 1; g < kGroups; ++g) word &= LoadWord(from[g] + w);
      std::memcpy(out + i + w, &word, 8);
    }
    i += 8 * words;
    for (size_t g = 0; g < kGroups; ++g) {
      offset[g] += 8 * words;
      while (offset[g] >= patterns_[g].period) offset[g] -= patterns_[g].period;  // no division
    }
  }
}

const PreSievePatterns& PreSievePatterns::Get() {
  static const PreSievePatterns patterns;
  return patterns;
}

}  // namespace potluck::primes

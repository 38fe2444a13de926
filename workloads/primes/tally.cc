#include "primes/tally.h"

#include <algorithm>
#include <array>
#include <bit>

#include "primes/wheel.h"

namespace potluck::primes {
namespace {

// In a word of the wheel, the pairs of bits two apart in value: 11 and 13 (bits 2, 3), 17 and
// 19 (bits 4, 5), and 29 with the next byte's 31 (bit 7 with bit 8). Each mask bit marks the
// lower bit of a pair.
constexpr uint64_t kTwinLowBits = 0x9494949494949494;

void KeepLarger(PrimeGap& best, const PrimeGap& candidate) {
  if (candidate.length > best.length) best = candidate;
}

// kMaxSpread[d]: the widest distance between the numbers of two bits of a word d apart.
constexpr std::array<uint64_t, 64> MakeMaxSpread() {
  std::array<uint64_t, 64> spread{};
  for (uint64_t d = 0; d < 64; ++d) {
    for (uint64_t b = 0; b + d < 64; ++b) {
      spread[d] =
          std::max<uint64_t>(spread[d], wheel::kWordBitOffsets[b + d] - wheel::kWordBitOffsets[b]);
    }
  }
  return spread;
}
constexpr std::array<uint64_t, 64> kMaxSpread = MakeMaxSpread();

// The fewest clear bits between two set bits of a word whose numbers can be more than `bar`
// apart, or 64 if none can.
uint64_t ClearBitsForGapAbove(uint64_t bar) {
  uint64_t d = 0;
  while (d < 63 && kMaxSpread[d + 1] <= bar) ++d;
  return d < 63 ? d : 64;
}

// Whether x has a run of at least n consecutive set bits (n <= 64).
bool HasRunOfSetBits(uint64_t x, uint64_t n) {
  if (n > 63) return false;
  // After the loop, bit i of x is set iff bits i to i + have - 1 all were.
  for (uint64_t have = 1; have < n && x != 0;) {
    const uint64_t shift = std::min(have, n - have);
    x &= x >> shift;
    have += shift;
  }
  return n == 0 || x != 0;
}

}  // namespace

Tally Combine(const Tally& before, const Tally& after) {
  Tally out;
  out.primes = before.primes + after.primes;
  out.twins = before.twins + after.twins;
  out.first = before.first != 0 ? before.first : after.first;
  out.last = after.primes != 0 ? after.last : before.last;
  out.largest_gap = before.largest_gap;
  if (before.last != 0 && after.first != 0) {
    const uint64_t distance = after.first - before.last;
    if (distance == 2) ++out.twins;
    KeepLarger(out.largest_gap, {distance, before.last});
  }
  KeepLarger(out.largest_gap, after.largest_gap);
  return out;
}

Tally TallyBelowSeven(uint64_t lo, uint64_t hi) {
  Tally tally;
  for (const uint64_t p : {2, 3, 5}) {
    if (p < lo || p >= hi) continue;
    tally = Combine(tally, Tally{1, 0, p, p, {}});
  }
  return tally;
}

// Compiled twice, to use the popcnt instruction on processors that have it.
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target_clones("popcnt", "default")]]
#endif
Tally TallyWords(const uint8_t* bits, uint64_t words, uint64_t first_number, uint64_t gaps_above) {
  Tally tally;
  uint64_t last = 0;
  PrimeGap best;
  // The length a gap must exceed to be kept, and the clear bits such a gap needs in a word.
  uint64_t bar = gaps_above;
  uint64_t clear_bits_needed = ClearBitsForGapAbove(bar);
  const auto keep = [&](const PrimeGap& gap) {
    if (gap.length <= bar) return;
    best = gap;
    bar = gap.length;
    clear_bits_needed = ClearBitsForGapAbove(bar);
  };
  uint64_t next = words > 0 ? wheel::LoadWord(bits) : 0;
  for (uint64_t w = 0; w < words; ++w) {
    const uint64_t word = next;
    next = w + 1 < words ? wheel::LoadWord(bits + 8 * (w + 1)) : 0;
    if (word == 0) continue;
    tally.primes += static_cast<uint64_t>(std::popcount(word));
    tally.twins +=
        static_cast<uint64_t>(std::popcount(word & ((word >> 1) | (next << 63)) & kTwinLowBits));
    // A word holds a prime, so its first number is below 2^64.
    const uint64_t word_number = first_number + 240 * w;
    const int low_bit = std::countr_zero(word), high_bit = 63 - std::countl_zero(word);
    const uint64_t low = word_number + wheel::kWordBitOffsets[low_bit];
    const uint64_t high = word_number + wheel::kWordBitOffsets[high_bit];
    if (last != 0) {
      keep({low - last, last});
    } else {
      tally.first = low;
    }
    // A gap inside the word longer than the bar needs a run of clear bits between its primes;
    // most words have none, and their primes are not visited one by one.
    if (high - low > bar) {
      const uint64_t between =
          ~word & ((uint64_t{1} << high_bit) - 1) & ~((uint64_t{2} << low_bit) - 1);
      if (HasRunOfSetBits(between, clear_bits_needed)) {
        uint64_t previous = low;
        for (uint64_t rest = word & (word - 1); rest != 0; rest &= rest - 1) {
          const uint64_t n = word_number + wheel::kWordBitOffsets[std::countr_zero(rest)];
          keep({n - previous, previous});
          previous = n;
        }
      }
    }
    last = high;
  }
  tally.last = last;
  tally.largest_gap = best;
  return tally;
}

bool PlausibleTally(const Tally& tally, uint64_t lo, uint64_t end) {
  if (tally.primes == 0) return tally == Tally{};
  const auto odd_or_two = [](uint64_t p) { return p % 2 == 1 || p == 2; };
  const PrimeGap& gap = tally.largest_gap;
  const bool inside = lo <= tally.first && tally.first <= tally.last && tally.last < end;
  // Every prime but 2 is odd, so at most half the numbers from first to last are prime.
  const uint64_t most = (tally.last - tally.first) / 2 + 1 + (tally.first == 2 ? 1 : 0);
  if (!inside || !odd_or_two(tally.first) || !odd_or_two(tally.last) || tally.primes > most ||
      tally.twins >= tally.primes) {
    return false;
  }
  if (tally.primes == 1) return tally.first == tally.last && gap == PrimeGap{};
  return gap.length > 0 && gap.start >= tally.first && gap.start <= tally.last &&
         gap.length <= tally.last - gap.start && odd_or_two(gap.start) &&
         (gap.length % 2 == 0 || gap.start == 2);
}

}  // namespace potluck::primes

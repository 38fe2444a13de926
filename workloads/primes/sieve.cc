#include "primes/sieve.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>

namespace potluck::primes {
namespace {

// A segment holds one bit per odd number: bit k of a segment starting at `base` (a multiple
// of 16) stands for base + 2k + 1, and a set bit means "no prime factor found yet".
constexpr uint64_t kSegmentBits = kSegmentSpan / 2;
constexpr uint64_t kSegmentBytes = kSegmentBits / 8;
// Segments per leaf of the parallel split; each leaf carries its primes' next multiples from
// one segment to the next and recomputes them (one division per prime) when it starts.
constexpr uint64_t kLeafSegmentsMax = 16;
// Sieving primes up to this bound keep their next multiple from one segment to the next;
// larger ones are located by one division per leaf.
constexpr uint64_t kOffsetPrimeMax = uint64_t{1} << 25;
// Sieving primes up to this bound come from a plain sieve; above it, from the segmented one.
constexpr uint64_t kPlainSieveMax = uint64_t{1} << 20;
// Multiples of the odd primes up to 97 are removed by combining precomputed patterns, so
// those primes and 2 are counted directly and sieving starts at 101.
constexpr std::array<uint64_t, 25> kPreSievedPrimes = {
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
constexpr uint64_t kFirstSievingPrime = 101;
// Large primes between two looks at the cancel flag: under a millisecond of divisions.
constexpr uint64_t kCancelCheckPrimes = uint64_t{1} << 16;
constexpr uint64_t kProgressSteps = 1000;

static_assert(kSegmentBits % 64 == 0, "segments are whole 64-bit words");
static_assert(kOffsetPrimeMax + kLeafSegmentsMax * kSegmentBits < (uint64_t{1} << 32),
              "a next multiple within a leaf fits in a uint32_t offset");
static_assert(kOffsetPrimeMax >= kLeafSegmentsMax * kSegmentBits,
              "a prime above kOffsetPrimeMax hits a leaf at most once");

constexpr std::array<uint8_t, 8> kClearBit = {0xfe, 0xfd, 0xfb, 0xf7, 0xef, 0xdf, 0xbf, 0x7f};

// out[i] &= in[i] for i in [0, n), a word at a time.
void AndBytes(const uint8_t* in, uint64_t n, uint8_t* out) {
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t a, b;
    std::memcpy(&a, in + i, 8);
    std::memcpy(&b, out + i, 8);
    a &= b;
    std::memcpy(out + i, &a, 8);
  }
  for (; i < n; ++i) out[i] &= in[i];
}

// Removes the multiples of the odd primes up to 97 from a segment by combining periodic bit
// patterns (54 KB in all). Immutable after construction.
class PreSievePatterns {
 public:
  PreSievePatterns() {
    const std::initializer_list<uint64_t> groups[] = {
        {3, 5, 7, 11, 13}, {17, 19, 23}, {29, 31}, {37, 41}, {43, 47},
        {53, 59},          {61, 67},     {71, 73}, {79, 83}, {89, 97}};
    for (const std::initializer_list<uint64_t> primes : groups) {
      // Bit i of byte b is set iff 2 * (8b + i) + 1 has no factor among `primes`. With P the
      // product of the primes, that repeats every 2P numbers, so every P bits and P bytes.
      uint64_t product = 1;
      for (const uint64_t p : primes) product *= p;
      std::vector<uint8_t>& pattern = patterns_.emplace_back(product, 0xff);
      for (const uint64_t p : primes) {
        // The odd multiples of p are 2 * bit + 1 for bit = (p - 1) / 2 + k * p.
        for (uint64_t bit = (p - 1) / 2; bit < 8 * product; bit += p) {
          pattern[bit / 8] &= kClearBit[bit % 8];
        }
      }
    }
  }

  // Sets bytes [0, bytes) of `out`, which start at the number `base` (a multiple of 16), to
  // the bits of the odd numbers without a factor up to 97.
  void Apply(uint64_t base, uint64_t bytes, uint8_t* out) const {
    for (size_t i = 0; i < patterns_.size(); ++i) {
      const std::vector<uint8_t>& pattern = patterns_[i];
      uint64_t at = base / 16 % pattern.size();
      for (uint64_t done = 0; done < bytes;) {
        const uint64_t n = std::min(bytes - done, pattern.size() - at);
        if (i == 0) {
          std::memcpy(out + done, pattern.data() + at, n);
        } else {
          AndBytes(pattern.data() + at, n, out + done);
        }
        done += n;
        at = 0;
      }
    }
  }

  // The patterns are a constant table, built on first use; C++ makes that thread-safe.
  static const PreSievePatterns& Get() {
    static const PreSievePatterns patterns;
    return patterns;
  }

 private:
  std::vector<std::vector<uint8_t>> patterns_;
};

uint64_t Isqrt(uint64_t x) {
  auto r = static_cast<uint64_t>(std::sqrt(static_cast<double>(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

// x mod p for p < 2^32. The quotient from a double division is off by far less than p when p
// is large, and the integer correction makes the result exact, so it does not depend on
// floating-point rounding. It is several times faster than a 64-bit integer division.
uint64_t ModLarge(uint64_t x, uint64_t p) {
  const auto q = static_cast<uint64_t>(static_cast<double>(x) / static_cast<double>(p));
  auto r = static_cast<int64_t>(x - q * p);
  const auto sp = static_cast<int64_t>(p);
  while (r < 0) r += sp;
  while (r >= sp) r -= sp;
  return static_cast<uint64_t>(r);
}

// The bit, relative to a segment starting at `base`, of the first odd multiple of p that is
// at least max(p * p, base + 1); `base_plus_one_mod_p` is (base + 1) mod p.
uint64_t FirstMultipleBit(uint64_t p, uint64_t base, uint64_t base_plus_one_mod_p) {
  const uint64_t square = p * p;
  if (square > base) return (square - base - 1) / 2;
  uint64_t distance = base_plus_one_mod_p == 0 ? 0 : p - base_plus_one_mod_p;
  // base + 1 is odd, so an odd distance leads to an even multiple; the next one is odd.
  if (distance % 2 == 1) distance += p;
  return distance / 2;
}

// Clears bits j, j + p, j + 2p, ... below end_bit in rounds of eight and returns the first
// bit of the round that did not fit. Since p is odd, the eight bits of a round fall on all
// eight positions within a byte, and the next round is the same pattern moved p bytes on; the
// pattern depends only on j % 8 and p % 8, so each of the 32 cases is compiled separately
// with its byte offsets and masks as constants. REQUIRES: j % 8 == kPhase, p % 8 == kRem.
template <uint64_t kPhase, uint64_t kRem>
uint64_t CrossRounds(uint8_t* bits, uint64_t end_bit, uint64_t p, uint64_t j) {
  constexpr auto at = [](uint64_t k) { return (kPhase + k * kRem) / 8; };
  constexpr auto mask = [](uint64_t k) { return kClearBit[(kPhase + k * kRem) % 8]; };
  if (end_bit <= 7 * p) return j;
  const uint64_t q = p / 8;
  uint8_t* byte = bits + j / 8;
  for (const uint64_t limit = end_bit - 7 * p; j < limit; j += 8 * p, byte += p) {
    byte[at(0)] &= mask(0);
    byte[q + at(1)] &= mask(1);
    byte[2 * q + at(2)] &= mask(2);
    byte[3 * q + at(3)] &= mask(3);
    byte[4 * q + at(4)] &= mask(4);
    byte[5 * q + at(5)] &= mask(5);
    byte[6 * q + at(6)] &= mask(6);
    byte[7 * q + at(7)] &= mask(7);
  }
  return j;
}

using CrossRoundsFn = uint64_t (*)(uint8_t*, uint64_t, uint64_t, uint64_t);

template <size_t... kCase>
constexpr std::array<CrossRoundsFn, 32> MakeCrossRounds(std::index_sequence<kCase...>) {
  return {&CrossRounds<kCase / 4, kCase % 4 * 2 + 1>...};
}
// Indexed by (j % 8) * 4 + (p % 8) / 2.
constexpr std::array<CrossRoundsFn, 32> kCrossRounds =
    MakeCrossRounds(std::make_index_sequence<32>());

uint64_t LoadWord(const uint8_t* bytes) {
  uint64_t word = 0;
  for (int i = 0; i < 8; ++i) word |= uint64_t{bytes[i]} << (8 * i);
  return word;
}

// Set bits among bits [from, to) of `bits`. REQUIRES: bits holds whole words up to `to`.
// Compiled twice, to use the popcnt instruction on processors that have it.
#if defined(__x86_64__) && defined(__GNUC__)
[[gnu::target_clones("popcnt", "default")]]
#endif
uint64_t CountBits(const uint8_t* bits, uint64_t from, uint64_t to) {
  if (from >= to) return 0;
  const uint64_t first = from / 64, last = (to - 1) / 64;
  const uint64_t first_mask = ~uint64_t{0} << (from % 64);
  const uint64_t last_mask = ~uint64_t{0} >> (63 - (to - 1) % 64);
  if (first == last) return std::popcount(LoadWord(bits + 8 * first) & first_mask & last_mask);
  uint64_t count = std::popcount(LoadWord(bits + 8 * first) & first_mask);
  for (uint64_t w = first + 1; w < last; ++w) {
    uint64_t word;  // in native byte order, which does not change the count
    std::memcpy(&word, bits + 8 * w, 8);
    count += std::popcount(word);
  }
  return count + std::popcount(LoadWord(bits + 8 * last) & last_mask);
}

// Calls visit(n) for each number n = base + 2k + 1 whose bit k in [from, to) is set.
template <typename Visit>
void ForEachSetBit(const uint8_t* bits, uint64_t base, uint64_t from, uint64_t to, Visit visit) {
  for (uint64_t w = from / 64; w * 64 < to; ++w) {
    uint64_t word = LoadWord(bits + 8 * w);
    while (word != 0) {
      const uint64_t k = w * 64 + static_cast<uint64_t>(std::countr_zero(word));
      word &= word - 1;
      if (k >= from && k < to) visit(base + 2 * k + 1);
    }
  }
}

// The primes from kFirstSievingPrime up to a limit below 2^32, in ascending order.
struct SievingPrimes {
  // One run of consecutive primes coded as halved gaps, one byte per prime: the gap between
  // consecutive primes below 2^32 is at most 354, so half of it fits in a byte.
  struct GapBlock {
    uint64_t anchor = 0;  // odd, below the first prime: prime[i] = prime[i-1] + 2 * half_gaps[i]
    std::vector<uint8_t> half_gaps;
  };
  std::vector<uint32_t> offset_primes;  // the primes up to kOffsetPrimeMax
  std::vector<GapBlock> large;          // the primes above kOffsetPrimeMax
};

// The primes in [kFirstSievingPrime, limit] by a plain sieve. REQUIRES: limit <= kPlainSieveMax.
std::vector<uint32_t> PlainSievePrimes(uint64_t limit) {
  std::vector<uint32_t> primes;
  std::vector<bool> composite(limit / 2 + 1);  // index i stands for 2i + 1
  for (uint64_t i = 1; i < composite.size(); ++i) {
    if (composite[i]) continue;
    const uint64_t p = 2 * i + 1;
    if (p > limit) break;
    if (p >= kFirstSievingPrime) primes.push_back(static_cast<uint32_t>(p));
    for (uint64_t j = p * p / 2; j < composite.size(); j += p) composite[j] = true;
  }
  return primes;
}

// Where the segments of a range [lo, hi) lie: segment s covers
// [base0 + s * kSegmentSpan, base0 + (s + 1) * kSegmentSpan).
struct Layout {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint64_t base0 = 0;
  uint64_t segments = 0;

  // REQUIRES: kFirstSievingPrime <= lo < hi <= kRangeMax.
  static Layout Of(uint64_t lo, uint64_t hi) {
    const uint64_t base0 = lo / 16 * 16;
    return {lo, hi, base0, (hi - base0 + kSegmentSpan - 1) / kSegmentSpan};
  }
  uint64_t Base(uint64_t s) const { return base0 + s * kSegmentSpan; }
  // The bits [FirstBit(s), EndBit(s)) of segment s stand for the odd numbers in [lo, hi).
  uint64_t FirstBit(uint64_t s) const { return s == 0 ? (lo - base0) / 2 : 0; }
  uint64_t EndBit(uint64_t s) const { return std::min(kSegmentBits, (hi - Base(s)) / 2); }
};

// Shares cancellation and progress among the threads of one count.
class Tracker {
 public:
  Tracker(const SieveHooks& hooks, uint64_t segments_total)
      : hooks_(hooks), segments_total_(segments_total) {}

  // Asks the caller; once it has said yes, the answer stays yes without asking again.
  bool Cancelled() {
    if (Stopped()) return true;
    if (hooks_.cancelled && hooks_.cancelled()) stopped_.store(true, std::memory_order_relaxed);
    return Stopped();
  }
  // Whether some thread has seen the cancellation, and so left its work undone.
  bool Stopped() const { return stopped_.load(std::memory_order_relaxed); }
  void SegmentDone() {
    const uint64_t done = segments_done_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (!hooks_.progress || segments_total_ == 0) return;
    // No overflow: a count has fewer than 2^42 segments.
    const uint64_t step = done * kProgressSteps / segments_total_;
    uint64_t reported = step_reported_.load(std::memory_order_relaxed);
    if (step > reported && step_reported_.compare_exchange_strong(reported, step)) {
      hooks_.progress(static_cast<double>(step) / kProgressSteps);
    }
  }

 private:
  const SieveHooks& hooks_;
  const uint64_t segments_total_;
  std::atomic<uint64_t> segments_done_{0};
  std::atomic<uint64_t> step_reported_{0};
  std::atomic<bool> stopped_{false};
};

// A thread's buffers, reused by the leaves it runs.
struct Scratch {
  std::vector<uint8_t> segment = std::vector<uint8_t>(kSegmentBytes);
  std::vector<uint32_t> offsets;
  // For each segment of the leaf, the bits that large primes hit.
  std::array<std::vector<uint32_t>, kLeafSegmentsMax> large_hits;
};
using ScratchPool = tbb::enumerable_thread_specific<Scratch>;

// Sieves the consecutive segments of one leaf. Not thread-safe; one per leaf.
class LeafSieve {
 public:
  // Computes the first multiple in the leaf of every offset prime that can hit it.
  LeafSieve(const Layout& layout, const SievingPrimes& primes, uint64_t first_segment,
            uint64_t end_segment, Scratch& scratch)
      : layout_(layout),
        primes_(primes),
        scratch_(scratch),
        first_segment_(first_segment),
        base_(layout.Base(first_segment)),
        end_(std::min(layout.hi, layout.Base(end_segment))) {
    POTLUCK_CHECK(first_segment < end_segment && end_segment - first_segment <= kLeafSegmentsMax);
    std::vector<uint32_t>& offsets = scratch.offsets;
    offsets.clear();
    for (const uint32_t p : primes.offset_primes) {
      if (uint64_t{p} * p >= end_) break;
      if (p < kSegmentBits / 8) round_primes_ = offsets.size() + 1;
      offsets.push_back(static_cast<uint32_t>(FirstMultipleBit(p, base_, (base_ + 1) % p)));
    }
  }

  // Sieves segment s into bits(). REQUIRES: called for the leaf's segments in order.
  // Returns false, leaving the segment half-sieved, if the tracker reports cancellation.
  [[nodiscard]] bool Sieve(uint64_t s, Tracker& tracker) {
    if (s == first_segment_ && !FindLargePrimeHits(tracker)) return false;
    const uint64_t end_bit = layout_.EndBit(s);
    uint8_t* bits = scratch_.segment.data();
    patterns_.Apply(layout_.Base(s), (end_bit + 63) / 64 * 8, bits);
    CrossOffsetPrimes(end_bit, bits);
    for (const uint32_t j : scratch_.large_hits[s - first_segment_]) {
      bits[j / 8] &= kClearBit[j % 8];
    }
    return true;
  }
  const uint8_t* bits() const { return scratch_.segment.data(); }

 private:
  void CrossOffsetPrimes(uint64_t end_bit, uint8_t* bits) {
    const uint32_t* primes = primes_.offset_primes.data();
    uint32_t* offsets = scratch_.offsets.data();
    const size_t n = scratch_.offsets.size();
    // The primes that hit a segment many times cross it in rounds of eight; the larger ones
    // hit it a few times or not at all.
    const size_t n_rounds = std::min(n, round_primes_);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t p = primes[i];
      uint64_t j = offsets[i];
      if (i < n_rounds) j = kCrossRounds[j % 8 * 4 + p % 8 / 2](bits, end_bit, p, j);
      for (; j < end_bit; j += p) bits[j / 8] &= kClearBit[j % 8];
      // On the range's last, partial segment this wraps; no segment follows, so it is unused.
      offsets[i] = static_cast<uint32_t>(j - kSegmentBits);
    }
  }

  // Finds the bits of the leaf that the large primes hit, one division per prime. Each
  // prime hits a leaf at most once, since it steps over more bits than a leaf holds. Returns
  // false if the tracker reports cancellation.
  // TODO(perf): keep large primes in buckets by the leaf of their next multiple across leaves
  // (a true bucket sieve), which saves the division when hi nears 2^63.
  bool FindLargePrimeHits(Tracker& tracker) {
    for (std::vector<uint32_t>& hits : scratch_.large_hits) hits.clear();
    const uint64_t leaf_bits = (end_ - base_) / 2;
    uint64_t visited = 0;
    for (const SievingPrimes::GapBlock& block : primes_.large) {
      uint64_t p = block.anchor;
      for (const uint8_t half_gap : block.half_gaps) {
        p += 2 * uint64_t{half_gap};
        if (p * p >= end_) return true;
        const uint64_t j = FirstMultipleBit(p, base_, ModLarge(base_ + 1, p));
        if (j < leaf_bits) {
          scratch_.large_hits[j / kSegmentBits].push_back(static_cast<uint32_t>(j % kSegmentBits));
        }
        if (++visited % kCancelCheckPrimes == 0 && tracker.Cancelled()) return false;
      }
    }
    return true;
  }

  const Layout& layout_;
  const SievingPrimes& primes_;
  Scratch& scratch_;
  const uint64_t first_segment_;
  const uint64_t base_;  // the leaf covers numbers [base_, end_)
  const uint64_t end_;
  const PreSievePatterns& patterns_ = PreSievePatterns::Get();
  // The offset primes below kSegmentBits / 8, which cross a segment in rounds of eight.
  size_t round_primes_ = 0;
};

// The primes in [lo, hi) of `layout`, one T per segment, in order. `collect(bits, s)` turns
// sieved segment s into its T. Returns kUnavailable if cancelled.
template <typename T, typename Collect>
Result<std::vector<T>> CollectSegments(const Layout& layout, const SievingPrimes& primes,
                                       Tracker& tracker, Collect collect) {
  std::vector<T> out(layout.segments);
  ScratchPool pool;
  tbb::parallel_for(
      tbb::blocked_range<uint64_t>(0, layout.segments, kLeafSegmentsMax),
      [&](const tbb::blocked_range<uint64_t>& leaf) {
        if (tracker.Cancelled()) return;
        LeafSieve sieve(layout, primes, leaf.begin(), leaf.end(), pool.local());
        for (uint64_t s = leaf.begin(); s < leaf.end(); ++s) {
          if (tracker.Cancelled() || !sieve.Sieve(s, tracker)) return;
          out[s] = collect(sieve.bits(), s);
          tracker.SegmentDone();
        }
      },
      tbb::simple_partitioner());
  if (tracker.Stopped()) return Unavailable("cancelled");
  return out;
}

// Where the sieving primes up to `limit` come from: a plain sieve when both parts are nullopt,
// else the segmented sieve over one or two ranges.
struct SievingPlan {
  uint64_t limit = 0;
  std::optional<Layout> offset_part;  // [101, min(limit, kOffsetPrimeMax) + 1)
  std::optional<Layout> large_part;   // [kOffsetPrimeMax + 1, limit + 1)
  uint64_t Segments() const {
    return (offset_part ? offset_part->segments : 0) + (large_part ? large_part->segments : 0);
  }
};

SievingPlan PlanSievingPrimes(uint64_t limit) {
  SievingPlan plan{limit, std::nullopt, std::nullopt};
  if (limit <= kPlainSieveMax) return plan;
  plan.offset_part = Layout::Of(kFirstSievingPrime, std::min(limit, kOffsetPrimeMax) + 1);
  if (limit > kOffsetPrimeMax) plan.large_part = Layout::Of(kOffsetPrimeMax + 1, limit + 1);
  return plan;
}

// The primes in [kFirstSievingPrime, plan.limit]. Returns kUnavailable if cancelled.
Result<SievingPrimes> BuildSievingPrimes(const SievingPlan& plan, Tracker& tracker) {
  SievingPrimes out;
  if (!plan.offset_part) {
    if (plan.limit >= kFirstSievingPrime) out.offset_primes = PlainSievePrimes(plan.limit);
    return out;
  }
  SievingPrimes roots;
  roots.offset_primes = PlainSievePrimes(Isqrt(plan.limit));

  const Layout& small = *plan.offset_part;
  auto small_runs = CollectSegments<std::vector<uint32_t>>(
      small, roots, tracker, [&](const uint8_t* bits, uint64_t s) {
        std::vector<uint32_t> run;
        ForEachSetBit(bits, small.Base(s), small.FirstBit(s), small.EndBit(s),
                      [&](uint64_t p) { run.push_back(static_cast<uint32_t>(p)); });
        return run;
      });
  if (!small_runs.ok()) return small_runs.status();
  for (const auto& run : *small_runs) {
    out.offset_primes.insert(out.offset_primes.end(), run.begin(), run.end());
  }
  if (!plan.large_part) return out;

  const Layout& large = *plan.large_part;
  auto blocks = CollectSegments<SievingPrimes::GapBlock>(
      large, roots, tracker, [&](const uint8_t* bits, uint64_t s) {
        SievingPrimes::GapBlock block{large.Base(s) + large.FirstBit(s) * 2 - 1, {}};
        uint64_t previous = block.anchor;
        ForEachSetBit(bits, large.Base(s), large.FirstBit(s), large.EndBit(s), [&](uint64_t p) {
          const uint64_t half_gap = (p - previous) / 2;
          POTLUCK_CHECK(half_gap <= 255);
          block.half_gaps.push_back(static_cast<uint8_t>(half_gap));
          previous = p;
        });
        return block;
      });
  if (!blocks.ok()) return blocks.status();
  out.large = std::move(*blocks);
  return out;
}

// The primes in [lo, hi) of `layout`, counted by leaves whose tallies are added in a fixed
// tree. Returns kUnavailable if cancelled.
Result<uint64_t> CountSegments(const Layout& layout, const SievingPrimes& primes,
                               Tracker& tracker) {
  ScratchPool pool;
  const uint64_t count = tbb::parallel_deterministic_reduce(
      tbb::blocked_range<uint64_t>(0, layout.segments, kLeafSegmentsMax), uint64_t{0},
      [&](const tbb::blocked_range<uint64_t>& leaf, uint64_t tally) {
        if (tracker.Cancelled()) return tally;
        LeafSieve sieve(layout, primes, leaf.begin(), leaf.end(), pool.local());
        for (uint64_t s = leaf.begin(); s < leaf.end(); ++s) {
          if (tracker.Cancelled() || !sieve.Sieve(s, tracker)) return tally;
          tally += CountBits(sieve.bits(), layout.FirstBit(s), layout.EndBit(s));
          tracker.SegmentDone();
        }
        return tally;
      },
      [](uint64_t a, uint64_t b) { return a + b; });
  if (tracker.Stopped()) return Unavailable("cancelled");
  return count;
}

}  // namespace

Result<uint64_t> CountPrimes(uint64_t lo, uint64_t hi, const SieveHooks& hooks) {
  if (lo >= hi || hi > kRangeMax) {
    return InvalidArgument("prime count range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                           ") is empty or ends above 2^63");
  }
  uint64_t count = 0;
  for (const uint64_t p : kPreSievedPrimes) count += (lo <= p && p < hi) ? 1 : 0;
  const uint64_t sieve_lo = std::max(lo, kFirstSievingPrime);
  if (sieve_lo >= hi) return count;

  const Layout layout = Layout::Of(sieve_lo, hi);
  const SievingPlan plan = PlanSievingPrimes(Isqrt(hi - 1));
  Tracker tracker(hooks, plan.Segments() + layout.segments);
  if (tracker.Cancelled()) return Unavailable("cancelled");
  const Result<SievingPrimes> primes = BuildSievingPrimes(plan, tracker);
  if (!primes.ok()) return primes.status();
  const Result<uint64_t> sieved = CountSegments(layout, *primes, tracker);
  if (!sieved.ok()) return sieved.status();
  return count + *sieved;
}

}  // namespace potluck::primes

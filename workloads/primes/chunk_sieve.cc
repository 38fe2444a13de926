#include "primes/chunk_sieve.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "primes/wheel.h"

namespace potluck::primes {
namespace {

using wheel::kSteps;

// The small primes are crossed off one L1-sized block of the segment at a time.
constexpr uint64_t kBlockBytes = PreSievePatterns::kApplyBytesMax;
static_assert(kSegmentBytes % kBlockBytes == 0);
// Primes below this turn the wheel at least once per block.
constexpr uint64_t kSmallPrimeMax = kBlockBytes;
constexpr uint64_t kBlocksPerSegment = kSegmentBytes / kBlockBytes;
// Primes from here on wait in buckets: they hit a block a few times at most.
constexpr uint64_t kLargePrimeMin = 4 * kSegmentBytes;
// Above kShortChunkRootMax, the large primes are placed in parts of this many numbers, in
// parallel: near 2^64 placing them is most of a chunk's work.
constexpr uint64_t kLargePrimesPerPart = uint64_t{1} << 25;
// Primes placed between two looks at the cancel flag: under a millisecond of divisions.
constexpr uint64_t kCancelCheckPrimes = uint64_t{1} << 16;
static_assert((kChunkSegmentsMax * kSegmentBytes + kLargePrimeMin) << 6 < (uint64_t{1} << 32),
              "positions fit in a SieveEntry");

uint32_t Position(uint64_t byte, uint64_t wheel_index) {
  return static_cast<uint32_t>(byte << 6 | wheel_index);
}

// The first multiple p * m >= max(p * p, start) of a sieving prime p (< 2^32, coprime to 30)
// with m coprime to 30, as its byte relative to `start` (a multiple of 30) and its wheel index.
// Built once per chunk; placing hundreds of millions of primes near 2^64 is most of a chunk's
// work there, so the division goes through doubles, which pipeline: for p >= 2^12 the quotient
// of the doubles is off by at most a few units (start loses at most 2^10 when rounded, less
// than p), and the integer correction makes it exact, so nothing depends on rounding.
class FirstMultiple {
 public:
  explicit FirstMultiple(uint64_t start)
      : start_(start), start_as_double_(static_cast<double>(start)) {}

  // REQUIRES: bit == wheel::kBitOfResidue[p % 30].
  std::pair<uint64_t, uint64_t> operator()(uint64_t p, uint64_t bit) const {
    if (p * p >= start_) {
      const uint64_t offset = p * p - start_;
      return {offset / wheel::kSpan, 8 * bit + bit};
    }
    const uint64_t quotient = Quotient(p);
    const uint64_t remainder = start_ - quotient * p;
    const uint64_t m0 = quotient + (remainder != 0 ? 1 : 0);
    const uint64_t distance = wheel::kDistanceToCoprime[m0 % 30];
    // m - quotient <= 7, so this stays far below 2^64 even when p * m does not.
    const uint64_t offset = p * (m0 + distance - quotient) - remainder;
    return {offset / wheel::kSpan, 8 * bit + wheel::kBitOfResidue[(m0 % 30 + distance) % 30]};
  }

 private:
  uint64_t Quotient(uint64_t p) const {
    if (p < (uint64_t{1} << 12)) return start_ / p;
    // Both fit in an int64_t, whose conversions are single instructions.
    const auto p_as_double = static_cast<double>(static_cast<int64_t>(p));
    auto q = static_cast<uint64_t>(static_cast<int64_t>(start_as_double_ / p_as_double));
    const auto sp = static_cast<int64_t>(p);
    // start - q * p, taken modulo 2^64 as a signed number, is within a few p of the remainder.
    auto r = static_cast<int64_t>(start_ - q * p);
    for (; r < 0; r += sp) --q;
    for (; r >= sp; r -= sp) ++q;
    return q;
  }

  const uint64_t start_;
  const double start_as_double_;
};

template <uint64_t kRi, uint64_t kI>
struct Turn {
  static constexpr const wheel::Step& kStep = kSteps[8 * kRi + kI];
  // The byte of the k-th multiple of a turn relative to its first: q * (residue - 1) + carry.
  static constexpr uint64_t Offset(uint64_t q) {
    return q * (wheel::kResidues[kI] - 1) + wheel::kTurnCarries[kRi][kI];
  }
  // Crosses off the multiple at byte o and moves o to the next, unless o is past the end.
  static bool Step(uint8_t* bits, uint64_t end, uint64_t q, uint64_t& o) {
    if (o >= end) return false;
    bits[o] &= kStep.keep_mask;
    o += q * kStep.dq + kStep.dc;
    return true;
  }
};

// Where a crossing stopped: the byte of the next multiple and its index in the turn.
struct Stop {
  uint64_t byte;
  uint64_t i;
};

// Crosses off the multiples of a prime with residue index kRi from byte o, wheel index i on,
// in bytes below `end`. With kUntilTurnEnds, it also stops where the turn of the wheel ends (at
// index 0). The steps are unrolled, so that each one's byte offset and mask are constants.
// (The byte is a local copy: were it a reference, every store to `bits`, which may alias
// anything, would force it back to memory.)
template <uint64_t kRi, bool kUntilTurnEnds>
[[gnu::always_inline]] inline Stop CrossSteps(uint8_t* bits, uint64_t end, uint64_t q, uint64_t o,
                                              uint64_t i) {
  switch (i) {
    case 0:
      if (!Turn<kRi, 0>::Step(bits, end, q, o)) return {o, 0};
      [[fallthrough]];
    case 1:
      if (!Turn<kRi, 1>::Step(bits, end, q, o)) return {o, 1};
      [[fallthrough]];
    case 2:
      if (!Turn<kRi, 2>::Step(bits, end, q, o)) return {o, 2};
      [[fallthrough]];
    case 3:
      if (!Turn<kRi, 3>::Step(bits, end, q, o)) return {o, 3};
      [[fallthrough]];
    case 4:
      if (!Turn<kRi, 4>::Step(bits, end, q, o)) return {o, 4};
      [[fallthrough]];
    case 5:
      if (!Turn<kRi, 5>::Step(bits, end, q, o)) return {o, 5};
      [[fallthrough]];
    case 6:
      if (!Turn<kRi, 6>::Step(bits, end, q, o)) return {o, 6};
      [[fallthrough]];
    default:
      if (!Turn<kRi, 7>::Step(bits, end, q, o)) return {o, 7};
  }
  if constexpr (kUntilTurnEnds) return {o, 0};
  while (true) {
    if (!Turn<kRi, 0>::Step(bits, end, q, o)) return {o, 0};
    if (!Turn<kRi, 1>::Step(bits, end, q, o)) return {o, 1};
    if (!Turn<kRi, 2>::Step(bits, end, q, o)) return {o, 2};
    if (!Turn<kRi, 3>::Step(bits, end, q, o)) return {o, 3};
    if (!Turn<kRi, 4>::Step(bits, end, q, o)) return {o, 4};
    if (!Turn<kRi, 5>::Step(bits, end, q, o)) return {o, 5};
    if (!Turn<kRi, 6>::Step(bits, end, q, o)) return {o, 6};
    if (!Turn<kRi, 7>::Step(bits, end, q, o)) return {o, 7};
  }
}

// Crosses off the multiples of the small primes with wheel index 8 * kRi + kI in bytes below
// `end`, and files each under the wheel index it stops at, its position moved back by `shift`
// bytes. Whole turns of the wheel (eight multiples, p bytes) run without a bound check per
// multiple.
template <uint64_t kRi, uint64_t kI>
void CrossSmallPrimes(uint8_t* bits, uint64_t end, uint64_t shift,
                      const std::vector<SieveEntry>& entries,
                      std::array<std::vector<SieveEntry>, 64>& next) {
  for (const SieveEntry& entry : entries) {
    const uint64_t q = entry.q;
    Stop stop{entry.position >> 6, kI};
    if constexpr (kI != 0) stop = CrossSteps<kRi, true>(bits, end, q, stop.byte, kI);
    if (stop.i == 0) {
      const uint64_t turn_last = Turn<kRi, 7>::Offset(q);
      uint64_t o = stop.byte;
      if (o + turn_last < end) {
        const uint64_t p = wheel::kSpan * q + wheel::kResidues[kRi];
        const uint64_t limit = end - turn_last;
        do {
          bits[o] &= Turn<kRi, 0>::kStep.keep_mask;
          bits[o + Turn<kRi, 1>::Offset(q)] &= Turn<kRi, 1>::kStep.keep_mask;
          bits[o + Turn<kRi, 2>::Offset(q)] &= Turn<kRi, 2>::kStep.keep_mask;
          bits[o + Turn<kRi, 3>::Offset(q)] &= Turn<kRi, 3>::kStep.keep_mask;
          bits[o + Turn<kRi, 4>::Offset(q)] &= Turn<kRi, 4>::kStep.keep_mask;
          bits[o + Turn<kRi, 5>::Offset(q)] &= Turn<kRi, 5>::kStep.keep_mask;
          bits[o + Turn<kRi, 6>::Offset(q)] &= Turn<kRi, 6>::kStep.keep_mask;
          bits[o + turn_last] &= Turn<kRi, 7>::kStep.keep_mask;
          o += p;
        } while (o < limit);
      }
      stop = CrossSteps<kRi, false>(bits, end, q, o, 0);
    }
    next[8 * kRi + stop.i].push_back({entry.q, Position(stop.byte - shift, 8 * kRi + stop.i)});
  }
}

// Crosses off the multiples of the medium primes with wheel index 8 * kRi + kI in bytes below
// `end`, and files each under the wheel index it stops at, its position moved back by `end`
// bytes. Since the lists are by wheel index, the entry into the unrolled turn is known when
// compiled rather than a jump hard to predict.
template <uint64_t kRi, uint64_t kI>
void CrossMediumPrimes(uint8_t* bits, uint64_t end, const std::vector<SieveEntry>& entries,
                       std::array<std::vector<SieveEntry>, 64>& next) {
  for (const SieveEntry& entry : entries) {
    const Stop stop = CrossSteps<kRi, false>(bits, end, entry.q, entry.position >> 6, kI);
    next[8 * kRi + stop.i].push_back({entry.q, Position(stop.byte - end, 8 * kRi + stop.i)});
  }
}

template <size_t... kWheelIndex>
void CrossSmallPrimesByWheelIndex(uint8_t* bits, uint64_t end, uint64_t shift,
                                  std::array<std::vector<SieveEntry>, 64>& entries,
                                  std::array<std::vector<SieveEntry>, 64>& next,
                                  std::index_sequence<kWheelIndex...>) {
  (CrossSmallPrimes<kWheelIndex / 8, kWheelIndex % 8>(bits, end, shift, entries[kWheelIndex], next),
   ...);
}

template <size_t... kWheelIndex>
void CrossMediumPrimesByWheelIndex(uint8_t* bits, uint64_t end,
                                   std::array<std::vector<SieveEntry>, 64>& entries,
                                   std::array<std::vector<SieveEntry>, 64>& next,
                                   std::index_sequence<kWheelIndex...>) {
  (CrossMediumPrimes<kWheelIndex / 8, kWheelIndex % 8>(bits, end, entries[kWheelIndex], next), ...);
}

}  // namespace

ChunkSieve::ChunkSieve(const Layout& layout, uint64_t chunk, const SievingPrimes& primes,
                       SieveScratch& scratch)
    : layout_(layout),
      primes_(primes),
      scratch_(scratch),
      first_segment_(layout.ChunkFirstSegment(chunk)),
      end_segment_(layout.ChunkEndSegment(chunk)) {
  POTLUCK_CHECK(first_segment_ < end_segment_);
}

bool ChunkSieve::Start(Tracker& tracker) {
  for (std::vector<SieveEntry>& entries : scratch_.small) entries.clear();
  for (std::vector<SieveEntry>& entries : scratch_.small_next) entries.clear();
  for (std::vector<SieveEntry>& entries : scratch_.medium) entries.clear();
  for (std::vector<SieveEntry>& entries : scratch_.medium_next) entries.clear();
  const uint64_t blocks = (end_segment_ - first_segment_) * kBlocksPerSegment;
  scratch_.buckets.Reset(blocks);

  const uint64_t first_byte = layout_.SegmentFirstByte(first_segment_);
  const uint64_t start = layout_.NumberAt(first_byte);
  const uint64_t end_byte = std::min(layout_.bytes, layout_.SegmentFirstByte(end_segment_));
  const uint64_t root = Isqrt(layout_.EndNumber(end_byte) - 1);
  POTLUCK_CHECK(root <= primes_.limit());
  const FirstMultiple first_multiple(start);
  const bool placed = primes_.ForEach(
      kFirstSievingPrime, std::min(root, kLargePrimeMin - 1), [&](uint64_t p, uint64_t bit) {
        const auto [byte, wheel_index] = first_multiple(p, bit);
        const SieveEntry entry{static_cast<uint32_t>(p / wheel::kSpan),
                               Position(byte, wheel_index)};
        if (p < kSmallPrimeMax) {
          scratch_.small[wheel_index].push_back(entry);
        } else {
          scratch_.medium[wheel_index].push_back(entry);
        }
        return true;
      });
  return placed && PlaceLargePrimes(start, root, end_byte - first_byte, tracker);
}

bool ChunkSieve::PlaceLargePrimes(uint64_t start, uint64_t root, uint64_t chunk_bytes,
                                  Tracker& tracker) {
  if (root < kLargePrimeMin) return true;
  const FirstMultiple first_multiple(start);
  const auto bucket = [&](const SieveEntry& hit) {
    const uint64_t byte = hit.position >> 6;
    scratch_.buckets.Push(byte / kBlockBytes,
                          {hit.q, Position(byte % kBlockBytes, hit.position & 63)});
  };
  // Calls visit(hit) for each prime in part `part` with a multiple in the chunk, its position
  // relative to the chunk.
  const uint64_t parts =
      root <= kShortChunkRootMax ? 1 : (root - kLargePrimeMin) / kLargePrimesPerPart + 1;
  const auto place = [&](uint64_t part, auto visit) {
    const uint64_t from = kLargePrimeMin + part * kLargePrimesPerPart;
    const uint64_t to = part + 1 == parts ? root : from + kLargePrimesPerPart - 1;
    uint64_t placed = 0;
    primes_.ForEach(from, to, [&](uint64_t p, uint64_t bit) {
      if (++placed % kCancelCheckPrimes == 0 && tracker.Cancelled()) return false;
      const auto [byte, wheel_index] = first_multiple(p, bit);
      if (byte < chunk_bytes)
        visit({static_cast<uint32_t>(p / wheel::kSpan), Position(byte, wheel_index)});
      return true;
    });
  };
  if (parts == 1) {
    place(0, bucket);
    return !tracker.Stopped();
  }
  // Each part files its hits in its own list, and the lists go into the buckets afterwards,
  // since the buckets are not thread-safe. Any order would cross off the same bits.
  std::vector<std::vector<SieveEntry>> hits(parts);
  // Isolated, so that this thread, while it waits for the parts, does not start another chunk
  // with the same thread-local scratch.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<uint64_t>(0, parts, 1),
        [&](const tbb::blocked_range<uint64_t>& range) {
          for (uint64_t part = range.begin(); part < range.end(); ++part) {
            place(part, [&](const SieveEntry& hit) { hits[part].push_back(hit); });
          }
        },
        tbb::simple_partitioner());
  });
  if (tracker.Stopped()) return false;
  for (std::vector<SieveEntry>& part_hits : hits) {
    for (const SieveEntry& hit : part_hits) bucket(hit);
    std::vector<SieveEntry>().swap(part_hits);
  }
  return true;
}

void ChunkSieve::Sieve(uint64_t s) {
  POTLUCK_CHECK(first_segment_ <= s && s < end_segment_);
  const uint64_t bytes = layout_.SegmentBytes(s);
  words_ = (bytes + 7) / 8;
  const uint64_t end = 8 * words_;
  const uint64_t first_byte = layout_.base / wheel::kSpan + layout_.SegmentFirstByte(s);
  uint8_t* bits = scratch_.segment.data();
  // Only the chunk's last segment may be short, and no segment follows it in the chunk, so the
  // positions carried to the next segment always move back by a whole segment.
  for (uint64_t block = 0; block < end; block += kBlockBytes) {
    const uint64_t block_end = std::min(end, block + kBlockBytes);
    patterns_.Apply(first_byte + block, block_end - block, bits + block);
    CrossSmallPrimes(block_end, block_end == end ? end : 0);
    CrossBucket((s - first_segment_) * kBlocksPerSegment + block / kBlockBytes, bits + block);
  }
  CrossMediumPrimes(end);
  FixSmallNumbers(layout_.NumberAt(layout_.SegmentFirstByte(s)), bytes);
  ClearOutsideRange(s, bytes);
}

void ChunkSieve::CrossSmallPrimes(uint64_t end, uint64_t shift) {
  CrossSmallPrimesByWheelIndex(scratch_.segment.data(), end, shift, scratch_.small,
                               scratch_.small_next, std::make_index_sequence<64>());
  std::swap(scratch_.small, scratch_.small_next);
  for (std::vector<SieveEntry>& entries : scratch_.small_next) entries.clear();
}

void ChunkSieve::CrossMediumPrimes(uint64_t end) {
  CrossMediumPrimesByWheelIndex(scratch_.segment.data(), end, scratch_.medium, scratch_.medium_next,
                                std::make_index_sequence<64>());
  std::swap(scratch_.medium, scratch_.medium_next);
  for (std::vector<SieveEntry>& entries : scratch_.medium_next) entries.clear();
}

void ChunkSieve::CrossBucket(uint64_t b, uint8_t* bits) {
  const uint64_t blocks = (end_segment_ - first_segment_) * kBlocksPerSegment;
  // The crossing runs to the end of the block even in a short last segment: the bytes past
  // the range are cleared afterwards, and it keeps every next position past this block.
  scratch_.buckets.Drain(b, [&](const SieveEntry& entry) {
    const uint64_t q = entry.q;
    uint64_t o = entry.position >> 6;
    uint64_t w = entry.position & 63;
    do {
      const wheel::Step& step = kSteps[w];
      bits[o] &= step.keep_mask;
      o += q * step.dq + step.dc;
      w = step.next;
    } while (o < kBlockBytes);
    const uint64_t target = b + o / kBlockBytes;
    if (target < blocks) scratch_.buckets.Push(target, {entry.q, Position(o % kBlockBytes, w)});
  });
}

// The patterns cleared the primes up to 97 themselves and left 1 set.
void ChunkSieve::FixSmallNumbers(uint64_t first_number, uint64_t bytes) {
  if (first_number >= kFirstSievingPrime) return;
  uint8_t* bits = scratch_.segment.data();
  const uint64_t numbers = wheel::kSpan * bytes;
  for (const uint64_t p : kPreSievedPrimes) {
    if (p < first_number || p - first_number >= numbers) continue;
    const uint64_t offset = p - first_number;
    bits[offset / wheel::kSpan] |= static_cast<uint8_t>(1u << wheel::kBitOfResidue[offset % 30]);
  }
  if (first_number == 0) bits[0] &= static_cast<uint8_t>(~1u);
}

void ChunkSieve::ClearOutsideRange(uint64_t s, uint64_t bytes) {
  uint8_t* bits = scratch_.segment.data();
  std::memset(bits + bytes, 0, 8 * words_ - bytes);
  // Only the range's first byte holds numbers below lo, and only its last numbers from hi on.
  if (s == 0) {
    const uint64_t below = layout_.lo - layout_.base;
    for (uint64_t j = 0; j < 8; ++j) {
      if (wheel::kResidues[j] < below) bits[0] &= static_cast<uint8_t>(~(1u << j));
    }
  }
  if (s + 1 == layout_.segments) {
    const uint64_t last = layout_.bytes - 1;
    const uint64_t inside = layout_.hi - layout_.NumberAt(last);  // in [1, 30]
    for (uint64_t j = 0; j < 8; ++j) {
      if (wheel::kResidues[j] >= inside) {
        bits[last - layout_.SegmentFirstByte(s)] &= static_cast<uint8_t>(~(1u << j));
      }
    }
  }
}

}  // namespace potluck::primes

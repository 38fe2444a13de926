#include "primes/search.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "potluck/base/byte_io.h"
#include "primes/chunk_sieve.h"
#include "primes/layout.h"
#include "primes/sieving_primes.h"

namespace potluck::primes {
namespace {

constexpr uint32_t kStateFormat = 1;
constexpr size_t kStateFields = 9;
constexpr size_t kStateBytes = 4 + 8 * kStateFields + 8;

// The wheel covers the numbers from 7 on; 2, 3 and 5 are tallied apart.
Layout SieveLayout(uint64_t lo, uint64_t hi) { return Layout::Of(std::max<uint64_t>(lo, 7), hi); }

uint64_t RoundBytes(const Layout& layout) {
  return kRoundChunks * layout.chunk_segments * kSegmentBytes;
}

// The round that starts at `position`, if one (other than the first) does.
std::optional<uint64_t> RoundStartingAt(const Layout& layout, uint64_t position) {
  if (position <= layout.base) return std::nullopt;
  const uint64_t round_span = wheel::kSpan * RoundBytes(layout);
  const uint64_t distance = position - layout.base;
  const uint64_t round = distance / round_span;
  if (distance % round_span != 0 || round >= layout.rounds()) return std::nullopt;
  return round;
}

// FNV-1a, to notice a damaged checkpoint.
uint64_t Checksum(const uint8_t* data, size_t size) {
  uint64_t hash = 0xcbf29ce484222325;
  for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 0x100000001b3;
  return hash;
}

using ScratchPool = tbb::enumerable_thread_specific<SieveScratch>;

// The tally of chunk c, or an incomplete one if the tracker reports cancellation.
Tally SearchChunk(const Layout& layout, uint64_t c, const SievingPrimes& primes, ScratchPool& pool,
                  Tracker& tracker) {
  Tally tally;
  ChunkSieve sieve(layout, c, primes, pool.local());
  if (tracker.Cancelled() || !sieve.Start(tracker)) return tally;
  for (uint64_t s = layout.ChunkFirstSegment(c); s < layout.ChunkEndSegment(c); ++s) {
    if (tracker.Cancelled()) return tally;
    sieve.Sieve(s);
    const Tally segment =
        TallyWords(sieve.bits(), sieve.words(), layout.NumberAt(layout.SegmentFirstByte(s)),
                   tally.largest_gap.length);
    tally = Combine(tally, segment);
    tracker.SegmentsDone(1);
  }
  return tally;
}

}  // namespace

Result<Tally> Search(uint64_t lo, uint64_t hi, const SieveHooks& hooks, const RoundHook& round_done,
                     const std::optional<SearchState>& resume) {
  if (lo >= hi) {
    return InvalidArgument("prime search range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                           ") is empty");
  }
  if (resume && (resume->lo != lo || resume->hi != hi || !IsResumable(*resume))) {
    return InvalidArgument("prime search of [" + std::to_string(lo) + ", " + std::to_string(hi) +
                           ") cannot resume from the state given");
  }
  Tally tally = TallyBelowSeven(lo, hi);
  if (hi <= 7) return tally;

  const Layout layout = SieveLayout(lo, hi);
  const uint64_t limit = Isqrt(hi - 1);
  Tracker tracker(hooks, SievingPrimes::BuildSegments(limit) + layout.segments);
  uint64_t first_round = 0;
  if (resume) {
    first_round = *RoundStartingAt(layout, resume->position);
    tally = resume->tally;
    tracker.SegmentsDone(
        std::min(layout.segments, first_round * kRoundChunks * layout.chunk_segments));
  }
  if (tracker.Cancelled()) return Unavailable("cancelled");
  const Result<SievingPrimes> primes = SievingPrimes::Build(limit, tracker);
  if (!primes.ok()) return primes.status();

  ScratchPool pool;
  std::array<Tally, kRoundChunks> chunk_tallies;
  for (uint64_t round = first_round; round < layout.rounds(); ++round) {
    const uint64_t first_chunk = round * kRoundChunks;
    const uint64_t end_chunk = std::min(layout.chunks, first_chunk + kRoundChunks);
    tbb::parallel_for(
        tbb::blocked_range<uint64_t>(first_chunk, end_chunk, 1),
        [&](const tbb::blocked_range<uint64_t>& chunks) {
          for (uint64_t c = chunks.begin(); c < chunks.end(); ++c) {
            chunk_tallies[c - first_chunk] = SearchChunk(layout, c, *primes, pool, tracker);
          }
        },
        tbb::simple_partitioner());
    if (tracker.Stopped()) return Unavailable("cancelled");
    // Chunks are combined in order, whichever thread sieved them.
    for (uint64_t c = first_chunk; c < end_chunk; ++c) {
      tally = Combine(tally, chunk_tallies[c - first_chunk]);
    }
    if (round + 1 < layout.rounds() && round_done) {
      round_done(SearchState{lo, hi, layout.RoundStart(round + 1), tally});
    }
  }
  return tally;
}

bool IsResumable(const SearchState& state) {
  if (state.lo >= state.hi || state.hi <= 7) return false;
  const Layout layout = SieveLayout(state.lo, state.hi);
  const std::optional<uint64_t> round = RoundStartingAt(layout, state.position);
  return round && *round > 0 && state.position == layout.RoundStart(*round) &&
         PlausibleTally(state.tally, state.lo, state.position);
}

Bytes EncodeState(const SearchState& state) {
  Bytes out;
  out.reserve(kStateBytes);
  ByteWriter writer(out);
  writer.U32(kStateFormat);
  const Tally& t = state.tally;
  for (const uint64_t field : {state.lo, state.hi, state.position, t.primes, t.twins, t.first,
                               t.last, t.largest_gap.length, t.largest_gap.start}) {
    writer.U64(field);
  }
  writer.U64(Checksum(out.data(), out.size()));
  return out;
}

std::optional<SearchState> DecodeState(const Bytes& bytes) {
  if (bytes.size() != kStateBytes) return std::nullopt;
  ByteReader reader(bytes);
  if (reader.U32() != kStateFormat) return std::nullopt;
  std::array<uint64_t, kStateFields> f{};
  for (uint64_t& field : f) field = reader.U64();
  if (reader.U64() != Checksum(bytes.data(), kStateBytes - 8)) return std::nullopt;
  const SearchState state{f[0], f[1], f[2], Tally{f[3], f[4], f[5], f[6], PrimeGap{f[7], f[8]}}};
  if (!IsResumable(state)) return std::nullopt;
  return state;
}

}  // namespace potluck::primes

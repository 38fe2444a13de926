// The prime search of a range: primes, twin pairs and the largest gap, in rounds that can stop
// and resume.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "primes/tally.h"
#include "primes/tracker.h"

namespace potluck::primes {

// Ranges end at most here: every number, and p + 2 for every prime, fits in a uint64_t.
inline constexpr uint64_t kRangeMax = ~uint64_t{0};

// Where a search of [lo, hi) stands between two rounds: [lo, position) is done and gave `tally`.
struct SearchState {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint64_t position = 0;
  Tally tally;
  bool operator==(const SearchState&) const = default;
};

// Called after each round but the last, from the thread that called Search.
using RoundHook = std::function<void(const SearchState&)>;

// The tally of [lo, hi), starting from `resume` when it is given.
//
// Errors: kInvalidArgument unless lo < hi <= kRangeMax, or if `resume` is not a state that a
// search of [lo, hi) stops in (see IsResumable); kUnavailable once hooks.cancelled() has
// returned true (the search is then abandoned within one segment of each thread).
//
// Runs in the calling thread's TBB arena and creates none. The range is cut into rounds, chunks
// and segments that depend only on lo and hi (see layout.h), so the work done and the states
// passed to `round_done` are the same for every thread count, and a resumed search returns
// what an uninterrupted one does.
//
// Memory: the sieving primes up to sqrt(hi), sqrt(hi) / 30 bytes (143 MB near 2^64), shared by
// the threads. Per thread: a 256 KiB segment and 8 bytes per sieving prime above 2^20 with a
// multiple in the chunk, about 60 MB at most (twice that while a chunk near 2^64 places them).
Result<Tally> Search(uint64_t lo, uint64_t hi, const SieveHooks& hooks = {},
                     const RoundHook& round_done = {},
                     const std::optional<SearchState>& resume = {});

// Whether a search of [state.lo, state.hi) passes through `state`: the position is where one
// of its rounds ends (not the last), and the tally is plausible for [lo, position).
bool IsResumable(const SearchState& state);

// The state as bytes for a checkpoint: a format version, then lo, hi, position and the tally's
// fields as little-endian u64, and a checksum of them all.
Bytes EncodeState(const SearchState& state);
// The state in `bytes`, or nullopt if they are damaged, of another format, or not resumable.
std::optional<SearchState> DecodeState(const Bytes& bytes);

}  // namespace potluck::primes

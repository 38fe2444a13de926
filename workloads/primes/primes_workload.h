// The "primes" workload: a prime search over a range of 64-bit numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/workload/workload.h"

namespace potluck {

// Searches the numbers from <= n < to, cut into `units` consecutive ranges
// (primes::UnitRangeOf), for primes, twin prime pairs and the largest gap between consecutive
// primes. Parameters: see primes::ParseRange; 0 <= from < to <= 2^64 - 1.
//
// Version 2. A unit's result is 64 bytes, eight little-endian u64 (primes/unit_result.h):
//   lo, hi         the unit's numbers [lo, hi)
//   primes         the primes p in [lo, hi)
//   twins          the pairs (p, p + 2) with both in [lo, hi)
//   first, last    the smallest and largest prime in [lo, hi), 0 if there is none
//   gap length     the largest difference between consecutive primes of [lo, hi), 0 if it
//   gap start      holds fewer than two; start is the smaller prime, the first such gap
// A pair or gap whose primes lie in two units belongs to neither: the aggregator adds it from
// the last prime of one unit and the first prime of the next one that has a prime, when every
// unit in between is verified (and so known to hold no prime).
//
// Run resumes from context.Checkpoint() when it holds a state of this unit (primes/search.h),
// saves one between rounds when context.CheckpointDue(), and shows a view every round:
// {"range": [lo, hi], "position", "primes", "twins", "largest_gap"}.
//
// Thread-safe: holds no state; Run may be called concurrently.
class PrimesWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "primes"; }
  uint32_t Version() const override { return 2; }
  std::vector<std::string> ParamHelp() const override;
  Status Validate(const Params& params, uint64_t units) const override;
  // Returns kUnavailable if context.Cancelled() turns true before the search is done.
  Result<Bytes> Run(const Params& params, uint64_t units, uint64_t index,
                    KernelContext& context) const override;
  // primes::UnitResultJson, or kCorrupt if the bytes are not a unit result.
  Result<nlohmann::json> DescribeUnit(const Bytes& result) const override;
  // The aggregator's Finish() is {"from", "to", "units", "primes", "twins", "largest_gap":
  // {"length", "from", "to"} or null} over the units added so far; it refuses results out of
  // order or for another range. If the parameters are invalid, every Add() returns the
  // validation error.
  std::unique_ptr<Aggregator> NewAggregator(const Params& params, uint64_t units) const override;
};

}  // namespace potluck

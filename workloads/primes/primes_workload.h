// The "primes" workload: counts the primes in a range of 64-bit numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/workload/workload.h"

namespace potluck {

// Counts the primes p with from <= p < to, cut into `units` consecutive ranges.
//
// Parameters: "from" (default 0) and "to" (required), 0 <= from < to <= 2^63. Values are
// decimal integers or exact integers written as "1e9", "2.5e9" or "10^9".
//
// A unit's result is 24 bytes, three little-endian u64: lo, hi, and the number of primes in
// [lo, hi), the range of that unit (see primes::UnitRangeOf).
//
// Thread-safe: holds no state; Run may be called concurrently.
class PrimesWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "primes"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override;
  Status Validate(const Params& params, uint64_t units) const override;
  // Returns kUnavailable if context.Cancelled() turns true before the count is done.
  Result<Bytes> Run(const Params& params, uint64_t units, uint64_t index,
                    KernelContext& context) const override;
  // {"from": lo, "to": hi, "primes": count}, or kCorrupt if the bytes are not a unit result.
  Result<nlohmann::json> DescribeUnit(const Bytes& result) const override;
  // The aggregator's Finish() is {"from", "to", "primes", "units"} over the units added so
  // far, and it refuses results out of order or for another range. If the parameters are
  // invalid, every Add() returns the validation error.
  std::unique_ptr<Aggregator> NewAggregator(const Params& params, uint64_t units) const override;
};

namespace primes {

// Numbers [lo, hi).
struct UnitRange {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const UnitRange&) const = default;
};

// The numbers of unit `index` when [from, to) is cut into `units` ranges whose sizes differ by
// at most one: [from + (to - from) * index / units, from + (to - from) * (index + 1) / units).
// REQUIRES: from < to, 0 < units <= to - from, index < units.
UnitRange UnitRangeOf(uint64_t from, uint64_t to, uint64_t units, uint64_t index);

}  // namespace primes
}  // namespace potluck

// The parameters of the "primes" workload and how a project's range is cut into units.
#pragma once

#include <cstdint>

#include "potluck/base/status.h"
#include "potluck/workload/workload.h"

namespace potluck::primes {

// Numbers [from, to) of a project, or [lo, hi) of a unit.
struct UnitRange {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const UnitRange&) const = default;
};

// "from" (default 0) and "to" (required), 0 <= from < to <= 2^64 - 1. A value is a decimal
// integer, an exact integer written as "1e9", "2.5e9" or "10^9", or the sum or difference of
// two of these: "2^64-1", "10^12+10^7". Errors name the parameter at fault.
Result<UnitRange> ParseRange(const Params& params);

// ParseRange, and 1 <= units <= to - from.
Result<UnitRange> ParseRangeAndUnits(const Params& params, uint64_t units);

// The numbers of unit `index` when [from, to) is cut into `units` ranges whose sizes differ by
// at most one: [from + (to - from) * index / units, from + (to - from) * (index + 1) / units).
// REQUIRES: from < to, 0 < units <= to - from, index < units.
UnitRange UnitRangeOf(uint64_t from, uint64_t to, uint64_t units, uint64_t index);

}  // namespace potluck::primes

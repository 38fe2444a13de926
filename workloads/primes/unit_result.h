// A unit's result bytes, and the JSON that shows results to people.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "primes/params.h"
#include "primes/tally.h"

namespace potluck::primes {

// The result of one unit: what the search found in its range.
struct UnitResult {
  UnitRange range;
  Tally tally;
  bool operator==(const UnitResult&) const = default;
};

// kUnitResultBytes bytes: eight little-endian u64, in this order: lo, hi, primes, twins, first
// prime, last prime, largest gap's length, largest gap's start (see Tally; 0 for what is absent).
inline constexpr size_t kUnitResultBytes = 64;
Bytes EncodeUnitResult(const UnitResult& result);
// kCorrupt unless `bytes` are the encoding of a result that can be true: sizes, order and
// bounds of its fields (see PlausibleTally).
Result<UnitResult> DecodeUnitResult(const Bytes& bytes);

// {"length", "from", "to"}, or null when there is no gap.
nlohmann::json GapJson(const PrimeGap& gap);
// {"from", "to", "primes", "twins", "first_prime", "last_prime", "largest_gap"}; the primes are
// null when there is none.
nlohmann::json UnitResultJson(const UnitResult& result);

}  // namespace potluck::primes

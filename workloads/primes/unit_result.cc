#include "primes/unit_result.h"

#include <array>
#include <string>

#include "potluck/base/byte_io.h"

namespace potluck::primes {
namespace {

constexpr size_t kFields = kUnitResultBytes / 8;

std::string RangeText(uint64_t lo, uint64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
}

nlohmann::json PrimeOrNull(uint64_t p) {
  return p == 0 ? nlohmann::json(nullptr) : nlohmann::json(p);
}

}  // namespace

Bytes EncodeUnitResult(const UnitResult& result) {
  const Tally& t = result.tally;
  const std::array<uint64_t, kFields> fields = {
      result.range.lo, result.range.hi,      t.primes,           t.twins, t.first,
      t.last,          t.largest_gap.length, t.largest_gap.start};
  Bytes out;
  out.reserve(kUnitResultBytes);
  ByteWriter writer(out);
  for (const uint64_t field : fields) writer.U64(field);
  return out;
}

Result<UnitResult> DecodeUnitResult(const Bytes& bytes) {
  if (bytes.size() != kUnitResultBytes) {
    return Corrupt("primes result: " + std::to_string(bytes.size()) + " bytes, expected " +
                   std::to_string(kUnitResultBytes));
  }
  std::array<uint64_t, kFields> f{};
  ByteReader reader(bytes);
  for (uint64_t& field : f) field = reader.U64();
  const UnitResult result{{f[0], f[1]}, {f[2], f[3], f[4], f[5], {f[6], f[7]}}};
  if (result.range.lo >= result.range.hi) {
    return Corrupt("primes result: empty range " + RangeText(f[0], f[1]));
  }
  if (!PlausibleTally(result.tally, result.range.lo, result.range.hi)) {
    return Corrupt("primes result: impossible findings in " + RangeText(f[0], f[1]) + ": " +
                   std::to_string(f[2]) + " primes, " + std::to_string(f[3]) +
                   " twin pairs, first " + std::to_string(f[4]) + ", last " + std::to_string(f[5]) +
                   ", gap " + std::to_string(f[6]) + " after " + std::to_string(f[7]));
  }
  return result;
}

nlohmann::json GapJson(const PrimeGap& gap) {
  if (gap.length == 0) return nullptr;
  return {{"length", gap.length}, {"from", gap.start}, {"to", gap.start + gap.length}};
}

nlohmann::json UnitResultJson(const UnitResult& result) {
  const Tally& t = result.tally;
  return {{"from", result.range.lo},
          {"to", result.range.hi},
          {"primes", t.primes},
          {"twins", t.twins},
          {"first_prime", PrimeOrNull(t.first)},
          {"last_prime", PrimeOrNull(t.last)},
          {"largest_gap", GapJson(t.largest_gap)}};
}

}  // namespace potluck::primes

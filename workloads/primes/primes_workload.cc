#include "primes/primes_workload.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "primes/sieve.h"

namespace potluck {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr std::string_view kFrom = "from";
constexpr std::string_view kTo = "to";
constexpr std::string_view kTakes = "(primes takes: from, to)";
constexpr size_t kResultBytes = 24;
// Exponents beyond this overflow 2^64 for any base above 1.
constexpr uint64_t kExponentMax = 63;
// Error messages quote at most this much of a parameter's text.
constexpr size_t kQuotedCharsMax = 64;

struct Range {
  uint64_t from = 0;
  uint64_t to = 0;
};

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The decimal number `text`, or nullopt if it is not all digits or exceeds 2^64 - 1.
std::optional<uint64_t> ParseDigits(std::string_view text) {
  uint64_t value = 0;
  if (!AllDigits(text)) return {};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return {};
  return value;
}

// base^exponent, or nullopt if it exceeds 2^64 - 1.
std::optional<uint64_t> Power(uint64_t base, uint64_t exponent) {
  if (base <= 1) return exponent == 0 ? 1 : base;
  if (exponent > kExponentMax) return {};
  uint64_t value = 1;
  for (uint64_t i = 0; i < exponent; ++i) {
    if (__builtin_mul_overflow(value, base, &value)) return {};
  }
  return value;
}

// What a parameter's text stands for.
struct Parsed {
  enum class Kind { kValue, kNotANumber, kNotExact, kTooLarge };
  Kind kind = Kind::kNotANumber;
  uint64_t value = 0;
};
constexpr Parsed kNotANumber{Parsed::Kind::kNotANumber, 0};
constexpr Parsed kNotExact{Parsed::Kind::kNotExact, 0};
constexpr Parsed kTooLarge{Parsed::Kind::kTooLarge, 0};

Parsed OrTooLarge(std::optional<uint64_t> value) {
  return value ? Parsed{Parsed::Kind::kValue, *value} : kTooLarge;
}

// "10^9": base and exponent in decimal.
Parsed ParsePower(std::string_view base_text, std::string_view exponent_text) {
  if (!AllDigits(base_text) || !AllDigits(exponent_text)) return kNotANumber;
  const auto base = ParseDigits(base_text), exponent = ParseDigits(exponent_text);
  if (!base || !exponent) return kTooLarge;
  return OrTooLarge(Power(*base, *exponent));
}

// "2.5e9": a decimal mantissa with an optional fraction, and a non-negative exponent.
Parsed ParseScientific(std::string_view mantissa, std::string_view exponent_text) {
  if (exponent_text.starts_with('+')) exponent_text.remove_prefix(1);
  const size_t dot = mantissa.find('.');
  const std::string_view whole = mantissa.substr(0, dot);
  std::string_view fraction = dot == mantissa.npos ? "" : mantissa.substr(dot + 1);
  if (!AllDigits(whole) || (dot != mantissa.npos && !AllDigits(fraction)) ||
      !AllDigits(exponent_text)) {
    return kNotANumber;
  }
  while (fraction.ends_with('0')) fraction.remove_suffix(1);
  // whole.fraction * 10^exponent = (the digits of whole and fraction) * 10^(exponent - |fraction|),
  // an integer iff exponent >= |fraction| since the fraction now ends in a nonzero digit.
  const auto exponent = ParseDigits(exponent_text);
  if (exponent && *exponent < fraction.size()) return kNotExact;
  const auto significand = ParseDigits(std::string(whole) + std::string(fraction));
  if (significand == 0) return {Parsed::Kind::kValue, 0};
  if (!significand || !exponent) return kTooLarge;
  const auto scale = Power(10, *exponent - fraction.size());
  uint64_t value = 0;
  if (!scale || __builtin_mul_overflow(*significand, *scale, &value)) return kTooLarge;
  return {Parsed::Kind::kValue, value};
}

// A value of parameter `name`: "123", "1e9", "2.5E9", "1e+9" or "10^9", an exact integer of
// at most kRangeMax.
Result<uint64_t> ParseValue(std::string_view name, std::string_view text) {
  Parsed parsed;
  if (const size_t caret = text.find('^'); caret != text.npos) {
    parsed = ParsePower(text.substr(0, caret), text.substr(caret + 1));
  } else if (const size_t e = text.find_first_of("eE"); e != text.npos) {
    parsed = ParseScientific(text.substr(0, e), text.substr(e + 1));
  } else {
    parsed = AllDigits(text) ? OrTooLarge(ParseDigits(text)) : kNotANumber;
  }
  const auto fail = [&](std::string_view why) {
    const std::string quoted(text.substr(0, kQuotedCharsMax));
    return InvalidArgument("parameter '" + std::string(name) + "': " + std::string(why) + ": '" +
                           quoted + (text.size() > kQuotedCharsMax ? "...'" : "'"));
  };
  switch (parsed.kind) {
    case Parsed::Kind::kNotANumber:
      return fail("not a number");
    case Parsed::Kind::kNotExact:
      return fail("not an integer");
    case Parsed::Kind::kTooLarge:
      return fail("above 2^63");
    case Parsed::Kind::kValue:
      break;
  }
  if (parsed.value > primes::kRangeMax) return fail("above 2^63");
  return parsed.value;
}

Result<Range> ParseRange(const Params& params) {
  for (const auto& [key, value] : params) {
    if (key != kFrom && key != kTo) {
      return InvalidArgument("unknown parameter '" + key + "' " + std::string(kTakes));
    }
  }
  Range range;
  if (const auto it = params.find(std::string(kFrom)); it != params.end()) {
    const Result<uint64_t> from = ParseValue(kFrom, it->second);
    if (!from.ok()) return from.status();
    range.from = *from;
  }
  const auto it = params.find(std::string(kTo));
  if (it == params.end()) {
    return InvalidArgument("parameter 'to' is required " + std::string(kTakes));
  }
  const Result<uint64_t> to = ParseValue(kTo, it->second);
  if (!to.ok()) return to.status();
  range.to = *to;
  if (range.from >= range.to) {
    return InvalidArgument("parameter 'from' (" + std::to_string(range.from) +
                           ") must be below 'to' (" + std::to_string(range.to) + ")");
  }
  return range;
}

Result<Range> ParseRangeAndUnits(const Params& params, uint64_t units) {
  Result<Range> range = ParseRange(params);
  if (!range.ok()) return range;
  if (units == 0) return InvalidArgument("units: must be at least 1");
  const uint64_t numbers = range->to - range->from;
  if (units > numbers) {
    return InvalidArgument("units: " + std::to_string(units) + " units but only " +
                           std::to_string(numbers) + " numbers in [" + std::to_string(range->from) +
                           ", " + std::to_string(range->to) + ")");
  }
  return range;
}

// A unit's result; see the encoding in primes_workload.h.
struct UnitResult {
  uint64_t lo = 0;
  uint64_t hi = 0;
  uint64_t primes = 0;
};

Bytes Encode(const UnitResult& result) {
  Bytes out;
  out.reserve(kResultBytes);
  for (const uint64_t field : {result.lo, result.hi, result.primes}) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(field >> (8 * i)));
  }
  return out;
}

Result<UnitResult> Decode(const Bytes& bytes) {
  if (bytes.size() != kResultBytes) {
    return Corrupt("primes result: " + std::to_string(bytes.size()) + " bytes, expected " +
                   std::to_string(kResultBytes));
  }
  uint64_t fields[3] = {};
  for (size_t f = 0; f < 3; ++f) {
    for (size_t i = 0; i < 8; ++i) fields[f] |= uint64_t{bytes[8 * f + i]} << (8 * i);
  }
  const UnitResult result{fields[0], fields[1], fields[2]};
  if (result.lo >= result.hi || result.hi > primes::kRangeMax ||
      result.primes > result.hi - result.lo) {
    return Corrupt("primes result: impossible count " + std::to_string(result.primes) + " in [" +
                   std::to_string(result.lo) + ", " + std::to_string(result.hi) + ")");
  }
  return result;
}

std::string RangeText(uint64_t lo, uint64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
}

class PrimesAggregator final : public Aggregator {
 public:
  PrimesAggregator(Result<Range> range, uint64_t units) : range_(std::move(range)), units_(units) {}

  Status Add(uint64_t index, const Bytes& bytes) override {
    if (!range_.ok()) return range_.status();
    if (index >= units_) {
      return InvalidArgument("unit " + std::to_string(index) + " of only " +
                             std::to_string(units_) + " units");
    }
    // Units not verified yet are skipped, so indexes may jump, but never go back.
    if (added_ > 0 && index <= last_index_) {
      return InvalidArgument("unit " + std::to_string(index) + " added out of order, after unit " +
                             std::to_string(last_index_));
    }
    const Result<UnitResult> result = Decode(bytes);
    if (!result.ok()) return result.status();
    const primes::UnitRange expected = primes::UnitRangeOf(range_->from, range_->to, units_, index);
    if (result->lo != expected.lo || result->hi != expected.hi) {
      return Corrupt("unit " + std::to_string(index) + " covers " +
                     RangeText(result->lo, result->hi) + " but should cover " +
                     RangeText(expected.lo, expected.hi));
    }
    primes_ += result->primes;
    last_index_ = index;
    ++added_;
    return Status::Ok();
  }

  nlohmann::json Finish() const override {
    return {{"from", range_.ok() ? range_->from : 0},
            {"to", range_.ok() ? range_->to : 0},
            {"primes", primes_},
            {"units", added_}};
  }

  std::string Summary() const override {
    if (!range_.ok()) return "primes: " + range_.status().message();
    std::string line = std::to_string(primes_) + " primes in " + RangeText(range_->from, range_->to);
    if (added_ != units_) {
      line += " (counted in " + std::to_string(added_) + " of " + std::to_string(units_) + " units)";
    }
    return line;
  }

 private:
  const Result<Range> range_;
  const uint64_t units_;
  uint64_t added_ = 0;
  uint64_t primes_ = 0;
  uint64_t last_index_ = 0;
};

}  // namespace

std::vector<std::string> PrimesWorkload::ParamHelp() const {
  return {
      "from: first number of the range (default 0); decimal, or exact forms like 1e9, 10^9",
      "to: end of the range, not included (required); at most 2^63",
  };
}

Status PrimesWorkload::Validate(const Params& params, uint64_t units) const {
  const Result<Range> range = ParseRangeAndUnits(params, units);
  return range.ok() ? Status::Ok() : range.status();
}

Result<Bytes> PrimesWorkload::Run(const Params& params, uint64_t units, uint64_t index,
                                  KernelContext& context) const {
  const Result<Range> range = ParseRangeAndUnits(params, units);
  if (!range.ok()) return range.status();
  if (index >= units) {
    return InvalidArgument("unit " + std::to_string(index) + " of only " + std::to_string(units) +
                           " units");
  }
  const primes::UnitRange unit = primes::UnitRangeOf(range->from, range->to, units, index);
  const primes::SieveHooks hooks{[&context] { return context.Cancelled(); },
                                 [&context](double fraction) { context.Progress(fraction); }};
  const Result<uint64_t> count = primes::CountPrimes(unit.lo, unit.hi, hooks);
  if (!count.ok()) {
    if (count.status().code() == Code::kUnavailable) {
      return Unavailable("primes: unit " + std::to_string(index) + " cancelled");
    }
    return count.status();
  }
  return Encode({unit.lo, unit.hi, *count});
}

Result<nlohmann::json> PrimesWorkload::DescribeUnit(const Bytes& result) const {
  const Result<UnitResult> unit = Decode(result);
  if (!unit.ok()) return unit.status();
  return nlohmann::json{{"from", unit->lo}, {"to", unit->hi}, {"primes", unit->primes}};
}

std::unique_ptr<Aggregator> PrimesWorkload::NewAggregator(const Params& params,
                                                          uint64_t units) const {
  return std::make_unique<PrimesAggregator>(ParseRangeAndUnits(params, units), units);
}

namespace primes {

UnitRange UnitRangeOf(uint64_t from, uint64_t to, uint64_t units, uint64_t index) {
  POTLUCK_CHECK(from < to && units > 0 && units <= to - from && index < units);
  const u128 numbers = to - from;
  return {from + static_cast<uint64_t>(numbers * index / units),
          from + static_cast<uint64_t>(numbers * (index + 1) / units)};
}

}  // namespace primes
}  // namespace potluck

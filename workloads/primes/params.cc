#include "primes/params.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "potluck/base/quoted.h"

namespace potluck::primes {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr std::string_view kFrom = "from";
constexpr std::string_view kTo = "to";
constexpr std::string_view kTakes = "(primes takes: from, to)";
// Terms are computed up to 2^64, so that "2^64-1" can be written; anything larger is refused.
constexpr u128 kTermMax = u128{1} << 64;
// Error messages quote at most this much of a parameter's text.
constexpr size_t kQuotedCharsMax = 64;

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// What a parameter's text, or a term of it, stands for.
struct Parsed {
  enum class Kind { kValue, kNotANumber, kNotExact, kTooLarge, kNegative };
  Kind kind = Kind::kNotANumber;
  u128 value = 0;
};
constexpr Parsed kNotANumber{Parsed::Kind::kNotANumber, 0};
constexpr Parsed kNotExact{Parsed::Kind::kNotExact, 0};
constexpr Parsed kTooLarge{Parsed::Kind::kTooLarge, 0};

Parsed Value(u128 value) {
  return value > kTermMax ? kTooLarge : Parsed{Parsed::Kind::kValue, value};
}

// The decimal number `text` (all digits), or kTooLarge above kTermMax.
Parsed ParseDigits(std::string_view text) {
  u128 value = 0;
  for (const char c : text) {
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > kTermMax) return kTooLarge;
  }
  return Value(value);
}

// base^exponent, or kTooLarge above kTermMax.
Parsed Power(u128 base, u128 exponent) {
  if (base <= 1) return Value(exponent == 0 ? 1 : base);
  u128 value = 1;
  for (u128 i = 0; i < exponent; ++i) {
    value *= base;
    if (value > kTermMax) return kTooLarge;
  }
  return Value(value);
}

// "10^9": base and exponent in decimal.
Parsed ParsePower(std::string_view base_text, std::string_view exponent_text) {
  if (!AllDigits(base_text) || !AllDigits(exponent_text)) return kNotANumber;
  const Parsed base = ParseDigits(base_text), exponent = ParseDigits(exponent_text);
  if (base.kind != Parsed::Kind::kValue) return base;
  if (exponent.kind != Parsed::Kind::kValue) return base.value <= 1 ? Value(base.value) : kTooLarge;
  return Power(base.value, exponent.value);
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
  const Parsed exponent = ParseDigits(exponent_text);
  if (exponent.kind == Parsed::Kind::kValue && exponent.value < fraction.size()) return kNotExact;
  const Parsed significand = ParseDigits(std::string(whole) + std::string(fraction));
  if (significand.kind == Parsed::Kind::kValue && significand.value == 0) return Value(0);
  if (significand.kind != Parsed::Kind::kValue || exponent.kind != Parsed::Kind::kValue) {
    return kTooLarge;
  }
  const Parsed scale = Power(10, exponent.value - fraction.size());
  if (scale.kind != Parsed::Kind::kValue || significand.value > kTermMax / scale.value) {
    return kTooLarge;
  }
  return Value(significand.value * scale.value);
}

// "123", "1e9", "2.5E9", "1e+9" or "10^9".
Parsed ParseTerm(std::string_view text) {
  if (const size_t caret = text.find('^'); caret != text.npos) {
    return ParsePower(text.substr(0, caret), text.substr(caret + 1));
  }
  if (const size_t e = text.find_first_of("eE"); e != text.npos) {
    return ParseScientific(text.substr(0, e), text.substr(e + 1));
  }
  return AllDigits(text) ? ParseDigits(text) : kNotANumber;
}

// A term, or two joined by '+' or '-' (a sign right after an 'e' belongs to the exponent).
Parsed ParseExpression(std::string_view text) {
  for (size_t i = 1; i < text.size(); ++i) {
    if ((text[i] != '+' && text[i] != '-') || text[i - 1] == 'e' || text[i - 1] == 'E') continue;
    const Parsed left = ParseTerm(text.substr(0, i)), right = ParseTerm(text.substr(i + 1));
    if (left.kind != Parsed::Kind::kValue) return left;
    if (right.kind != Parsed::Kind::kValue) return right;
    if (text[i] == '+') return Value(left.value + right.value);
    if (left.value < right.value) return {Parsed::Kind::kNegative, 0};
    return Value(left.value - right.value);
  }
  return ParseTerm(text);
}

Result<uint64_t> ParseValue(std::string_view name, std::string_view text) {
  const Parsed parsed = ParseExpression(text);
  const auto fail = [&](std::string_view why) {
    return InvalidArgument("parameter '" + std::string(name) + "': " + std::string(why) + ": " +
                           Quoted(text, kQuotedCharsMax));
  };
  switch (parsed.kind) {
    case Parsed::Kind::kNotANumber:
      return fail("not a number");
    case Parsed::Kind::kNotExact:
      return fail("not an integer");
    case Parsed::Kind::kTooLarge:
      return fail("above 2^64-1");
    case Parsed::Kind::kNegative:
      return fail("below 0");
    case Parsed::Kind::kValue:
      break;
  }
  if (parsed.value >= kTermMax) return fail("above 2^64-1");
  return static_cast<uint64_t>(parsed.value);
}

}  // namespace

Result<UnitRange> ParseRange(const Params& params) {
  for (const auto& [key, value] : params) {
    if (key != kFrom && key != kTo) {
      return InvalidArgument("unknown parameter " + Quoted(key, kQuotedCharsMax) + " " + std::string(kTakes));
    }
  }
  UnitRange range;
  if (const auto it = params.find(std::string(kFrom)); it != params.end()) {
    const Result<uint64_t> from = ParseValue(kFrom, it->second);
    if (!from.ok()) return from.status();
    range.lo = *from;
  }
  const auto it = params.find(std::string(kTo));
  if (it == params.end()) {
    return InvalidArgument("parameter 'to' is required " + std::string(kTakes));
  }
  const Result<uint64_t> to = ParseValue(kTo, it->second);
  if (!to.ok()) return to.status();
  range.hi = *to;
  if (range.lo >= range.hi) {
    return InvalidArgument("parameter 'from' (" + std::to_string(range.lo) +
                           ") must be below 'to' (" + std::to_string(range.hi) + ")");
  }
  return range;
}

Result<UnitRange> ParseRangeAndUnits(const Params& params, uint64_t units) {
  Result<UnitRange> range = ParseRange(params);
  if (!range.ok()) return range;
  if (units == 0) return InvalidArgument("units: must be at least 1");
  const uint64_t numbers = range->hi - range->lo;
  if (units > numbers) {
    return InvalidArgument("units: " + std::to_string(units) + " units but only " +
                           std::to_string(numbers) + " numbers in [" + std::to_string(range->lo) +
                           ", " + std::to_string(range->hi) + ")");
  }
  return range;
}

UnitRange UnitRangeOf(uint64_t from, uint64_t to, uint64_t units, uint64_t index) {
  POTLUCK_CHECK(from < to && units > 0 && units <= to - from && index < units);
  const u128 numbers = to - from;
  return {from + static_cast<uint64_t>(numbers * index / units),
          from + static_cast<uint64_t>(numbers * (index + 1) / units)};
}

}  // namespace potluck::primes

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include "primes/primes_workload.h"
#include "primes/sieve.h"

namespace potluck {
namespace {

__extension__ typedef unsigned __int128 u128;

using primes::CountPrimes;
using primes::kRangeMax;
using primes::kSegmentSpan;
using primes::UnitRange;
using primes::UnitRangeOf;

uint64_t Count(uint64_t lo, uint64_t hi) {
  const Result<uint64_t> count = CountPrimes(lo, hi);
  EXPECT_TRUE(count.ok()) << "[" << lo << ", " << hi << "): " << count.status().message();
  return count.ok() ? *count : ~uint64_t{0};
}

bool IsPrimeByTrialDivision(uint64_t n) {
  if (n < 2) return false;
  for (uint64_t d = 2; d * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

uint64_t MulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<u128>(a) * b % m);
}

uint64_t PowMod(uint64_t base, uint64_t exponent, uint64_t m) {
  uint64_t result = 1;
  for (base %= m; exponent > 0; exponent /= 2, base = MulMod(base, base, m)) {
    if (exponent % 2 == 1) result = MulMod(result, base, m);
  }
  return result;
}

// Miller-Rabin with the first twelve primes as bases, which is exact for every n < 2^64.
bool IsPrimeByMillerRabin(uint64_t n) {
  constexpr uint64_t kBases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2) return false;
  for (const uint64_t p : kBases) {
    if (n % p == 0) return n == p;
  }
  uint64_t d = n - 1;
  int twos = 0;
  for (; d % 2 == 0; d /= 2) ++twos;
  for (const uint64_t a : kBases) {
    uint64_t x = PowMod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int i = 1; i < twos && composite; ++i) {
      x = MulMod(x, x, n);
      composite = x != n - 1;
    }
    if (composite) return false;
  }
  return true;
}

// A worker's context that asks the kernel to stop once it has asked `checks_before_cancel`
// times, and records the largest progress reported.
class FakeContext final : public KernelContext {
 public:
  explicit FakeContext(uint64_t checks_before_cancel = ~uint64_t{0})
      : checks_before_cancel_(checks_before_cancel) {}
  bool Cancelled() const override { return checks_.fetch_add(1) >= checks_before_cancel_; }
  void Progress(double fraction) override {
    EXPECT_GE(fraction, 0.0);
    EXPECT_LE(fraction, 1.0);
    double seen = progress_max_.load();
    while (fraction > seen && !progress_max_.compare_exchange_weak(seen, fraction)) {
    }
  }
  double progress_max() const { return progress_max_.load(); }

 private:
  const uint64_t checks_before_cancel_;
  mutable std::atomic<uint64_t> checks_{0};
  std::atomic<double> progress_max_{0.0};
};

TEST(CountPrimesTest, MatchesKnownValuesOfPi) {
  EXPECT_EQ(Count(0, 1), 0u);
  EXPECT_EQ(Count(0, 2), 0u);
  EXPECT_EQ(Count(0, 3), 1u);
  EXPECT_EQ(Count(0, 10), 4u);
  EXPECT_EQ(Count(0, 100), 25u);
  EXPECT_EQ(Count(0, 1'000'000), 78'498u);
  EXPECT_EQ(Count(0, 10'000'000), 664'579u);
  EXPECT_EQ(Count(0, 100'000'000), 5'761'455u);
  EXPECT_EQ(Count(0, 1'000'000'000), 50'847'534u);
}

TEST(CountPrimesTest, EveryTinyRangeMatchesTrialDivision) {
  // Covers the primes counted without sieving (up to 97) and the first sieved ones.
  constexpr uint64_t kEnd = 130;
  for (uint64_t lo = 0; lo < kEnd; ++lo) {
    uint64_t expected = 0;
    for (uint64_t hi = lo + 1; hi <= kEnd; ++hi) {
      expected += IsPrimeByTrialDivision(hi - 1) ? 1 : 0;
      ASSERT_EQ(Count(lo, hi), expected) << "[" << lo << ", " << hi << ")";
    }
  }
}

TEST(CountPrimesTest, RandomSmallRangesMatchTrialDivision) {
  constexpr uint64_t kEnd = 200'000;
  std::vector<uint32_t> pi(kEnd + 1, 0);  // pi[n] = primes below n
  for (uint64_t n = 1; n <= kEnd; ++n) pi[n] = pi[n - 1] + (IsPrimeByTrialDivision(n - 1) ? 1 : 0);

  const uint32_t seed = 20240611;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t lo = i < 3 ? i : random() % kEnd;
    const uint64_t length = i % 4 == 0 ? 1 : 1 + random() % (i % 4 == 1 ? 64 : kEnd / 4);
    const uint64_t hi = std::min(kEnd, lo + length);
    if (lo >= hi) continue;
    ASSERT_EQ(Count(lo, hi), pi[hi] - pi[lo]) << "[" << lo << ", " << hi << ")";
  }
}

TEST(CountPrimesTest, RangesAcrossSegmentBoundariesMatchAPlainSieve) {
  const uint64_t end = 3 * kSegmentSpan + 4096;
  std::vector<uint8_t> prime(end, 1);
  prime[0] = prime[1] = 0;
  for (uint64_t p = 2; p * p < end; ++p) {
    if (!prime[p]) continue;
    for (uint64_t m = p * p; m < end; m += p) prime[m] = 0;
  }
  const auto expected = [&](uint64_t lo, uint64_t hi) {
    return static_cast<uint64_t>(std::count(prime.begin() + lo, prime.begin() + hi, 1));
  };
  // Segments start at lo rounded down to a multiple of 16; vary lo's remainder and the end's
  // distance from a segment boundary.
  for (const uint64_t lo : {0u, 1u, 2u, 17u, 100u, 101u, 4099u, 65'535u, 1'000'003u}) {
    for (const uint64_t segments : {1u, 2u}) {
      const uint64_t boundary = lo / 16 * 16 + segments * kSegmentSpan;
      for (const int64_t delta : {-3, -2, -1, 0, 1, 2, 17, 1000}) {
        const uint64_t hi = boundary + delta;
        EXPECT_EQ(Count(lo, hi), expected(lo, hi)) << "[" << lo << ", " << hi << ")";
      }
    }
  }
}

TEST(CountPrimesTest, CountsOfAdjacentRangesAddUp) {
  const uint32_t seed = 7;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  for (const uint64_t lo : {uint64_t{0}, uint64_t{1'000'000'000'000}, uint64_t{1} << 50}) {
    const uint64_t hi = lo + 3 * kSegmentSpan + random() % kSegmentSpan;
    const uint64_t middle = lo + random() % (hi - lo);
    EXPECT_EQ(Count(lo, middle) + Count(middle, hi), Count(lo, hi))
        << "[" << lo << ", " << middle << ", " << hi << ")";
  }
}

// Expected counts far from zero are primesieve's.
TEST(CountPrimesTest, MatchesKnownCountAboveATrillion) {
  EXPECT_EQ(Count(1'000'000'000'000, 1'000'010'000'000), 361'726u);
}

TEST(CountPrimesTest, MatchesKnownCountAboveAQuadrillion) {
  // The sieving primes up to 3.2e7 come from the segmented sieve rather than a plain one.
  EXPECT_EQ(Count(1'000'000'000'000'000, 1'000'000'010'000'000), 289'394u);
}

TEST(CountPrimesTest, MatchesKnownCountAcrossSeveralLeavesNearTwoTo62) {
  // Sieving primes above 2^25 are handled per leaf of 16 segments; this spans two leaves.
  const uint64_t lo = uint64_t{1} << 62;
  EXPECT_EQ(Count(lo, lo + 17 * kSegmentSpan + 12'345), 1'660'214u);
}

TEST(CountPrimesTest, RangeJustBelowTwoTo63MatchesMillerRabin) {
  const uint64_t lo = kRangeMax - 1000;
  uint64_t expected = 0;
  for (uint64_t n = lo; n < kRangeMax; ++n) expected += IsPrimeByMillerRabin(n) ? 1 : 0;
  EXPECT_EQ(expected, 23u);  // as primesieve counts them
  EXPECT_EQ(Count(lo, kRangeMax), expected);
}

TEST(CountPrimesTest, SameCountInArenasOfOneTwoAndFourThreads) {
  const uint64_t lo = 10'000'000'000, hi = 10'200'000'000;
  for (const int threads : {1, 2, 4}) {
    tbb::task_arena arena(threads);
    Result<uint64_t> count = Unavailable("not run");
    arena.execute([&] { count = CountPrimes(lo, hi); });
    ASSERT_TRUE(count.ok()) << count.status().message();
    EXPECT_EQ(*count, 8'681'115u) << threads << " threads";
  }
}

TEST(CountPrimesTest, RejectsEmptyAndOversizedRanges) {
  EXPECT_EQ(CountPrimes(5, 5).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(CountPrimes(6, 5).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(CountPrimes(0, kRangeMax + 1).status().code(), Code::kInvalidArgument);
}

TEST(CountPrimesTest, CancelledCountReturnsUnavailable) {
  const primes::SieveHooks cancelled{[] { return true; }, {}};
  EXPECT_EQ(CountPrimes(0, 1'000'000'000, cancelled).status().code(), Code::kUnavailable);
  // Near 2^63 most of the work is finding the 146 million sieving primes.
  EXPECT_EQ(CountPrimes(kRangeMax - 1000, kRangeMax, cancelled).status().code(),
            Code::kUnavailable);
}

TEST(CountPrimesTest, CancellationStopsWithinAFewSegments) {
  FakeContext context(/*checks_before_cancel=*/8);
  const primes::SieveHooks hooks{[&] { return context.Cancelled(); },
                                 [&](double fraction) { context.Progress(fraction); }};
  // 24,000 segments; stopping within a segment per thread leaves nearly all of them undone.
  EXPECT_EQ(CountPrimes(0, 100'000'000'000, hooks).status().code(), Code::kUnavailable);
  EXPECT_LT(context.progress_max(), 0.01);
}

TEST(CountPrimesTest, ReportsProgressUpToOne) {
  FakeContext context;
  const primes::SieveHooks hooks{[&] { return context.Cancelled(); },
                                 [&](double fraction) { context.Progress(fraction); }};
  ASSERT_TRUE(CountPrimes(0, 100'000'000, hooks).ok());
  EXPECT_EQ(context.progress_max(), 1.0);
}

// The error Validate gives, or "ok".
std::string ValidationError(const Params& params, uint64_t units = 1) {
  const Status status = PrimesWorkload().Validate(params, units);
  return status.ok() ? "ok" : status.message();
}

TEST(PrimesWorkloadTest, ErrorsNameTheParameter) {
  EXPECT_EQ(ValidationError({}), "parameter 'to' is required (primes takes: from, to)");
  EXPECT_EQ(ValidationError({{"to", "abc"}}), "parameter 'to': not a number: 'abc'");
  EXPECT_EQ(ValidationError({{"from", "x"}, {"to", "10"}}), "parameter 'from': not a number: 'x'");
  EXPECT_EQ(ValidationError({{"to", "1.5e0"}}), "parameter 'to': not an integer: '1.5e0'");
  EXPECT_EQ(ValidationError({{"to", "1e19"}}), "parameter 'to': above 2^63: '1e19'");
  EXPECT_EQ(ValidationError({{"to", "9223372036854775809"}}),
            "parameter 'to': above 2^63: '9223372036854775809'");
  EXPECT_EQ(ValidationError({{"to", "99999999999999999999999"}}),
            "parameter 'to': above 2^63: '99999999999999999999999'");
  EXPECT_EQ(ValidationError({{"from", "10"}, {"to", "5"}}),
            "parameter 'from' (10) must be below 'to' (5)");
  EXPECT_EQ(ValidationError({{"from", "5"}, {"to", "5"}}),
            "parameter 'from' (5) must be below 'to' (5)");
  EXPECT_EQ(ValidationError({{"foo", "1"}, {"to", "10"}}),
            "unknown parameter 'foo' (primes takes: from, to)");
  EXPECT_EQ(ValidationError({{"to", "10"}}, 0), "units: must be at least 1");
  EXPECT_EQ(ValidationError({{"to", "5"}}, 10), "units: 10 units but only 5 numbers in [0, 5)");
  EXPECT_EQ(ValidationError({{"to", std::string(1000, '7')}}),
            "parameter 'to': above 2^63: '" + std::string(64, '7') + "...'");
  for (const char* text : {"-5", " 5", "5 ", "", "1e-3", "e9", "1e", "^9", "2^", "1.e9", ".5e1",
                           "0x10", "1,000", "1e9.5", "+5"}) {
    EXPECT_EQ(ValidationError({{"to", text}}),
              "parameter 'to': not a number: '" + std::string(text) + "'");
  }
}

// The range of a one-unit run with these parameters, as its result describes it.
nlohmann::json RunOneUnit(const Params& params) {
  FakeContext context;
  const PrimesWorkload workload;
  const Result<Bytes> bytes = workload.Run(params, 1, 0, context);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok()) return {};
  const Result<nlohmann::json> json = workload.DescribeUnit(*bytes);
  EXPECT_TRUE(json.ok()) << json.status().message();
  return json.ok() ? *json : nlohmann::json{};
}

TEST(PrimesWorkloadTest, AcceptsExactScientificForms) {
  for (const char* text :
       {"1e9", "1E9", "1e+9", "10^9", "1000000000", "0.001e12", "1.000e9", "000001e9"}) {
    EXPECT_EQ(ValidationError({{"from", "999999990"}, {"to", text}}), "ok") << text;
  }
  for (const char* text : {"2^63", "9223372036854775808", "9.223372036854775808e18"}) {
    EXPECT_EQ(ValidationError({{"from", "1e9"}, {"to", text}}), "ok") << text;
  }
  EXPECT_EQ(RunOneUnit({{"from", "2.5e3"}, {"to", "10^4"}}),
            (nlohmann::json{{"from", 2500}, {"to", 10000}, {"primes", 862}}));
  EXPECT_EQ(RunOneUnit({{"to", "1e2"}}),
            (nlohmann::json{{"from", 0}, {"to", 100}, {"primes", 25}}));
}

TEST(PrimesWorkloadTest, UnitsTileTheRangeExactly) {
  struct Case {
    uint64_t from, to, units;
  };
  for (const Case c : {Case{0, 10, 3}, Case{0, 10, 10}, Case{7, 8, 1}, Case{0, kRangeMax, 7},
                       Case{5, kRangeMax, 1'000'000}, Case{kRangeMax - 17, kRangeMax, 17},
                       Case{1'000'000'000'000'000'000, 1'000'000'000'000'000'100, 33}}) {
    SCOPED_TRACE(std::to_string(c.from) + " " + std::to_string(c.to) + " " +
                 std::to_string(c.units));
    const uint64_t size_min = (c.to - c.from) / c.units;
    uint64_t next = c.from;
    for (uint64_t i = 0; i < c.units; ++i) {
      const UnitRange unit = UnitRangeOf(c.from, c.to, c.units, i);
      ASSERT_EQ(unit.lo, next);
      ASSERT_LT(unit.lo, unit.hi);
      ASSERT_TRUE(unit.hi - unit.lo == size_min || unit.hi - unit.lo == size_min + 1);
      next = unit.hi;
    }
    EXPECT_EQ(next, c.to);
  }
}

TEST(PrimesWorkloadTest, AggregatedUnitsEqualTheWholeCount) {
  const PrimesWorkload workload;
  const Params params{{"from", "1000"}, {"to", "3e7"}};
  constexpr uint64_t kUnits = 7;
  const std::unique_ptr<Aggregator> aggregator = workload.NewAggregator(params, kUnits);
  for (uint64_t i = 0; i < kUnits; ++i) {
    FakeContext context;
    const Result<Bytes> bytes = workload.Run(params, kUnits, i, context);
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    EXPECT_EQ(context.progress_max(), 1.0);
    const Result<nlohmann::json> unit = workload.DescribeUnit(*bytes);
    ASSERT_TRUE(unit.ok());
    const UnitRange range = UnitRangeOf(1000, 30'000'000, kUnits, i);
    EXPECT_EQ((*unit)["from"], range.lo);
    EXPECT_EQ((*unit)["to"], range.hi);
    ASSERT_TRUE(aggregator->Add(i, *bytes).ok());
  }
  const uint64_t whole = Count(1000, 30'000'000);
  EXPECT_EQ(
      aggregator->Finish(),
      (nlohmann::json{{"from", 1000}, {"to", 30'000'000}, {"primes", whole}, {"units", kUnits}}));
  EXPECT_EQ(aggregator->Summary(), std::to_string(whole) + " primes in [1000, 30000000)");
}

TEST(PrimesWorkloadTest, SummaryOfPiOfABillion) {
  const PrimesWorkload workload;
  const Params params{{"to", "1e9"}};
  const std::unique_ptr<Aggregator> aggregator = workload.NewAggregator(params, 2);
  for (uint64_t i = 0; i < 2; ++i) {
    FakeContext context;
    const Result<Bytes> bytes = workload.Run(params, 2, i, context);
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(aggregator->Add(i, *bytes).ok());
  }
  EXPECT_EQ(aggregator->Summary(), "50847534 primes in [0, 1000000000)");
}

TEST(PrimesWorkloadTest, AggregatorRefusesUnitsOutOfOrderOrForAnotherRange) {
  const PrimesWorkload workload;
  const Params params{{"to", "1000"}};
  FakeContext context;
  const Result<Bytes> unit0 = workload.Run(params, 4, 0, context);
  const Result<Bytes> unit2 = workload.Run(params, 4, 2, context);
  ASSERT_TRUE(unit0.ok() && unit2.ok());

  const std::unique_ptr<Aggregator> aggregator = workload.NewAggregator(params, 4);
  EXPECT_EQ(aggregator->Add(0, *unit2).code(), Code::kCorrupt);
  EXPECT_EQ(aggregator->Add(0, Bytes(23)).code(), Code::kCorrupt);
  ASSERT_TRUE(aggregator->Add(0, *unit0).ok());
  EXPECT_EQ(aggregator->Add(0, *unit0).code(), Code::kInvalidArgument);
  EXPECT_EQ(aggregator->Add(4, *unit0).code(), Code::kInvalidArgument);
  // Unit 1 is not verified yet: a partial result skips it.
  ASSERT_TRUE(aggregator->Add(2, *unit2).ok());
  EXPECT_EQ(aggregator->Add(1, *unit0).code(), Code::kInvalidArgument);
  // 53 primes below 250 and 37 in [500, 750).
  EXPECT_EQ(aggregator->Summary(), "90 primes in [0, 1000) (counted in 2 of 4 units)");
  EXPECT_EQ(aggregator->Finish()["units"], 2);

  const std::unique_ptr<Aggregator> invalid = workload.NewAggregator({{"to", "x"}}, 4);
  EXPECT_EQ(invalid->Add(0, *unit0).code(), Code::kInvalidArgument);
  EXPECT_EQ(invalid->Summary(), "primes: parameter 'to': not a number: 'x'");
}

TEST(PrimesWorkloadTest, DescribeUnitRejectsWrongBytes) {
  const PrimesWorkload workload;
  FakeContext context;
  const Result<Bytes> bytes = workload.Run({{"to", "100"}}, 1, 0, context);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 24u);
  // Little-endian lo = 0, hi = 100, count = 25.
  EXPECT_EQ(ToHex(*bytes),
            "0000000000000000"
            "6400000000000000"
            "1900000000000000");
  Bytes longer = *bytes;
  longer.push_back(0);
  EXPECT_EQ(workload.DescribeUnit(longer).status().code(), Code::kCorrupt);
  EXPECT_EQ(workload.DescribeUnit(Bytes(bytes->begin(), bytes->end() - 1)).status().code(),
            Code::kCorrupt);
  EXPECT_EQ(workload.DescribeUnit(Bytes(24, 0)).status().code(), Code::kCorrupt);  // lo == hi
  Bytes too_many = *bytes;
  too_many[16] = 101;  // 101 primes among 100 numbers
  EXPECT_EQ(workload.DescribeUnit(too_many).status().code(), Code::kCorrupt);
}

TEST(PrimesWorkloadTest, RunGivesTheSameBytesInEveryArena) {
  const PrimesWorkload workload;
  const Params params{{"from", "1e12"}, {"to", "1.1e12"}};
  std::vector<Bytes> results;
  for (const int threads : {1, 2, 4}) {
    tbb::task_arena arena(threads);
    FakeContext context;
    Result<Bytes> bytes = Unavailable("not run");
    arena.execute([&] { bytes = workload.Run(params, 1000, 999, context); });
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    results.push_back(*bytes);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

TEST(PrimesWorkloadTest, RunMapsCancellationToUnavailable) {
  const PrimesWorkload workload;
  FakeContext context(/*checks_before_cancel=*/0);
  const Result<Bytes> bytes = workload.Run({{"to", "1e10"}}, 1, 0, context);
  EXPECT_EQ(bytes.status().code(), Code::kUnavailable);
  EXPECT_EQ(workload.Run({{"to", "1e10"}}, 2, 2, context).status().code(), Code::kInvalidArgument);
}

TEST(PrimesWorkloadTest, NameVersionAndHelp) {
  const PrimesWorkload workload;
  EXPECT_EQ(workload.Name(), "primes");
  EXPECT_EQ(workload.Version(), 1u);
  ASSERT_EQ(workload.ParamHelp().size(), 2u);
  EXPECT_TRUE(workload.ParamHelp()[0].starts_with("from: "));
  EXPECT_TRUE(workload.ParamHelp()[1].starts_with("to: "));
}

}  // namespace
}  // namespace potluck

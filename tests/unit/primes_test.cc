#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "primes/layout.h"
#include "primes/params.h"
#include "primes/presieve.h"
#include "primes/primes_workload.h"
#include "primes/search.h"
#include "primes/tally.h"
#include "primes/unit_result.h"

namespace potluck {
namespace {

__extension__ typedef unsigned __int128 u128;

using primes::kSegmentSpan;
using primes::PrimeGap;
using primes::SearchState;
using primes::Tally;
using primes::UnitRange;
using primes::UnitRangeOf;

constexpr uint64_t kTwoTo64Minus1 = ~uint64_t{0};

Tally Search(uint64_t lo, uint64_t hi) {
  const Result<Tally> tally = primes::Search(lo, hi);
  EXPECT_TRUE(tally.ok()) << "[" << lo << ", " << hi << "): " << tally.status().message();
  return tally.ok() ? *tally : Tally{~uint64_t{0}};
}

uint64_t MulMod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(u128{a} * b % m);
}

uint64_t PowMod(uint64_t base, uint64_t exponent, uint64_t m) {
  uint64_t result = 1;
  for (base %= m; exponent > 0; exponent /= 2, base = MulMod(base, base, m)) {
    if (exponent % 2 == 1) result = MulMod(result, base, m);
  }
  return result;
}

// Miller-Rabin with the first twelve primes as bases, which is exact for every n < 2^64.
bool IsPrime(uint64_t n) {
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

// The tally of the primes given in increasing order, the way the definitions in tally.h read.
Tally TallyOf(const std::vector<uint64_t>& primes) {
  Tally t;
  for (size_t i = 0; i < primes.size(); ++i) {
    ++t.primes;
    if (i == 0) continue;
    const uint64_t gap = primes[i] - primes[i - 1];
    if (gap == 2) ++t.twins;
    if (gap > t.largest_gap.length) t.largest_gap = {gap, primes[i - 1]};
  }
  if (!primes.empty()) t.first = primes.front(), t.last = primes.back();
  return t;
}

Tally TallyByMillerRabin(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> primes;
  for (uint64_t n = lo; n < hi; ++n) {
    if (IsPrime(n)) primes.push_back(n);
  }
  return TallyOf(primes);
}

// A worker's context: stops once it has been asked `checks_before_cancel` times, or once it
// has saved a checkpoint if `cancel_after_save`; says a checkpoint is due from the
// `due_from`-th question on; records progress, views and the checkpoint saved.
class FakeContext final : public KernelContext {
 public:
  uint64_t checks_before_cancel = ~uint64_t{0};
  uint64_t due_from = ~uint64_t{0};
  bool cancel_after_save = false;
  Bytes checkpoint;

  bool Cancelled() const override {
    return checks_.fetch_add(1) >= checks_before_cancel || (cancel_after_save && saves_ > 0);
  }
  void Progress(double fraction) override {
    EXPECT_GE(fraction, 0.0);
    EXPECT_LE(fraction, 1.0);
    double seen = progress_max_.load();
    while (fraction > seen && !progress_max_.compare_exchange_weak(seen, fraction)) {
    }
  }
  const Bytes& Checkpoint() const override { return checkpoint; }
  bool CheckpointDue() const override { return ++due_asked_ >= due_from; }
  void SaveCheckpoint(Bytes state) override {
    saved = std::move(state);
    ++saves_;
  }
  void ShowView(nlohmann::json view) override {
    const std::lock_guard<std::mutex> lock(mutex_);
    views.push_back(std::move(view));
  }
  double progress_max() const { return progress_max_.load(); }

  Bytes saved;
  std::vector<nlohmann::json> views;

 private:
  mutable std::atomic<uint64_t> checks_{0};
  mutable uint64_t due_asked_ = 0;
  std::atomic<uint64_t> saves_{0};
  std::atomic<double> progress_max_{0};
  std::mutex mutex_;
};

TEST(PreSieveTest, EachBitSaysWhetherItsNumberHasAFactorAmongTheSmallPrimes) {
  const primes::PreSievePatterns& patterns = primes::PreSievePatterns::Get();
  std::mt19937_64 rng(7);
  std::vector<uint8_t> out(primes::PreSievePatterns::kApplyBytesMax);
  for (int trial = 0; trial < 40; ++trial) {
    // Starts anywhere in the patterns' common period and far beyond; lengths up to the most.
    const uint64_t first_byte = trial == 0 ? 0 : rng() % (uint64_t{1} << (trial % 2 == 0 ? 24 : 56));
    const uint64_t n = trial < 2 ? out.size() : 8 * (1 + rng() % (out.size() / 8));
    patterns.Apply(first_byte, n, out.data());
    for (uint64_t b = 0; b < n; ++b) {
      for (size_t bit = 0; bit < 8; ++bit) {
        const u128 number = u128{primes::wheel::kSpan} * (first_byte + b) + primes::wheel::kResidues[bit];
        const bool coprime = std::none_of(primes::kPreSievedPrimes.begin(), primes::kPreSievedPrimes.end(),
                                          [&](uint64_t p) { return number % p == 0; });
        ASSERT_EQ((out[b] >> bit) & 1, coprime ? 1 : 0) << "byte " << first_byte + b << " bit " << bit;
      }
    }
  }
}

TEST(TallyTest, CombineCountsThePairAndGapAcrossTheBoundary) {
  const Tally a = TallyOf({3, 5, 7, 11});
  const Tally b = TallyOf({13, 17});
  EXPECT_EQ(primes::Combine(a, b), TallyOf({3, 5, 7, 11, 13, 17}));
  EXPECT_EQ(primes::Combine(a, Tally{}), a);
  EXPECT_EQ(primes::Combine(Tally{}, b), b);
  // The first of equally large gaps wins: 7 -> 11 over 13 -> 17.
  EXPECT_EQ(primes::Combine(a, b).largest_gap, (PrimeGap{4, 7}));
  // An unknown last prime (a range left out in between) counts nothing across.
  Tally unknown_end = a;
  unknown_end.last = 0;
  EXPECT_EQ(primes::Combine(unknown_end, b).twins, 2u);
}

TEST(SearchTest, MatchesKnownFiguresBelowPowersOfTen) {
  // Twin pair counts are primesieve's; the gaps are the maximal prime gaps (OEIS A002386).
  EXPECT_EQ(Search(0, 10), TallyOf({2, 3, 5, 7}));
  EXPECT_EQ(Search(0, 1'000'000), (Tally{78'498, 8'169, 2, 999'983, {114, 492'113}}));
  EXPECT_EQ(Search(0, 10'000'000), (Tally{664'579, 58'980, 2, 9'999'991, {154, 4'652'353}}));
  EXPECT_EQ(Search(0, 100'000'000), (Tally{5'761'455, 440'312, 2, 99'999'989, {220, 47'326'693}}));
  EXPECT_EQ(Search(0, 1'000'000'000),
            (Tally{50'847'534, 3'424'506, 2, 999'999'937, {282, 436'273'009}}));
}

TEST(SearchTest, EveryTinyRangeMatchesMillerRabin) {
  // Covers 2, 3 and 5, the primes the patterns remove (up to 97) and the first sieved ones.
  constexpr uint64_t kEnd = 130;
  for (uint64_t lo = 0; lo < kEnd; ++lo) {
    for (uint64_t hi = lo + 1; hi <= kEnd; ++hi) {
      const Tally tally = Search(lo, hi);
      ASSERT_EQ(tally, TallyByMillerRabin(lo, hi)) << "[" << lo << ", " << hi << ")";
      // Every true result passes the checks on decoding.
      ASSERT_TRUE(primes::DecodeUnitResult(primes::EncodeUnitResult({{lo, hi}, tally})).ok());
    }
  }
}

TEST(SearchTest, RandomSmallRangesMatchMillerRabin) {
  constexpr uint64_t kEnd = 200'000;
  std::vector<uint64_t> all;
  for (uint64_t n = 0; n < kEnd; ++n) {
    if (IsPrime(n)) all.push_back(n);
  }
  const uint32_t seed = 20240611;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t lo = random() % kEnd;
    const uint64_t hi = std::min(kEnd, lo + 1 + random() % (i % 2 == 0 ? 64 : kEnd / 4));
    const std::vector<uint64_t> inside(std::lower_bound(all.begin(), all.end(), lo),
                                       std::lower_bound(all.begin(), all.end(), hi));
    ASSERT_EQ(Search(lo, hi), TallyOf(inside)) << "[" << lo << ", " << hi << ")";
  }
}

TEST(SearchTest, RangesAcrossSegmentBoundariesMatchAPlainSieve) {
  const uint64_t end = 2 * kSegmentSpan + 4096;
  std::vector<uint8_t> composite(end, 0);
  composite[0] = composite[1] = 1;
  for (uint64_t p = 2; p * p < end; ++p) {
    if (composite[p]) continue;
    for (uint64_t m = p * p; m < end; m += p) composite[m] = 1;
  }
  const auto expected = [&](uint64_t lo, uint64_t hi) {
    std::vector<uint64_t> inside;
    for (uint64_t n = lo; n < hi; ++n) {
      if (!composite[n]) inside.push_back(n);
    }
    return TallyOf(inside);
  };
  // Segments start at lo rounded down to a multiple of 30; vary lo's remainder and the end's
  // distance from a segment boundary.
  for (const uint64_t lo : {0u, 1u, 7u, 29u, 31u, 100u, 101u, 65'537u, 1'000'003u}) {
    const uint64_t boundary = lo / 30 * 30 + kSegmentSpan;
    for (const int64_t delta : {-31, -1, 0, 1, 2, 29, 30, 1000}) {
      const uint64_t hi = boundary + delta;
      EXPECT_EQ(Search(lo, hi), expected(lo, hi)) << "[" << lo << ", " << hi << ")";
    }
  }
  EXPECT_EQ(Search(0, end), expected(0, end));
}

TEST(SearchTest, AdjacentRangesCombineToTheWhole) {
  const uint32_t seed = 7;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  for (const uint64_t lo : {uint64_t{0}, uint64_t{1'000'000'000'000}, uint64_t{1} << 50}) {
    const uint64_t hi = lo + 2 * kSegmentSpan + random() % kSegmentSpan;
    const uint64_t middle = lo + random() % (hi - lo);
    EXPECT_EQ(primes::Combine(Search(lo, middle), Search(middle, hi)), Search(lo, hi))
        << "[" << lo << ", " << middle << ", " << hi << ")";
  }
}

// Expected figures far from zero are primesieve's (primesieve 11.0, -c1 -c2 on [lo, hi - 1]).
TEST(SearchTest, MatchesPrimesieveAboveATrillionAndAQuadrillion) {
  const Tally trillion = Search(1'000'000'000'000, 1'000'010'000'000);
  EXPECT_EQ(trillion.primes, 361'726u);
  EXPECT_EQ(trillion.twins, 17'273u);
  const Tally quadrillion = Search(1'000'000'000'000'000, 1'000'000'010'000'000);
  EXPECT_EQ(quadrillion.primes, 289'394u);
  EXPECT_EQ(quadrillion.twins, 10'968u);
}

TEST(SearchTest, MatchesPrimesieveAcrossSeveralSegmentsNearTwoTo62) {
  const uint64_t lo = uint64_t{1} << 62;
  const Tally tally = Search(lo, lo + 71'315'513);
  EXPECT_EQ(tally.primes, 1'660'214u);
  EXPECT_EQ(tally.twins, 51'051u);
}

TEST(SearchTest, MatchesPrimesieveAndMillerRabinBelowTwoTo64) {
  // primesieve 18446744073708551616 18446744073709551614 -c1 -c2, and its -p for the rest.
  const uint64_t lo = kTwoTo64Minus1 - 999'999, hi = kTwoTo64Minus1;
  const Tally tally = Search(lo, hi);
  EXPECT_EQ(tally, (Tally{22'475,
                          682,
                          18'446'744'073'708'551'719u,
                          18'446'744'073'709'551'557u,
                          {420, 18'446'744'073'709'503'107u}}));
  // The first, last and gap's primes, and no prime around them.
  for (const uint64_t p : {tally.first, tally.last, tally.largest_gap.start,
                           tally.largest_gap.start + tally.largest_gap.length}) {
    EXPECT_TRUE(IsPrime(p)) << p;
  }
  EXPECT_EQ(TallyByMillerRabin(lo, tally.first).primes, 0u);
  EXPECT_EQ(TallyByMillerRabin(tally.last + 1, hi).primes, 0u);
  EXPECT_EQ(TallyByMillerRabin(tally.largest_gap.start + 1, tally.largest_gap.start + 420).primes,
            0u);
  EXPECT_EQ(Search(kTwoTo64Minus1 - 59, kTwoTo64Minus1), TallyOf({kTwoTo64Minus1 - 58}));
}

TEST(SearchTest, SameTallyInArenasOfOneTwoAndEightThreads) {
  const uint64_t lo = 10'000'000'000, hi = 10'200'000'000;
  std::vector<Tally> tallies;
  for (const int threads : {1, 2, 8}) {
    tbb::task_arena arena(threads);
    arena.execute([&] { tallies.push_back(Search(lo, hi)); });
  }
  EXPECT_EQ(tallies[0].primes, 8'681'115u);
  EXPECT_EQ(tallies[0].twins, 497'708u);
  EXPECT_EQ(tallies[1], tallies[0]);
  EXPECT_EQ(tallies[2], tallies[0]);
}

TEST(SearchTest, ResumingFromAnyRoundGivesTheSameTally) {
  const uint64_t lo = 1'000'000'000, hi = 1'500'000'000;
  std::vector<SearchState> states;
  const Result<Tally> whole =
      primes::Search(lo, hi, {}, [&](const SearchState& s) { states.push_back(s); });
  ASSERT_TRUE(whole.ok());
  ASSERT_GE(states.size(), 3u);
  for (const SearchState& state : states) {
    EXPECT_TRUE(primes::IsResumable(state));
    EXPECT_EQ(primes::DecodeState(primes::EncodeState(state)), state);
    std::vector<SearchState> later;
    const Result<Tally> resumed = primes::Search(
        lo, hi, {}, [&](const SearchState& s) { later.push_back(s); }, state);
    ASSERT_TRUE(resumed.ok()) << resumed.status().message();
    EXPECT_EQ(*resumed, *whole);
    EXPECT_TRUE(std::equal(later.begin(), later.end(), states.end() - later.size()));
  }
}

TEST(SearchTest, RefusesStatesNotOnItsWay) {
  SearchState state;
  primes::Search(1'000'000'000, 1'500'000'000, {}, [&](const SearchState& s) {
    state = s;
  }).value();
  SearchState moved = state;
  moved.position += 30;
  SearchState inflated = state;
  inflated.tally.primes = state.position - state.lo + 1;
  SearchState other = state;
  other.hi += 1'000'000'000;  // another unit: its rounds end elsewhere, or its count differs
  for (const SearchState& bad : {moved, inflated}) {
    EXPECT_FALSE(primes::IsResumable(bad));
    EXPECT_FALSE(primes::DecodeState(primes::EncodeState(bad)));
    EXPECT_EQ(primes::Search(bad.lo, bad.hi, {}, {}, bad).status().code(), Code::kInvalidArgument);
  }
  EXPECT_EQ(primes::Search(state.lo, state.hi + 1, {}, {}, state).status().code(),
            Code::kInvalidArgument);
  Bytes damaged = primes::EncodeState(state);
  damaged[20] ^= 1;
  EXPECT_FALSE(primes::DecodeState(damaged));
  EXPECT_FALSE(primes::DecodeState(Bytes(84, 0)));
}

TEST(SearchTest, RejectsEmptyRanges) {
  EXPECT_EQ(primes::Search(5, 5).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(primes::Search(6, 5).status().code(), Code::kInvalidArgument);
}

TEST(SearchTest, CancelledSearchReturnsUnavailable) {
  const primes::SieveHooks cancelled{[] { return true; }, {}};
  EXPECT_EQ(primes::Search(0, 1'000'000'000, cancelled).status().code(), Code::kUnavailable);
  // Near 2^64 most of the work is finding and placing 203 million sieving primes.
  std::atomic<int> asked{0};
  const primes::SieveHooks later{[&] { return ++asked > 3; }, {}};
  EXPECT_EQ(primes::Search(kTwoTo64Minus1 - 1000, kTwoTo64Minus1, later).status().code(),
            Code::kUnavailable);
}

TEST(SearchTest, CancellationStopsWithinAFewSegments) {
  FakeContext context;
  context.checks_before_cancel = 8;
  const primes::SieveHooks hooks{[&] { return context.Cancelled(); },
                                 [&](double fraction) { context.Progress(fraction); }};
  // 12,700 segments; stopping within a segment per thread leaves nearly all of them undone.
  EXPECT_EQ(primes::Search(0, 100'000'000'000, hooks).status().code(), Code::kUnavailable);
  EXPECT_LT(context.progress_max(), 0.01);
}

TEST(SearchTest, ReportsProgressUpToOne) {
  FakeContext context;
  const primes::SieveHooks hooks{[&] { return context.Cancelled(); },
                                 [&](double fraction) { context.Progress(fraction); }};
  ASSERT_TRUE(primes::Search(0, 100'000'000, hooks).ok());
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
  EXPECT_EQ(ValidationError({{"to", "1e20"}}), "parameter 'to': above 2^64-1: '1e20'");
  for (const char* text : {"18446744073709551616", "2^64", "2^64+1", "99999999999999999999999"}) {
    EXPECT_EQ(ValidationError({{"to", text}}),
              "parameter 'to': above 2^64-1: '" + std::string(text) + "'");
  }
  EXPECT_EQ(ValidationError({{"to", "5-10"}}), "parameter 'to': below 0: '5-10'");
  EXPECT_EQ(ValidationError({{"from", "10"}, {"to", "5"}}),
            "parameter 'from' (10) must be below 'to' (5)");
  EXPECT_EQ(ValidationError({{"foo", "1"}, {"to", "10"}}),
            "unknown parameter 'foo' (primes takes: from, to)");
  EXPECT_EQ(ValidationError({{"to", "10"}}, 0), "units: must be at least 1");
  EXPECT_EQ(ValidationError({{"to", "5"}}, 10), "units: 10 units but only 5 numbers in [0, 5)");
  EXPECT_EQ(ValidationError({{"to", std::string(1000, '7')}}),
            "parameter 'to': above 2^64-1: '" + std::string(64, '7') + "...'");
  for (const char* text : {"-5", " 5", "5 ", "", "1e-3", "e9", "1e", "^9", "2^", "1.e9", ".5e1",
                           "0x10", "1,000", "1e9.5", "+5", "5-", "1-2-3", "2^64--1"}) {
    EXPECT_EQ(ValidationError({{"to", text}}),
              "parameter 'to': not a number: '" + std::string(text) + "'");
  }
}

TEST(PrimesWorkloadTest, AcceptsExactFormsUpToTwoTo64Minus1) {
  const auto to_of = [](const std::string& text) {
    return primes::ParseRange({{"to", text}}).value().hi;
  };
  for (const char* text : {"1e9", "1E9", "1e+9", "10^9", "1000000000", "0.001e12", "1.000e9",
                           "000001e9", "10^9+0", "1e9-0"}) {
    EXPECT_EQ(to_of(text), 1'000'000'000u) << text;
  }
  for (const char* text :
       {"2^64-1", "18446744073709551615", "18446744073709551616-1", "1.8446744073709551615e19"}) {
    EXPECT_EQ(to_of(text), kTwoTo64Minus1) << text;
  }
  EXPECT_EQ(to_of("10^12+10^7"), 1'000'010'000'000u);
  EXPECT_EQ(to_of("2^63"), uint64_t{1} << 63);
}

TEST(PrimesWorkloadTest, UnitsTileTheRangeExactly) {
  struct Case {
    uint64_t from, to, units;
  };
  for (const Case c :
       {Case{0, 10, 3}, Case{0, 10, 10}, Case{7, 8, 1}, Case{0, kTwoTo64Minus1, 7},
        Case{5, kTwoTo64Minus1, 1'000'000}, Case{kTwoTo64Minus1 - 17, kTwoTo64Minus1, 17}}) {
    SCOPED_TRACE(std::to_string(c.from) + " " + std::to_string(c.to) + " " +
                 std::to_string(c.units));
    const uint64_t size_min = (c.to - c.from) / c.units;
    uint64_t next = c.from;
    for (uint64_t i = 0; i < c.units; ++i) {
      const UnitRange unit = UnitRangeOf(c.from, c.to, c.units, i);
      ASSERT_EQ(unit.lo, next);
      ASSERT_TRUE(unit.hi - unit.lo == size_min || unit.hi - unit.lo == size_min + 1);
      next = unit.hi;
    }
    EXPECT_EQ(next, c.to);
  }
}

// Runs every unit of a project, in an arena of `threads`, and returns their result bytes.
std::vector<Bytes> RunAll(const Params& params, uint64_t units, int threads = 2) {
  const PrimesWorkload workload;
  tbb::task_arena arena(threads);
  std::vector<Bytes> results;
  for (uint64_t i = 0; i < units; ++i) {
    FakeContext context;
    Result<Bytes> bytes = Unavailable("not run");
    arena.execute([&] { bytes = workload.Run(params, units, i, context); });
    EXPECT_TRUE(bytes.ok()) << bytes.status().message();
    results.push_back(bytes.ok() ? *bytes : Bytes{});
  }
  return results;
}

// The aggregated result of the units whose index `keep` accepts.
nlohmann::json Aggregate(
    const Params& params, const std::vector<Bytes>& results,
    const std::function<bool(uint64_t)>& keep = [](uint64_t) { return true; }) {
  const auto aggregator = PrimesWorkload().NewAggregator(params, results.size());
  for (uint64_t i = 0; i < results.size(); ++i) {
    if (keep(i)) {
      EXPECT_TRUE(aggregator->Add(i, results[i]).ok()) << i;
    }
  }
  return aggregator->Finish();
}

nlohmann::json Totals(const nlohmann::json& finish) {
  nlohmann::json totals = finish;
  totals.erase("units");
  return totals;
}

TEST(PrimesWorkloadTest, PairsAndGapsAcrossUnitBoundariesAddUpToTheWhole) {
  // The maximal gap 436273009 -> 436273291 crosses units of 100 numbers, one of them without a
  // prime; the twin pair 1000000007, 1000000009 straddles the boundary at 1000000008.
  for (const Params& params : {Params{{"from", "436272000"}, {"to", "436274000"}},
                               Params{{"from", "999999958"}, {"to", "1000000058"}}}) {
    const std::vector<Bytes> one = RunAll(params, 1);
    const uint64_t units = (std::stoull(params.at("to")) - std::stoull(params.at("from"))) / 50;
    EXPECT_EQ(Totals(Aggregate(params, RunAll(params, units))), Totals(Aggregate(params, one)));
  }
  const Params params{{"from", "436272000"}, {"to", "436274000"}};
  const std::vector<Bytes> results = RunAll(params, 20);
  const nlohmann::json whole = Aggregate(params, results);
  EXPECT_EQ(whole["largest_gap"],
            (nlohmann::json{{"length", 282}, {"from", 436273009}, {"to", 436273291}}));
  EXPECT_EQ(PrimesWorkload().DescribeUnit(results[11]).value()["primes"], 0);
  // With the empty unit not verified yet, the gap across it is unknown and left out.
  const nlohmann::json partial = Aggregate(params, results, [](uint64_t i) { return i != 11; });
  EXPECT_LT(partial["largest_gap"]["length"], 282);
  EXPECT_EQ(partial["primes"], whole["primes"]);
  EXPECT_EQ(partial["units"], 19);
}

TEST(PrimesWorkloadTest, SummaryOfABillion) {
  const Params params{{"to", "1e9"}};
  const auto aggregator = PrimesWorkload().NewAggregator(params, 2);
  const std::vector<Bytes> results = RunAll(params, 2);
  ASSERT_TRUE(aggregator->Add(0, results[0]).ok());
  EXPECT_TRUE(aggregator->Summary().ends_with(" (counted in 1 of 2 units)"))
      << aggregator->Summary();
  ASSERT_TRUE(aggregator->Add(1, results[1]).ok());
  EXPECT_EQ(
      aggregator->Summary(),
      "50847534 primes in [0, 1000000000), 3424506 twin pairs, largest gap 282 after 436273009");
  EXPECT_EQ(aggregator->Finish(),
            (nlohmann::json{
                {"from", 0},
                {"to", 1'000'000'000},
                {"units", 2},
                {"primes", 50'847'534},
                {"twins", 3'424'506},
                {"largest_gap", {{"length", 282}, {"from", 436'273'009}, {"to", 436'273'291}}}}));
}

TEST(PrimesWorkloadTest, AggregatorRefusesUnitsOutOfOrderOrForAnotherRange) {
  const Params params{{"to", "1000"}};
  const std::vector<Bytes> results = RunAll(params, 4);
  const auto aggregator = PrimesWorkload().NewAggregator(params, 4);
  EXPECT_EQ(aggregator->Add(0, results[2]).code(), Code::kCorrupt);
  EXPECT_EQ(aggregator->Add(0, Bytes(63)).code(), Code::kCorrupt);
  ASSERT_TRUE(aggregator->Add(0, results[0]).ok());
  EXPECT_EQ(aggregator->Add(0, results[0]).code(), Code::kInvalidArgument);
  EXPECT_EQ(aggregator->Add(4, results[0]).code(), Code::kInvalidArgument);
  ASSERT_TRUE(aggregator->Add(2, results[2]).ok());
  EXPECT_EQ(aggregator->Add(1, results[1]).code(), Code::kInvalidArgument);
  // 53 primes below 250 and 37 in [500, 750).
  EXPECT_EQ(aggregator->Summary().substr(0, 20), "90 primes in [0, 100");
  EXPECT_TRUE(aggregator->Summary().ends_with(" (counted in 2 of 4 units)"))
      << aggregator->Summary();
  const auto invalid = PrimesWorkload().NewAggregator({{"to", "x"}}, 4);
  EXPECT_EQ(invalid->Add(0, results[0]).code(), Code::kInvalidArgument);
  EXPECT_EQ(invalid->Summary(), "primes: parameter 'to': not a number: 'x'");
}

TEST(PrimesWorkloadTest, ResultLayoutAndDescribeUnit) {
  const PrimesWorkload workload;
  const Bytes bytes = RunAll({{"to", "100"}}, 1)[0];
  // lo 0, hi 100, 25 primes, 8 twin pairs, first 2, last 97, gap 8 from 89.
  EXPECT_EQ(ToHex(bytes),
            "0000000000000000"
            "6400000000000000"
            "1900000000000000"
            "0800000000000000"
            "0200000000000000"
            "6100000000000000"
            "0800000000000000"
            "5900000000000000");
  EXPECT_EQ(workload.DescribeUnit(bytes).value(),
            (nlohmann::json{{"from", 0},
                            {"to", 100},
                            {"primes", 25},
                            {"twins", 8},
                            {"first_prime", 2},
                            {"last_prime", 97},
                            {"largest_gap", {{"length", 8}, {"from", 89}, {"to", 97}}}}));
  const Bytes empty = RunAll({{"from", "24"}, {"to", "29"}}, 1)[0];
  EXPECT_EQ(workload.DescribeUnit(empty).value()["first_prime"], nullptr);
  // Values no search gives: more primes than odd numbers, as many twin pairs as primes, an even
  // first prime, a last prime outside the range, an odd gap, a gap past the last prime.
  for (const auto& [field, value] : std::vector<std::pair<size_t, uint8_t>>{
           {2, 50}, {3, 25}, {4, 4}, {5, 100}, {6, 9}, {7, 91}}) {
    Bytes wrong = bytes;
    wrong[8 * field] = value;
    EXPECT_EQ(workload.DescribeUnit(wrong).status().code(), Code::kCorrupt) << field;
  }
  EXPECT_EQ(workload.DescribeUnit(Bytes(bytes.begin(), bytes.end() - 1)).status().code(),
            Code::kCorrupt);
  EXPECT_EQ(workload.DescribeUnit(Bytes(64, 0)).status().code(), Code::kCorrupt);  // lo == hi
}

TEST(PrimesWorkloadTest, SameBytesInArenasOfOneTwoAndEightThreads) {
  const Params params{{"from", "1e12"}, {"to", "1.1e12"}};
  const PrimesWorkload workload;
  std::vector<Bytes> results;
  for (const int threads : {1, 2, 8}) {
    tbb::task_arena arena(threads);
    FakeContext context;
    Result<Bytes> bytes = Unavailable("not run");
    arena.execute([&] { bytes = workload.Run(params, 500, 499, context); });
    ASSERT_TRUE(bytes.ok()) << bytes.status().message();
    results.push_back(*bytes);
  }
  EXPECT_EQ(results[1], results[0]);
  EXPECT_EQ(results[2], results[0]);
}

TEST(PrimesWorkloadTest, CheckpointThenResumeGivesTheSameBytes) {
  const PrimesWorkload workload;
  const Params params{{"from", "1e9"}, {"to", "1.5e9"}};
  const Bytes uninterrupted = RunAll(params, 1)[0];
  for (const uint64_t due_from : {1, 3}) {
    FakeContext first;
    first.due_from = due_from;
    first.cancel_after_save = true;
    EXPECT_EQ(workload.Run(params, 1, 0, first).status().code(), Code::kUnavailable);
    ASSERT_FALSE(first.saved.empty());
    const auto state = primes::DecodeState(first.saved);
    ASSERT_TRUE(state);
    EXPECT_EQ(first.views.back()["position"], state->position);

    FakeContext second;
    second.checkpoint = first.saved;
    const Result<Bytes> resumed = workload.Run(params, 1, 0, second);
    ASSERT_TRUE(resumed.ok()) << resumed.status().message();
    EXPECT_EQ(*resumed, uninterrupted);
    EXPECT_EQ(second.views.front()["position"], state->position);
    EXPECT_EQ(second.views.back()["position"], 1'500'000'000);
    EXPECT_EQ(second.views.back()["primes"],
              workload.DescribeUnit(uninterrupted).value()["primes"]);
  }
}

TEST(PrimesWorkloadTest, ForeignOrDamagedCheckpointIsIgnored) {
  const PrimesWorkload workload;
  const Params params{{"from", "1e9"}, {"to", "1.5e9"}};
  const Bytes uninterrupted = RunAll(params, 1)[0];
  FakeContext saving;
  saving.due_from = 1;
  saving.cancel_after_save = true;
  (void)workload.Run(params, 1, 0, saving);
  Bytes damaged = saving.saved;
  damaged[30] ^= 0x10;
  std::vector<Bytes> checkpoints = {damaged, Bytes(10, 1)};
  // A valid checkpoint of unit 0 of another project.
  FakeContext other;
  other.due_from = 1;
  other.cancel_after_save = true;
  (void)workload.Run({{"from", "1e9"}, {"to", "1.6e9"}}, 1, 0, other);
  checkpoints.push_back(other.saved);
  for (const Bytes& checkpoint : checkpoints) {
    FakeContext context;
    context.checkpoint = checkpoint;
    const Result<Bytes> bytes = workload.Run(params, 1, 0, context);
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(*bytes, uninterrupted);
    EXPECT_EQ(context.views.front()["position"], 1'000'000'000);
  }
}

TEST(PrimesWorkloadTest, RunMapsCancellationToUnavailable) {
  const PrimesWorkload workload;
  FakeContext context;
  context.checks_before_cancel = 0;
  EXPECT_EQ(workload.Run({{"to", "1e10"}}, 1, 0, context).status().code(), Code::kUnavailable);
  EXPECT_EQ(workload.Run({{"to", "1e10"}}, 2, 2, context).status().code(), Code::kInvalidArgument);
}

TEST(PrimesWorkloadTest, NameVersionAndHelp) {
  const PrimesWorkload workload;
  EXPECT_EQ(workload.Name(), "primes");
  EXPECT_EQ(workload.Version(), 2u);
  ASSERT_EQ(workload.ParamHelp().size(), 2u);
  EXPECT_TRUE(workload.ParamHelp()[0].starts_with("from: "));
  EXPECT_TRUE(workload.ParamHelp()[1].starts_with("to: "));
}

}  // namespace
}  // namespace potluck

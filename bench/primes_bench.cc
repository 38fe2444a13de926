// Speed of the primes kernel in task arenas of 1 and 2 threads. For reference, primesieve
// (`primesieve 1e9 -c1 --time -t1`) measures the same counts on the same machine.
#include <array>
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>
#include <tbb/task_arena.h>

#include "primes/sieve.h"

namespace potluck::primes {
namespace {

struct Window {
  const char* name;
  uint64_t lo;
  uint64_t hi;
};

constexpr std::array<Window, 5> kWindows = {{
    {"[0, 1e9)", 0, 1'000'000'000},
    {"[0, 1e10)", 0, 10'000'000'000},
    {"[1e12, 1e12 + 1e9)", 1'000'000'000'000, 1'001'000'000'000},
    {"[1e15, 1e15 + 1e9)", 1'000'000'000'000'000, 1'000'001'000'000'000},
    {"[2^63 - 1e8, 2^63)", kRangeMax - 100'000'000, kRangeMax},
}};

// Args: index into kWindows, threads.
void BM_CountPrimes(benchmark::State& state) {
  const Window& window = kWindows.at(static_cast<size_t>(state.range(0)));
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  state.SetLabel(window.name);
  for (auto _ : state) {
    Result<uint64_t> count = Unavailable("not run");
    arena.execute([&] { count = CountPrimes(window.lo, window.hi); });
    if (!count.ok()) {
      state.SkipWithError(count.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(*count);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * (window.hi - window.lo)));
}
BENCHMARK(BM_CountPrimes)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 2}})
    ->ArgNames({"window", "threads"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace potluck::primes

BENCHMARK_MAIN();

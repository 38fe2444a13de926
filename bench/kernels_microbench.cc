// Google Benchmark micro-benchmarks of the kernels' hot loops, for profiling a change in
// isolation: one lj-md step (forces, integration, neighbour upkeep) on the 4,000- and 32,000-atom
// systems, and the primes sieve over 10^8 numbers near 10^12, each in arenas of 1 and 2 threads.
//   build/bin/kernels_microbench [--benchmark_filter=...]
#include <benchmark/benchmark.h>
#include <tbb/task_arena.h>

#include "lj_md/simulation.h"
#include "registry.h"

namespace potluck {
namespace {

void LjMdStep(benchmark::State& state) {
  lj_md::SystemSpec spec;
  spec.cells = static_cast<int>(state.range(0));
  spec.steps = 1'000'000;
  tbb::task_arena arena(static_cast<int>(state.range(1)));
  lj_md::Simulation simulation(spec, 3.0, 87287);
  const lj_md::StopRequested never = [] { return false; };
  arena.execute([&] { (void)simulation.Prepare(never); });
  for (auto _ : state) {
    arena.execute([&] { benchmark::DoNotOptimize(simulation.Step(never)); });
  }
  const double atoms = 4.0 * spec.cells * spec.cells * spec.cells;
  state.counters["atom_steps_per_s"] = benchmark::Counter(atoms, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(LjMdStep)->ArgsProduct({{10, 20}, {1, 2}})->ArgNames({"cells", "threads"})->Unit(benchmark::kMillisecond);

void PrimesSieve(benchmark::State& state) {
  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  const Workload* primes = workloads.FindLatest("primes");
  constexpr uint64_t kNumbers = 100'000'000;
  const Params params = {{"from", "1000000000000"}, {"to", std::to_string(1'000'000'000'000 + kNumbers)}};
  tbb::task_arena arena(static_cast<int>(state.range(0)));
  UninterruptedContext context;
  for (auto _ : state) {
    arena.execute([&] { benchmark::DoNotOptimize(primes->Run(params, 1, 0, context)); });
  }
  state.counters["numbers_per_s"] = benchmark::Counter(kNumbers, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(PrimesSieve)->Arg(1)->Arg(2)->ArgName("threads")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace potluck

BENCHMARK_MAIN();

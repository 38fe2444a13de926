// Speed of the primes kernel against Debian's primesieve, measured in the same run on the same
// machine. Prints, per range and thread count, both times (median of 3) and their ratio, and
// checks that the prime and twin counts agree.
//
// The kernel also finds the largest gap, which primesieve does not; primesieve is timed counting
// primes alone (-c1), as in its reference figures.
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "primes/search.h"

namespace potluck::primes {
namespace {

struct Window {
  const char* name;
  uint64_t lo;
  uint64_t hi;
};

constexpr std::array<Window, 6> kWindows = {{
    {"[0, 1e9)", 0, 1'000'000'000},
    {"[0, 1e10)", 0, 10'000'000'000},
    {"[1e12, 1e12+1e9)", 1'000'000'000'000, 1'001'000'000'000},
    {"[1e12, 1e12+1e10]", 1'000'000'000'000, 1'010'000'000'001},
    {"[1e15, 1e15+1e9)", 1'000'000'000'000'000, 1'000'001'000'000'000},
    {"[2^64-1e6, 2^64-1)", 18'446'744'073'708'551'616u, 18'446'744'073'709'551'615u},
}};
constexpr int kRuns = 3;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double OursSeconds(const Window& w, int threads, Tally& tally) {
  tbb::task_arena arena(threads);
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    auto start = std::chrono::steady_clock::now();
    arena.execute([&] { tally = Search(w.lo, w.hi).value(); });
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return Median(times);
}

// Runs primesieve on [lo, hi - 1] (its range is inclusive) and reads what it prints.
struct PrimesieveRun {
  double seconds = -1;
  uint64_t primes = 0;
  uint64_t twins = 0;
};
PrimesieveRun RunPrimesieve(const Window& w, int threads, const char* counts) {
  const std::string command = "primesieve " + std::to_string(w.lo) + " " +
                              std::to_string(w.hi - 1) + " " + counts + " --time -t" +
                              std::to_string(threads) + " 2>&1 | tr '\\r' '\\n'";
  PrimesieveRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char line[256];
  while (std::fgets(line, sizeof line, pipe)) {
    unsigned long long n = 0;
    if (std::sscanf(line, "Seconds: %lf", &run.seconds) == 1) continue;
    if (std::sscanf(line, "Primes: %llu", &n) == 1) run.primes = n;
    if (std::sscanf(line, "Twin primes: %llu", &n) == 1) run.twins = n;
  }
  if (pclose(pipe) != 0) run.seconds = -1;
  return run;
}

// primesieve's own timing of its sieve ("Seconds: X"), median of kRuns counting primes; the
// twins come from one more run.
double PrimesieveSeconds(const Window& w, int threads, uint64_t& primes, uint64_t& twins) {
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    const PrimesieveRun run = RunPrimesieve(w, threads, "-c1");
    if (run.seconds < 0) return -1;
    times.push_back(run.seconds);
    primes = run.primes;
  }
  twins = RunPrimesieve(w, threads, "-c2").twins;
  return Median(times);
}

}  // namespace
}  // namespace potluck::primes

int main() {
  using namespace potluck::primes;
  std::printf("%-19s %7s %10s %12s %7s %s\n", "range", "threads", "ours (s)", "primesieve", "ratio",
              "primes, twins");
  for (const Window& w : kWindows) {
    for (int threads : {1, 2}) {
      Tally ours;
      uint64_t primes = 0, twins = 0;
      const double ours_seconds = OursSeconds(w, threads, ours);
      const double reference = PrimesieveSeconds(w, threads, primes, twins);
      if (reference < 0) {
        std::printf("%-19s %7d %10.3f %12s\n", w.name, threads, ours_seconds, "unavailable");
        continue;
      }
      const bool equal = ours.primes == primes && ours.twins == twins;
      std::printf("%-19s %7d %10.3f %12.3f %6.2fx %s; largest gap %llu after %llu\n", w.name,
                  threads, ours_seconds, reference, ours_seconds / reference,
                  equal ? "equal" : "DIFFER",
                  static_cast<unsigned long long>(ours.largest_gap.length),
                  static_cast<unsigned long long>(ours.largest_gap.start));
    }
  }
  return 0;
}

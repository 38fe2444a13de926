// Speed of the primes kernel against Debian's primesieve, measured in the same run on the same
// machine. Prints, per range and thread count, both times (median of 3) and their ratio.
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "primes/sieve.h"

namespace potluck::primes {
namespace {

struct Window {
  const char* name;
  uint64_t lo;
  uint64_t hi;
};

constexpr std::array<Window, 4> kWindows = {{
    {"[0, 1e9)", 0, 1'000'000'000},
    {"[0, 1e10)", 0, 10'000'000'000},
    {"[1e12, 1e12+1e9)", 1'000'000'000'000, 1'001'000'000'000},
    {"[1e15, 1e15+1e9)", 1'000'000'000'000'000, 1'000'001'000'000'000},
}};
constexpr int kRuns = 3;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double OursSeconds(const Window& w, int threads, uint64_t& count) {
  tbb::task_arena arena(threads);
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    auto start = std::chrono::steady_clock::now();
    arena.execute([&] { count = CountPrimes(w.lo, w.hi).value(); });
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return Median(times);
}

// primesieve's own timing of its sieve ("Seconds: X"); its range is inclusive.
double PrimesieveSeconds(const Window& w, int threads, uint64_t& count) {
  std::string command = "primesieve " + std::to_string(w.lo) + " " + std::to_string(w.hi - 1) + " -c1 --time -t" +
                        std::to_string(threads) + " 2>&1 | tr '\\r' '\\n'";
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return -1;
    char line[256];
    double seconds = -1;
    while (std::fgets(line, sizeof line, pipe)) {
      unsigned long long n = 0;
      if (std::sscanf(line, "Seconds: %lf", &seconds) == 1) continue;
      if (std::sscanf(line, "Primes: %llu", &n) == 1) count = n;
    }
    if (pclose(pipe) != 0 || seconds < 0) return -1;
    times.push_back(seconds);
  }
  return Median(times);
}

}  // namespace
}  // namespace potluck::primes

int main() {
  using namespace potluck::primes;
  std::printf("%-18s %7s %10s %12s %7s %s\n", "range", "threads", "ours (s)", "primesieve", "ratio", "counts");
  for (const Window& w : kWindows) {
    for (int threads : {1, 2}) {
      uint64_t ours_count = 0, reference_count = 0;
      double ours = OursSeconds(w, threads, ours_count);
      double reference = PrimesieveSeconds(w, threads, reference_count);
      if (reference < 0) {
        std::printf("%-18s %7d %10.3f %12s\n", w.name, threads, ours, "unavailable");
        continue;
      }
      std::printf("%-18s %7d %10.3f %12.3f %6.2fx %s\n", w.name, threads, ours, reference, ours / reference,
                  ours_count == reference_count ? "equal" : "DIFFER");
    }
  }
  return 0;
}

// Speed of the lj-md kernel against LAMMPS (Debian's `lmp`), measured in the same run on the same
// machine: the 32,000-atom Lennard-Jones benchmark (fcc, density 0.8442, T0 = 3, cutoff 2.5,
// skin 0.3, 100 steps), in TBB arenas of 1 and 2 threads and in 1 and 2 MPI processes. LAMMPS
// runs its benchmark rule (list rebuilt every 20 steps, unchecked) and the rule the kernel uses
// (rebuilt once atoms may have come within the cutoff unlisted). Prints loop times (median of
// 3), atom-steps per second, and the ratio of LAMMPS's time to ours: above 1 means the kernel is
// faster. It also prints CPU times (all threads or processes), which a loaded machine distorts
// less than wall times when one thread or process runs; with two, both spin while they wait.
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "lj_md/lj_md_workload.h"

namespace potluck::lj_md {
namespace {

constexpr int kCells = 20;
constexpr int kSteps = 100;
constexpr int kRuns = 3;
constexpr double kAtomSteps = 4.0 * kCells * kCells * kCells * kSteps;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Wall and CPU seconds (medians), the CPU time counting every thread of the process.
struct Seconds {
  double wall = -1, cpu = -1;
};

// Seconds for kSteps steps after the initial list and forces, like LAMMPS's "Loop time".
Seconds OursSeconds(int threads, int64_t& builds) {
  tbb::task_arena arena(threads);
  std::vector<double> times, cpu_times;
  for (int run = 0; run < kRuns; ++run) {
    arena.execute([&] {
      Result<Simulation> simulation =
          StartUnit({{"cells", std::to_string(kCells)}, {"steps", std::to_string(kSteps)}}, 1, 0);
      const StopRequested never = [] { return false; };
      if (!simulation.ok() || !simulation->Prepare(never).ok()) std::abort();
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu_start = std::clock();
      while (!simulation->done()) {
        if (!simulation->Step(never).ok()) std::abort();
      }
      cpu_times.push_back(static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
      times.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      builds = simulation->list_builds() - 1;  // the first is part of the set-up
    });
  }
  return {Median(times), Median(cpu_times)};
}

std::string LammpsInput(bool checked) {
  return "units lj\natom_style atomic\nlattice fcc 0.8442\n"
         "region box block 0 " +
         std::to_string(kCells) + " 0 " + std::to_string(kCells) + " 0 " + std::to_string(kCells) +
         "\ncreate_box 1 box\ncreate_atoms 1 box\nmass 1 1.0\n"
         "velocity all create 3.0 87287 loop geom\npair_style lj/cut 2.5\npair_coeff 1 1 1.0 1.0 "
         "2.5\n"
         "neighbor 0.3 bin\n" +
         std::string(checked ? "neigh_modify delay 0 every 1 check yes\n"
                             : "neigh_modify delay 0 every 20 check no\n") +
         "fix 1 all nve\ntimestep 0.005\nthermo 100\nrun " + std::to_string(kSteps) + "\n";
}

// LAMMPS's "Loop time" and its CPU time (loop time times "% CPU use", per process), medians of
// kRuns, or -1 if it cannot be run.
Seconds LammpsSeconds(int processes, bool checked) {
  const std::string path = "/tmp/potluck_lj_md_bench_" + std::to_string(checked) + ".in";
  std::ofstream(path) << LammpsInput(checked);
  const std::string launcher = processes == 1 ? ""
                                              : "mpirun --allow-run-as-root --oversubscribe -np " +
                                                    std::to_string(processes) + " ";
  const std::string command = launcher + "lmp -in " + path + " -log none 2>&1";
  std::vector<double> times, cpu_times;
  for (int run = 0; run < kRuns; ++run) {
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return {};
    char line[512];
    double seconds = -1, cpu_percent = -1;
    while (std::fgets(line, sizeof line, pipe)) {
      std::sscanf(line, "Loop time of %lf", &seconds);
      std::sscanf(line, "%lf%% CPU use", &cpu_percent);
    }
    if (pclose(pipe) != 0 || seconds < 0) return {};
    times.push_back(seconds);
    cpu_times.push_back(seconds * cpu_percent / 100 * processes);
  }
  std::remove(path.c_str());
  return {Median(times), Median(cpu_times)};
}

void PrintLammps(const char* rule, int threads, Seconds ours, Seconds lammps) {
  if (lammps.wall < 0) {
    std::printf("  LAMMPS, %-26s %d: unavailable\n", rule, threads);
    return;
  }
  std::printf(
      "  LAMMPS, %-26s %d: %6.3f s  %5.2f M atom-steps/s  ratio %.2fx   CPU %6.3f s, ratio %.2fx\n",
      rule, threads, lammps.wall, kAtomSteps / lammps.wall / 1e6, lammps.wall / ours.wall,
      lammps.cpu, lammps.cpu / ours.cpu);
}

// `lj_md_bench kernel THREADS [SKIN [STEPS]]`: the kernel alone, one run, for profiling (e.g.
// under callgrind). Prints the loop time, list builds and the hash of the unit's result bytes, which must not
// depend on the thread count or the skin.
int KernelOnly(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) != "kernel") {
    std::fprintf(stderr, "usage: lj_md_bench [kernel THREADS [SKIN [STEPS]]]\n");
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  potluck::Params params = {{"cells", std::to_string(kCells)},
                            {"steps", argc > 4 ? argv[4] : std::to_string(kSteps)}};
  if (argc > 3) params["skin"] = argv[3];
  tbb::task_arena arena(threads);
  arena.execute([&] {
    Result<Simulation> simulation = StartUnit(params, 1, 0);
    const StopRequested never = [] { return false; };
    if (!simulation.ok() || !simulation->Prepare(never).ok()) std::abort();
    const auto start = std::chrono::steady_clock::now();
    while (!simulation->done()) {
      if (!simulation->Step(never).ok()) std::abort();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const potluck::Hash256 hash = potluck::Blake2b256(EncodeUnit(*simulation));
    std::printf("threads %d: %.3f s, %lld list builds, %zu list entries, result hash ", threads,
                seconds, static_cast<long long>(simulation->list_builds() - 1),
                simulation->neighbor_pairs());
    for (size_t k = 0; k < 8; ++k) std::printf("%02x", hash[k]);
    std::printf("\n");
  });
  return 0;
}

}  // namespace
}  // namespace potluck::lj_md

int main(int argc, char** argv) {
  using namespace potluck::lj_md;
  if (argc > 1) return KernelOnly(argc, argv);
  // Let an arena of 2 threads have 2 even where TBB would keep a core for the caller.
  const tbb::global_control threads_max(tbb::global_control::max_allowed_parallelism, 2);
  std::printf("lj-md, %d atoms, %d steps, median of %d runs\n", 4 * kCells * kCells * kCells,
              kSteps, kRuns);
  for (const int threads : {1, 2}) {
    int64_t builds = 0;
    const Seconds ours = OursSeconds(threads, builds);
    std::printf(
        "threads/processes %d\n  potluck, skin rule (%2lld list builds) %d: %6.3f s  %5.2f M "
        "atom-steps/s                CPU %6.3f s\n",
        threads, static_cast<long long>(builds), threads, ours.wall, kAtomSteps / ours.wall / 1e6,
        ours.cpu);
    PrintLammps("skin rule (check yes)", threads, ours, LammpsSeconds(threads, true));
    PrintLammps("every 20 steps (check no)", threads, ours, LammpsSeconds(threads, false));
  }
  return 0;
}

#include "worker_node.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include "kernel_runner.h"
#include "potluck/app/node_runner.h"
#include "registry.h"

namespace potluck {
namespace {

std::string HostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// Millions of numbers sieved per second on the cores given: a short, fixed piece of the
// primes workload, so peers can compare machines.
double MeasureSpeed(const WorkloadRegistry& workloads, int cores) {
  const Workload* primes = workloads.FindLatest("primes");
  if (!primes) return 0;
  constexpr uint64_t kNumbers = 20'000'000;
  const Params params = {{"from", "1000000000000"}, {"to", std::to_string(1'000'000'000'000 + kNumbers)}};
  tbb::task_arena arena(cores);
  UninterruptedContext context;
  auto start = std::chrono::steady_clock::now();
  arena.execute([&] { (void)primes->Run(params, 1, 0, context); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return seconds > 0 ? static_cast<double>(kNumbers) / seconds / 1e6 : 0;
}

// User and system CPU time of the whole process. Kernels are nearly all of a worker's CPU time,
// so this is what the volunteer gives.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

Status RunWorker(const WorkerConfig& config, const std::atomic<bool>& stop) {
  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  NodeRunConfig run;
  run.program = "worker";
  run.data_dir = config.data_dir;
  run.listen = config.listen;
  run.advertise = config.advertise;
  run.security = config.security;
  run.node.membership.bootstrap = config.bootstrap;
  run.node.volunteer = config.volunteer;
  run.node.offer.cores = static_cast<uint32_t>(config.cores);
  run.node.offer.host = HostName();
  for (const Workload* w : workloads.All()) run.node.offer.workloads.push_back({std::string(w->Name()), w->Version()});
  run.node.offer.speed = MeasureSpeed(workloads, config.cores);
  spdlog::info("worker with {} cores, speed {:.1f}", config.cores, run.node.offer.speed);
  if (!config.bootstrap.empty()) run.join_timeout = config.join_timeout;
  run.lan_beacon = config.lan_beacon;
  // The worker's own series join the node's; the pause logic counts its pauses here too.
  MetricsRegistry metrics;
  MetricValue& cpu_given = metrics.Counter("potluck_cpu_seconds_given_total",
                                           "CPU time this worker process has used, user and system, in seconds.");
  metrics.OnCollect([&cpu_given] { cpu_given.Set(ProcessCpuSeconds()); });
  run.metrics = &metrics;
  run.metrics_listen = config.metrics_listen;
  run.make_executor = [&](std::shared_ptr<Waker> waker) -> std::unique_ptr<TaskExecutor> {
    auto runner = std::make_unique<KernelRunner>(workloads, config.cores, config.checkpoint_interval, std::move(waker));
    if (config.wrap_executor) return config.wrap_executor(std::move(runner));
    return runner;
  };
  return RunNode(run, workloads, stop);
}

}  // namespace potluck

#include "worker_node.h"

#include <spdlog/spdlog.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "kernel_runner.h"
#include "potluck/app/data_dir.h"
#include "potluck/app/metrics.h"
#include "registry.h"

namespace potluck {
namespace {

constexpr size_t kWorkerPageCacheKib = 256;

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

}  // namespace

Status RunWorker(const WorkerConfig& config, const std::atomic<bool>& stop) {
  const WorkerSettings& settings = config.settings;
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int cores = settings.CoresGiven(hardware);
  if (Status s = PrepareDataDir(settings.data_dir); !s.ok()) return s;
  auto control = ControlServer::Open(ControlSocketPath(settings.data_dir));
  if (!control.ok()) return control.status();
  WorkerSupervisor supervisor(config.source, settings, hardware, std::move(control.value()));

  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  NodeRunConfig run;
  run.program = "worker";
  run.data_dir = settings.data_dir;
  run.listen = settings.grid.listen;
  run.advertise = settings.grid.advertise;
  run.security = settings.grid.insecure ? LinkSecurity::kPlainText : LinkSecurity::kCurve;
  run.node.membership.bootstrap = settings.grid.bootstrap;
  run.node.volunteer = config.volunteer;
  // A volunteer's machine is not ours: the worker's store mostly appends, and the OS caches the
  // file anyway, so SQLite keeps a small cache of its own.
  run.store_page_cache_kib = kWorkerPageCacheKib;
  run.release_memory_when_idle = true;
  run.node.offer.cores = static_cast<uint32_t>(cores);
  run.node.offer.host = HostName();
  for (const Workload* w : workloads.All()) run.node.offer.workloads.push_back({std::string(w->Name()), w->Version()});
  run.node.offer.speed = MeasureSpeed(workloads, cores);
  spdlog::info("worker with {} cores, speed {:.1f}", cores, run.node.offer.speed);
  if (!settings.grid.bootstrap.empty()) {
    run.join_timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(settings.grid.join_timeout_s));
  }
  if (settings.grid.lan_discovery) run.lan_beacon = settings.grid.lan_beacon;
  // The worker's own series (CPU given, pauses by reason) join the node's.
  MetricsRegistry metrics;
  supervisor.PublishTo(&metrics);
  run.metrics = &metrics;
  run.metrics_listen = settings.metrics.listen;
  run.dashboard_listen = settings.dashboard.listen;
  run.make_executor = [&](std::shared_ptr<Waker> waker) -> std::unique_ptr<TaskExecutor> {
    const auto interval =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(settings.limits.checkpoint_interval_s));
    auto runner = std::make_unique<KernelRunner>(workloads, cores, interval, std::move(waker));
    supervisor.Attach(runner.get());
    if (config.wrap_executor) return config.wrap_executor(std::move(runner));
    return runner;
  };
  // Once stopping, the supervisor must not release kernels a program held on its way out (the
  // screensaver holds them the moment the user comes back, before the loop sees `stop`).
  run.on_tick = [&](Node& node, TimePoint now) {
    if (!stop.load()) supervisor.Tick(node, now);
  };
  if (ControlServer* control = supervisor.control_server()) run.tick_when_readable.push_back(control->socket());
  run.stop_checkpoint_wait = config.stop_checkpoint_wait;
  return RunNode(run, workloads, stop);
}

}  // namespace potluck

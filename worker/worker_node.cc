#include "worker_node.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "kernel_runner.h"
#include "potluck/app/data_dir.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/event_loop.h"
#include "potluck/store/sqlite_store.h"

#include "registry.h"

namespace potluck {
namespace {

std::string HostName() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

Status RunWorker(const WorkerConfig& config, const std::atomic<bool>& stop) {
  if (Status s = PrepareDataDir(config.data_dir); !s.ok()) return s;
  auto identity = Identity::LoadOrCreate(config.data_dir);
  if (!identity.ok()) return identity.status();
  auto store = SqliteStore::Open(config.data_dir / "node.db");
  if (!store.ok()) return store.status();

  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  VolunteerConfig vc = config.volunteer;
  vc.holders = config.join;
  vc.offer.cores = static_cast<uint32_t>(config.cores);
  vc.offer.host = HostName();
  for (const Workload* w : workloads.All()) vc.offer.workloads.push_back({std::string(w->Name()), w->Version()});

  SystemClock clock;
  Volunteer volunteer(identity->id(), vc, *store.value());
  if (Status s = volunteer.Load(clock.Now()); !s.ok()) return s;

  zmq::context_t context;
  ZmqTransport transport(context, identity->id());
  for (const auto& endpoint : config.join) {
    if (Status s = transport.Dial(endpoint); !s.ok()) return s;
  }
  KernelRunner kernels(workloads, config.cores, transport.waker());
  spdlog::info("worker {} with {} cores joining {}", identity->id().Short(), config.cores, config.join.front());

  SqliteStore& vs = *store.value();
  const TimePoint started = clock.Now();
  bool announced_join = false;
  bool give_up = false;
  LoopHooks hooks{
      .on_message = [&](const Inbound& in, TimePoint now) { return volunteer.OnMessage(in, now); },
      .on_tick =
          [&](TimePoint now) {
            Actions actions;
            for (auto& done : kernels.TakeFinished()) actions.Append(volunteer.OnTaskDone(done.unit, done.result, now));
            actions.Append(volunteer.Tick(now));
            if (volunteer.joined() && !announced_join) {
              announced_join = true;
              spdlog::info("joined {}", config.join.front());
            }
            if (!volunteer.joined() && now - started > config.join_timeout) give_up = true;
            return actions;
          },
      .begin = [&] { vs.Begin(); },
      .commit = [&] { return vs.Commit(); },
      .start_tasks =
          [&](std::vector<TaskStart>& tasks) {
            for (auto& task : tasks) kernels.Start(std::move(task));
          },
      .done = [&] { return give_up; },
  };
  vs.Begin();
  Actions first = volunteer.Start(clock.Now());
  Status committed = vs.Commit();
  Status s = committed.ok() ? RunEventLoop(transport, clock, hooks, stop, std::move(first)) : committed;
  kernels.CancelAll();
  if (give_up) {
    return Unavailable("no answer from " + config.join.front() + " within " +
                       std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config.join_timeout).count()) +
                       "s (is a coordinator running there?)");
  }
  spdlog::info("worker stopping: {} units computed, {} results still to deliver", volunteer.units_computed(),
               volunteer.outbox_size());
  return s;
}

}  // namespace potluck

#include "coordinator_node.h"

#include <spdlog/spdlog.h>

#include "potluck/app/data_dir.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/event_loop.h"
#include "potluck/store/sqlite_store.h"
#include "registry.h"

namespace potluck {

Status RunCoordinator(const CoordinatorConfig& config, const std::atomic<bool>& stop) {
  if (Status s = PrepareDataDir(config.data_dir); !s.ok()) return s;
  auto identity = Identity::LoadOrCreate(config.data_dir);
  if (!identity.ok()) return identity.status();
  auto store = SqliteStore::Open(config.data_dir / "node.db");
  if (!store.ok()) return store.status();

  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  SystemClock clock;
  Holder holder(identity->id(), config.holder, *store.value(), workloads);
  if (Status s = holder.Load(clock.Now()); !s.ok()) return s;

  zmq::context_t context;
  ZmqTransport transport(context, identity->id());
  auto endpoint = transport.Listen(config.listen);
  if (!endpoint.ok()) return endpoint.status();
  if (Status s = WriteFileAtomically(config.data_dir / "endpoint", endpoint.value() + "\n"); !s.ok()) return s;
  spdlog::info("coordinator {} listening on {}", identity->id().Short(), endpoint.value());

  SqliteStore& ledger = *store.value();
  LoopHooks hooks{
      .on_message = [&](const Inbound& in, TimePoint now) { return holder.OnMessage(in, now); },
      .on_tick = [&](TimePoint now) { return holder.Tick(now); },
      .begin = [&] { ledger.Begin(); },
      .commit = [&] { return ledger.Commit(); },
      .start_tasks = nullptr,
      .done = nullptr,
  };
  Status s = RunEventLoop(transport, clock, hooks, stop);
  const auto& c = transport.counters();
  spdlog::info("coordinator stopping: {} frames in, {} out, {} dropped", c.frames_in, c.frames_out, c.frames_dropped);
  return s;
}

}  // namespace potluck

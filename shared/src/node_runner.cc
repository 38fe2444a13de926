#include "potluck/app/node_runner.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

#include "potluck/app/allocator.h"
#include "potluck/app/dashboard.h"
#include "potluck/app/data_dir.h"
#include "potluck/app/node_metrics.h"
#include "potluck/app/service_manager.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/event_loop.h"
#include "potluck/net/lan_beacon.h"
#include "potluck/store/sqlite_store.h"

namespace potluck {
namespace {

constexpr Duration kBeaconInterval = std::chrono::seconds(2);
// Long enough for a project's last messages to be done with.
constexpr Duration kReleaseMemoryAfterIdle = std::chrono::seconds(2);

// Serves metrics and the dashboard, from one server when they share an address, and writes
// the endpoint each is on to DATA/metrics-endpoint and DATA/dashboard-endpoint.
Status ServeHttp(const NodeRunConfig& config, const NodeMetrics* metrics, Dashboard* dashboard,
                 std::vector<std::unique_ptr<HttpServer>>& servers) {
  bool shared = false;
  if (metrics && dashboard) {
    auto metrics_at = ParseHttpListen(config.metrics_listen, "metrics");
    auto dashboard_at = ParseHttpListen(config.dashboard_listen, "dashboard");
    shared = metrics_at.ok() && dashboard_at.ok() && *metrics_at == *dashboard_at;
  }
  auto serve = [&](const std::string& listen, const char* what, std::vector<HttpRoute> routes) {
    auto server = HttpServer::Start(listen, what, std::move(routes));
    if (!server.ok()) return Result<HttpServer*>(server.status());
    servers.push_back(std::move(server.value()));
    return Result<HttpServer*>(servers.back().get());
  };
  auto announce = [&](const HttpServer& server, const char* file, const std::string& what) {
    spdlog::info("{} on http://{}{}", what, server.endpoint(), what == "metrics" ? "/metrics" : "/");
    return WriteFileAtomically(config.data_dir / file, server.endpoint() + "\n");
  };
  if (shared) {
    std::vector<HttpRoute> routes = dashboard->Routes();
    routes.push_back(metrics->Route());
    auto server = serve(config.dashboard_listen, "dashboard", std::move(routes));
    if (!server.ok()) return server.status();
    if (Status s = announce(**server, "metrics-endpoint", "metrics"); !s.ok()) return s;
    return announce(**server, "dashboard-endpoint", "dashboard");
  }
  if (metrics) {
    auto server = serve(config.metrics_listen, "metrics", {metrics->Route()});
    if (!server.ok()) return server.status();
    if (Status s = announce(**server, "metrics-endpoint", "metrics"); !s.ok()) return s;
  }
  if (dashboard) {
    auto server = serve(config.dashboard_listen, "dashboard", dashboard->Routes());
    if (!server.ok()) return server.status();
    if (Status s = announce(**server, "dashboard-endpoint", "dashboard"); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status RunNode(const NodeRunConfig& config, const WorkloadRegistry& workloads, const std::atomic<bool>& stop) {
  if (Status s = PrepareDataDir(config.data_dir); !s.ok()) return s;
  auto identity = Identity::LoadOrCreate(config.data_dir);
  if (!identity.ok()) return identity.status();
  auto opened = SqliteStore::Open(config.data_dir / "node.db", config.store_page_cache_kib);
  if (!opened.ok()) return opened.status();
  SqliteStore& store = *opened.value();

  zmq::context_t context;
  ZmqTransport transport(context, identity.value(), config.security);
  for (zmq::socket_ref socket : config.tick_when_readable) transport.TickWhenReadable(socket);
  auto bound = transport.Listen(config.listen);
  if (!bound.ok()) return bound.status();
  if (config.security == LinkSecurity::kPlainText) {
    spdlog::warn("links are plain text (--insecure): anyone on the network can read them and speak for any peer");
  }
  NodeConfig node_config = config.node;
  // Peers dial the endpoint together with our id, so the link is authenticated as us.
  node_config.endpoint = FormatAddress(config.advertise.empty() ? bound.value() : config.advertise, identity->id());

  SystemClock clock;
  Node node(identity.value(), node_config, store, store, store, workloads, std::random_device{}());
  if (Status s = node.Load(clock.Now()); !s.ok()) return s;
  std::unique_ptr<LanBeacon> beacon;
  if (!config.lan_beacon.empty()) {
    auto opened_beacon = LanBeacon::Open(config.lan_beacon, identity->id());
    if (!opened_beacon.ok()) return opened_beacon.status();
    beacon = std::move(opened_beacon.value());
  }
  std::unique_ptr<NodeMetrics> metrics;
  if (!config.metrics_listen.empty()) metrics = std::make_unique<NodeMetrics>(config.metrics);
  std::unique_ptr<Dashboard> dashboard;
  if (!config.dashboard_listen.empty()) dashboard = std::make_unique<Dashboard>(config.program);
  // Declared after what they serve, so they stop first.
  std::vector<std::unique_ptr<HttpServer>> http_servers;
  if (Status s = ServeHttp(config, metrics.get(), dashboard.get(), http_servers); !s.ok()) return s;
  TimePoint next_beacon{};
  std::unique_ptr<TaskExecutor> executor;
  if (config.make_executor) executor = config.make_executor(transport.waker());
  if (Status s = WriteFileAtomically(config.data_dir / "endpoint", node_config.endpoint + "\n"); !s.ok()) return s;
  spdlog::info("{} {} listening on {}", config.program, identity->id().Short(), node_config.endpoint);
  ServiceManager service;
  service.Ready("listening on " + node_config.endpoint);

  const TimePoint started = clock.Now();
  bool gave_up = false;
  bool announced = false;
  std::optional<TimePoint> out_of_work_since;  // since the last unit, until memory is released
  // What the kernels left: saved checkpoints, which wait for a tick, and finished units, which
  // wake the loop.
  auto take_from_executor = [&](TimePoint now) {
    Actions actions;
    if (!executor) return actions;
    // Checkpoints first: a unit that finished right after saving drops its checkpoint.
    for (auto& saved : executor->TakeCheckpoints()) node.OnCheckpoint(saved.unit, saved.state);
    for (auto& done : executor->TakeFinished()) {
      actions.Append(node.OnTaskDone(done.unit, done.result, done.cpu_seconds, now));
    }
    return actions;
  };
  LoopHooks hooks{
      .on_message = [&](const Inbound& in, TimePoint now) { return node.OnMessage(in, now); },
      .on_tick =
          [&](TimePoint now) {
            Actions actions;
            service.KeepAlive(now);
            if (config.on_tick) config.on_tick(node, now);
            if (config.release_memory_when_idle) {
              if (node.volunteer() && node.volunteer()->leases_held() > 0) {
                out_of_work_since = now;
              } else if (out_of_work_since && now - *out_of_work_since >= kReleaseMemoryAfterIdle) {
                store.ReleaseMemory();
                ReleaseFreeMemory();
                out_of_work_since.reset();
              }
            }
            actions.Append(take_from_executor(now));
            if (beacon) {
              for (const auto& endpoint : beacon->Heard()) node.Discover(endpoint);
              if (now >= next_beacon) {
                beacon->Announce(node_config.endpoint);
                next_beacon = now + kBeaconInterval;
              }
            }
            actions.Append(node.Tick(now));
            if (metrics) metrics->Update(node, transport.counters());
            if (dashboard) dashboard->Update(node, now);
            if (node.connected() && !announced) {
              announced = true;
              spdlog::info("joined the grid");
            }
            if (!announced && config.join_timeout.count() > 0 && now - started > config.join_timeout) gave_up = true;
            return actions;
          },
      .next_due =
          [&](TimePoint now) {
            const TimePoint due = std::min(node.NextDue(now), service.NextKeepAlive());
            return beacon ? std::min(due, next_beacon) : due;
          },
      .on_woken = take_from_executor,
      .begin = [&] { store.Begin(); },
      .commit = [&](const Actions& sending) { return store.Commit(DurabilityFor(sending)); },
      .start_tasks =
          [&](std::vector<TaskStart>& tasks) {
            for (auto& task : tasks) {
              if (executor) executor->Start(std::move(task));
            }
          },
      .done = [&] { return gave_up; },
  };
  store.Begin();
  Actions first = node.Start(clock.Now());
  Status s = store.Commit();
  if (s.ok()) s = RunEventLoop(transport, clock, hooks, stop, std::move(first));
  service.Stopping();
  if (executor) executor->CheckpointAndStop(config.stop_checkpoint_wait);
  // A unit stopped here resumes from this state at the next start.
  store.Begin();
  if (executor) {
    for (auto& saved : executor->TakeCheckpoints()) node.OnCheckpoint(saved.unit, saved.state);
  }
  node.OnStop(clock.Now());
  if (Status committed = store.Commit(); s.ok()) s = committed;
  executor.reset();
  if (gave_up) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(config.join_timeout).count();
    std::string tried;
    for (const auto& e : config.node.membership.bootstrap) tried += (tried.empty() ? "" : ", ") + e;
    return Unavailable("no answer from " + (tried.empty() ? std::string("any peer") : tried) + " within " +
                       std::to_string(seconds) + "s (is a coordinator or worker running there?)");
  }
  const auto& c = transport.counters();
  spdlog::info("{} stopping: {} frames in, {} out, {} dropped, {} throttled", config.program, c.frames_in,
               c.frames_out, c.frames_dropped, c.frames_throttled);
  return s;
}

}  // namespace potluck

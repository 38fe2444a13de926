// Runs a Node for real: its data folder, identity and database, the ZeroMQ transport, and the
// event loop. The coordinator and the worker are thin programs over this.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "potluck/app/metrics.h"
#include "potluck/core/node.h"
#include "potluck/net/zmq_transport.h"
#include "potluck/store/sqlite_store.h"

namespace potluck {

struct TaskOutcome {
  UnitKey unit;
  Result<Bytes> result;
  double cpu_seconds = 0;  // of the worker process while the unit ran: the unit's credit
};

struct TaskCheckpoint {
  UnitKey unit;
  Bytes state;
};

// Runs kernels off the event loop's thread. Thread-safe.
class TaskExecutor {
 public:
  virtual ~TaskExecutor() = default;
  virtual void Start(TaskStart task) = 0;
  // Kernels finished since the last call.
  virtual std::vector<TaskOutcome> TakeFinished() = 0;
  // Checkpoints saved by running kernels since the last call, oldest first.
  virtual std::vector<TaskCheckpoint> TakeCheckpoints() = 0;
  // Asks running kernels to stop; they finish with kUnavailable.
  virtual void CancelAll() = 0;
  // For a clean exit: asks the running kernel to save its state now, waits up to `max_wait`
  // for it, then stops it as CancelAll() does.
  virtual void CheckpointAndStop(Duration /*max_wait*/) { CancelAll(); }
};

struct NodeRunConfig {
  std::string program;  // "coordinator" or "worker", for logs
  std::filesystem::path data_dir;
  std::string listen;     // what to bind; tcp://HOST:0 picks a free port
  std::string advertise;  // the endpoint peers should dial; empty: the endpoint bound
  LinkSecurity security = LinkSecurity::kCurve;
  NodeConfig node;        // its endpoint is filled in
  // The most memory SQLite may keep as page cache for the node's store.
  size_t store_page_cache_kib = SqliteStore::kPageCacheKibDefault;
  // Out of work for a while (see kReleaseMemoryAfterIdle), give the store's page cache and the
  // heap's free pages back to the machine: a volunteer's machine is not ours.
  bool release_memory_when_idle = false;
  // With no other peer known this long after start, give up: a wrong bootstrap endpoint
  // should be an error, not a silent wait. Zero: wait for peers forever.
  Duration join_timeout{0};
  // IPV4:PORT for LAN discovery beacons; empty: off.
  std::string lan_beacon;
  // Builds the kernel runner once the transport can wake the loop; empty on a node that
  // computes nothing.
  std::function<std::unique_ptr<TaskExecutor>(std::shared_ptr<Waker>)> make_executor;
  // What the program adds to every tick of the loop (a worker's limits and local control).
  std::function<void(Node&, TimePoint)> on_tick;
  // Sockets whose requests on_tick answers (a worker's local control): a request runs it at once.
  std::vector<zmq::socket_ref> tick_when_readable;
  // On stop, how long the running kernel may go on to reach a checkpoint: with the kernel's own
  // stop, well inside the 5 s a service manager gives before it kills. Zero: stop it at once,
  // resuming later from its last periodic checkpoint.
  Duration stop_checkpoint_wait = std::chrono::seconds(3);
  // HOST:PORT or PORT to serve Prometheus metrics on (see ParseHttpListen); empty: off.
  std::string metrics_listen;
  // HOST:PORT or PORT to serve the dashboard and its JSON API on; empty: off. The same address
  // as metrics_listen serves both from one server.
  std::string dashboard_listen;
  // What is served there. The runner adds the node's series each tick; the program may add its
  // own from any thread (the worker's CPU time and pauses). Null: the runner keeps its own.
  // REQUIRES: outlives RunNode.
  MetricsRegistry* metrics = nullptr;
};

// Runs until `stop` is set. Writes the node's address (ENDPOINT#PEER-ID) to `data_dir`/endpoint
// once listening (and before it, with metrics or the dashboard on, their HOST:PORT to
// `data_dir`/metrics-endpoint and `data_dir`/dashboard-endpoint),
// and tells systemd it is ready (see ServiceManager). On stop, the running kernel saves a
// checkpoint first.
Status RunNode(const NodeRunConfig& config, const WorkloadRegistry& workloads, const std::atomic<bool>& stop);

}  // namespace potluck

// Runs a Node for real: its data folder, identity and database, the ZeroMQ transport, and the
// event loop. The coordinator and the worker are thin programs over this.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "potluck/core/node.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

struct TaskOutcome {
  UnitKey unit;
  Result<Bytes> result;
  double cpu_seconds = 0;  // CPU time the kernel used, over all its threads: the unit's credit
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
};

struct NodeRunConfig {
  std::string program;  // "coordinator" or "worker", for logs
  std::filesystem::path data_dir;
  std::string listen;     // what to bind; tcp://HOST:0 picks a free port
  std::string advertise;  // the endpoint peers should dial; empty: the endpoint bound
  LinkSecurity security = LinkSecurity::kCurve;
  NodeConfig node;        // its endpoint is filled in
  // With no other peer known this long after start, give up: a wrong bootstrap endpoint
  // should be an error, not a silent wait. Zero: wait for peers forever.
  Duration join_timeout{0};
  // IPV4:PORT for LAN discovery beacons; empty: off.
  std::string lan_beacon;
  // Builds the kernel runner once the transport can wake the loop; empty on a node that
  // computes nothing.
  std::function<std::unique_ptr<TaskExecutor>(std::shared_ptr<Waker>)> make_executor;
};

// Runs until `stop` is set. Writes the node's address (ENDPOINT#PEER-ID) to `data_dir`/endpoint
// once listening.
Status RunNode(const NodeRunConfig& config, const WorkloadRegistry& workloads, const std::atomic<bool>& stop);

}  // namespace potluck

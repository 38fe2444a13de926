// The Prometheus series every node exports, and the HTTP route that serves them. The node
// runner owns one when --metrics is given; see docs/metrics.md.
#pragma once

#include <memory>

#include "potluck/app/http_server.h"
#include "potluck/app/metrics.h"
#include "potluck/core/node.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

class NodeMetrics {
 public:
  // Publishes to `registry`, or to a registry of its own if it is null. REQUIRES: `registry`
  // outlives this.
  explicit NodeMetrics(MetricsRegistry* registry);

  // GET /metrics. REQUIRES: this outlives the server that serves it.
  HttpRoute Route() const;

  // Copies the node's and the transport's counts into the registry. Call from the event loop
  // thread, which owns `node` and `transport`.
  void Update(const Node& node, const TransportCounters& transport);


 private:
  std::unique_ptr<MetricsRegistry> own_registry_;
  MetricsRegistry* registry_;
};

}  // namespace potluck

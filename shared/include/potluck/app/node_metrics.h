// The Prometheus series every node exports, and the HTTP endpoint that serves them. The node
// runner owns one when --metrics is given; see docs/metrics.md.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "potluck/app/metrics.h"
#include "potluck/core/node.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

class NodeMetrics {
 public:
  // Serves `registry`, or a registry of its own if it is null, on `listen` (HOST:PORT or PORT),
  // and writes the endpoint bound, HOST:PORT, to `data_dir`/metrics-endpoint so scripts and
  // tests can find a port picked with :0. REQUIRES: `registry` outlives the result.
  static Result<std::unique_ptr<NodeMetrics>> Start(const std::string& listen, MetricsRegistry* registry,
                                                    const std::filesystem::path& data_dir);

  // Copies the node's and the transport's counts into the registry. Call from the event loop
  // thread, which owns `node` and `transport`.
  void Update(const Node& node, const TransportCounters& transport);

  const std::string& endpoint() const { return server_->endpoint(); }

 private:
  explicit NodeMetrics(MetricsRegistry& registry);

  std::unique_ptr<MetricsRegistry> own_registry_;
  MetricsRegistry* registry_;
  std::unique_ptr<MetricsServer> server_;
};

}  // namespace potluck

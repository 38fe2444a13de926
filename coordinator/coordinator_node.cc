#include "coordinator_node.h"

#include "potluck/app/node_runner.h"
#include "registry.h"

namespace potluck {

Status RunCoordinator(const CoordinatorConfig& config, const std::atomic<bool>& stop) {
  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  NodeRunConfig run;
  run.program = "coordinator";
  run.data_dir = config.data_dir;
  run.listen = config.listen;
  run.advertise = config.advertise;
  run.security = config.security;
  run.node.membership.bootstrap = config.bootstrap;
  run.node.holder = config.holder;
  run.metrics_listen = config.metrics_listen;
  run.dashboard_listen = config.dashboard_listen;
  return RunNode(run, workloads, stop);
}

}  // namespace potluck
